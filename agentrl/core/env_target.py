"""Env targets named on the command line: a registered id or ``module:Class``, resolved and
built with errors a person can act on (`agentrl check-env`, `agentrl play`, a recipe's
``env.id``).

Two kinds of failure: `EnvTargetError` when the target names nothing usable (an unknown id,
a module that cannot be imported, a missing attribute), and `EnvBuildError` when it names
something that does not give a working env (not an `Env` subclass, its constructor raises,
or it does not return within the time allowed). A constructor that takes a while is
announced every few seconds through a ``progress`` callback, so a hang is never silent; in
a child process (``isolate``) it is also stopped after a time limit.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from pydantic import ValidationError

from agentrl.core.env import Env, EnvError
from agentrl.core.registry import UnknownEnvError, env_class, make

FIRST_NOTICE_S = 5.0  # a construction that takes longer than this is announced …
NOTICE_EVERY_S = 10.0  # … and again this often


class EnvTargetError(ValueError):
    """The target names no env: unknown id, module not importable, attribute missing (the
    message says what was looked for; the caller names the target)."""


class EnvBuildError(RuntimeError):
    """The target was found but gives no working env: not an `Env`, its constructor raised,
    or it did not return in time."""


def importable_from_cwd(target: str, kwargs: dict[str, Any] | None = None) -> None:
    """Put the current directory first on ``sys.path`` for a ``module:Class`` target, or
    a string argument that may name one (``program="mymodule:agent"``), as ``python
    script.py`` would, so ``agentrl check-env mymodule:Guess`` finds ./mymodule.py without
    ``PYTHONPATH=.`` (env processes started later inherit ``sys.path``)."""
    cwd = os.getcwd()
    named = [target, *(v for v in (kwargs or {}).values() if isinstance(v, str))]
    if any(":" in name for name in named) and cwd not in sys.path and "" not in sys.path:
        sys.path.insert(0, cwd)


def resolve_target(target: str) -> Callable[..., Env]:
    """The class or factory ``target`` names; `EnvTargetError` saying what was looked for."""
    module, _, attr = target.partition(":")
    try:
        return env_class(target)
    except UnknownEnvError as error:
        raise EnvTargetError(f"{error}; a class of your own is named as module:Class, e.g. "
                             "mymodule:MyEnv") from None
    except ModuleNotFoundError as error:
        if error.name and (module == error.name or module.startswith(f"{error.name}.")):
            raise EnvTargetError(
                f"no module named {error.name!r} in the current directory "
                f"({os.getcwd()}) or on the Python path; check the spelling, or install "
                "the package that provides it"
            ) from None
        raise EnvTargetError(f"importing {module!r} failed: {error}") from None
    except AttributeError as error:
        if module in sys.modules:  # imported: the attribute is what is missing
            raise EnvTargetError(f"module {module!r} has no attribute {attr!r}") from None
        raise EnvTargetError(f"importing {module!r} raised AttributeError: {error}") from None
    except Exception as error:  # noqa: BLE001 - the user's module raised while importing
        raise EnvTargetError(f"importing {module!r} raised "
                             f"{type(error).__name__}: {error}") from None


def require_env_class(target: str, factory: Callable[..., Env]) -> None:
    """`EnvBuildError` when ``factory`` is a class that does not derive from `Env`."""
    if isinstance(factory, type) and not issubclass(factory, Env):
        raise EnvBuildError(
            f"{target} is {factory.__module__}.{factory.__qualname__}, which is not an "
            "agentrl env: derive it from agentrl.core.Env (spec, tasks, reset, step, close)"
        )


@contextmanager
def announced(what: str, progress: Callable[[str], None] | None) -> Iterator[None]:
    """While the block runs, say "waiting for WHAT (N s)…" through ``progress`` after
    `FIRST_NOTICE_S` and then every `NOTICE_EVERY_S` (from a watcher thread: the work
    itself stays in the caller's thread, where thread-bound engines expect it)."""
    done = threading.Event()
    started = time.monotonic()

    def watch() -> None:
        wait = FIRST_NOTICE_S
        while not done.wait(wait):
            if progress is not None:
                progress(f"waiting for {what} ({time.monotonic() - started:.0f} s)…")
            wait = NOTICE_EVERY_S

    watcher = threading.Thread(target=watch, name=f"announce {what}", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()


def one_line(error: Exception, limit: int = 600) -> str:
    """``Type: message`` on one line; a pydantic error as ``field=value: problem; …``."""
    if isinstance(error, ValidationError):
        text = "; ".join(f"{'.'.join(map(str, item['loc']))}={item.get('input')!r}: "
                         f"{item['msg']}" for item in error.errors())
    else:
        text = " ".join(str(error).split())
    text = f"{type(error).__name__}: {text}"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def make_checked(target: str, **kwargs: Any) -> Env:
    """`make` ``target`` with ``kwargs``, raising only `EnvTargetError` (names nothing) or
    `EnvBuildError` (not an `Env`, or its constructor raised). Picklable, for a child."""
    require_env_class(target, resolve_target(target))
    try:
        env = make(target, **kwargs)
    except EnvBuildError:  # `alarm` gave up waiting
        raise
    except Exception as error:  # noqa: BLE001 - the env's own constructor raised
        raise EnvBuildError(f"building {target} raised {one_line(error)}") from None
    if not isinstance(env, Env):
        raise EnvBuildError(f"{target} returned {type(env).__name__}, not an agentrl env "
                            "(agentrl.core.Env)")
    return env


def build_env(target: str, *, kwargs: dict[str, Any] | None = None, isolate: bool = False,
              timeout_s: float | None = None,
              progress: Callable[[str], None] | None = None) -> Env:
    """`make_checked` in this process, or in a child process when ``isolate``
    (`agentrl.core.process_env.ProcessEnv`: nothing of the target is imported here), where
    a construction longer than ``timeout_s`` (None: 600 s) is stopped as an `EnvBuildError`
    (in this process: interrupted by `alarm`, where it can be). A long construction is
    announced through ``progress``.
    """
    importable_from_cwd(target, kwargs)
    with announced(f"{what_of(target)} to construct", progress):
        if not isolate:
            with alarm(timeout_s, target):
                return make_checked(target, **(kwargs or {}))
        from agentrl.core.process_env import ProcessEnv

        started = time.monotonic()
        try:
            return ProcessEnv(partial(make_checked, target, **(kwargs or {})),
                              startup_timeout_s=600.0 if timeout_s is None else timeout_s)
        except EnvError as error:
            raise _from_child(str(error), target, timeout_s,
                              time.monotonic() - started) from None


def _from_child(message: str, target: str, timeout_s: float | None,
                elapsed: float) -> Exception:
    """The error a child's `EnvError` message stands for (it carries the class by name)."""
    for kind in (EnvTargetError, EnvBuildError):
        _, marker, rest = message.partition(f"{kind.__name__}: ")
        if marker:
            return kind(rest)
    if timeout_s is not None and elapsed >= timeout_s:
        return _gave_up(target, timeout_s)
    return EnvBuildError(f"{target}: {message}")


def _gave_up(target: str, timeout_s: float) -> EnvBuildError:
    return EnvBuildError(f"gave up waiting for {what_of(target)} after {timeout_s:g} s: it "
                         "hangs or needs longer (give it more: agentrl check-env --timeout "
                         "SECONDS)")


@contextmanager
def alarm(timeout_s: float | None, target: str) -> Iterator[None]:
    """Interrupt the block with `EnvBuildError` after ``timeout_s`` (SIGALRM: only in the
    main thread of a Unix process; elsewhere, or with None, no limit)."""
    if (timeout_s is None or not hasattr(signal, "setitimer")
            or threading.current_thread() is not threading.main_thread()):
        yield
        return

    def ring(signum: int, frame: Any) -> None:
        raise _gave_up(target, timeout_s)

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, timeout_s)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def what_of(target: str) -> str:
    """How a target's construction reads in a message: ``mod:Cls()`` or ``make('id')``."""
    return f"{target}()" if ":" in target else f"make({target!r})"
