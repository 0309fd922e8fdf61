"""Env registry: `register`, `make`, `registered`, fed by the `agentrl.envs` entry-point group.

Every env family, the built-in ones included, is declared in its package's metadata; the
registry names none. An entry's *name* says which ids it serves, its *value* what to load:

=====================  ==========================  =========================================
name                   value                       meaning
=====================  ==========================  =========================================
``my-env``             ``my_pkg.env:MyEnv``        the env of id ``my-env`` (class or
                                                   factory), imported on its first `make`
``my-env``             ``my_pkg.envs``             a family module: importing it registers
                                                   ``my-env`` (and maybe more ids)
``my-family/*``        ``my_pkg.envs``             the same, for every id starting with
                                                   ``my-family/``
``my-family/*``        ``my_pkg.envs:register``    a function that registers the family's
                                                   ids; called once, with no arguments
=====================  ==========================  =========================================

For example, in a plug-in's ``pyproject.toml``::

    [project.entry-points."agentrl.envs"]
    my-env = "my_pkg.env:MyEnv"
    "my-family/*" = "my_pkg.family:register_envs"

`make` loads only the entries that serve the id asked for; `registered` loads them all. A
family whose optional dependency is missing stays unregistered, and asking for one of its
ids says why. A family declares the modules an env process should import ahead
(``register(id, entry, preload=[...])``); `preload_modules` collects them. A family may also
name the Gymnasium id its env is offered under (``register(id, entry,
gym_id="agentrl/Name-v0")``); `gym_ids` collects them for `agentrl.core.gym`.
"""

from __future__ import annotations

import importlib
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from agentrl.core.env import Env

ENTRY_POINT_GROUP = "agentrl.envs"
_GYM_ID = re.compile(r"[\w.-]+/[\w.-]+-v\d+")


@dataclass
class EnvEntry:
    """A registered env: its id, its entry point, the keyword defaults `make` passes and the
    modules an env process should import before building it (``preload``), and the
    Gymnasium id it is offered under, if any (``gym_id``)."""

    id: str
    entry_point: str | Callable[..., Env]
    defaults: dict[str, Any] = field(default_factory=dict)
    preload: tuple[str, ...] = ()
    gym_id: str | None = None


_REGISTRY: dict[str, EnvEntry] = {}
_entry_points: list[EntryPoint] | None = None  # the group, read once
_loaded: set[str] = set()  # names of the entries already loaded
_failed: dict[str, str] = {}  # entry name -> why its family could not be imported
_LOCK = threading.RLock()  # env threads may `make` at once: a family loads exactly once
_ENTRY_LOCKS: dict[str, threading.RLock] = {}


class UnknownEnvError(KeyError):
    """`make` was asked for an env id that is not registered; the message lists those that are."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0])


def register(id: str, entry_point: str | Callable[..., Env], *,
             preload: Iterable[str] = (), gym_id: str | None = None, **defaults: Any) -> None:
    """Register an env under ``id``.

    ``entry_point`` is a callable returning an `Env` or a ``"module:attr"`` string, resolved
    on first `make`. ``defaults`` are keyword arguments that `make` passes unless overridden.
    ``preload`` names modules an env process should import once, ahead of building the env
    (native engines, parsed game logic), read by `preload_modules`. ``gym_id``
    (``"namespace/Name-vN"``) is the Gymnasium id `agentrl.core.gym` registers the env under.
    Registering an existing id replaces it.
    """
    if isinstance(preload, str):
        raise TypeError(f"preload of {id!r} must be a list of module names, not a string")
    if gym_id is not None and not _GYM_ID.fullmatch(str(gym_id)):
        raise ValueError(f"gym_id {gym_id!r} of {id!r} is not a Gymnasium id like "
                         "'agentrl/Name-v0' (namespace/Name-vN)")
    _REGISTRY[id] = EnvEntry(id, entry_point, dict(defaults), tuple(preload), gym_id)


def _group() -> list[EntryPoint]:
    global _entry_points
    if _entry_points is None:
        _entry_points = list(entry_points(group=ENTRY_POINT_GROUP))
    return _entry_points


def _serves(entry: EntryPoint, id: str) -> bool:
    if entry.name.endswith("*"):
        return id.startswith(entry.name[:-1])
    return entry.name == id


def _load(entry: EntryPoint) -> None:
    """Register what ``entry`` declares (see the module docstring for the forms)."""
    with _LOCK:  # held only to find this entry's own lock, never across an import
        lock = _ENTRY_LOCKS.setdefault(entry.name, threading.RLock())
    with lock:  # one lock per entry: importing one family never waits on another's import
        if entry.name not in _loaded:
            _loaded.add(entry.name)
            _load_unlocked(entry)


def _load_unlocked(entry: EntryPoint) -> None:
    module, _, attr = entry.value.partition(":")
    module, attr = module.strip(), attr.strip()
    if attr and not entry.name.endswith("*"):
        if entry.name not in _REGISTRY:  # an explicit `register` wins over an entry point
            register(entry.name, entry.value)
        return
    try:
        target: Any = importlib.import_module(module)
    except ModuleNotFoundError as error:
        # A family whose optional dependency is not installed stays unregistered;
        # a missing agentrl module (a bug) must still surface.
        if error.name and error.name.startswith("agentrl") and error.name != module:
            raise
        _failed[entry.name] = f"{module} could not be imported ({error})"
        return
    for part in filter(None, attr.split(".")):
        target = getattr(target, part)
    if attr:
        target()


def _load_all() -> None:
    for entry in _group():
        _load(entry)


def registered() -> list[str]:
    """Ids of every registered env, sorted (loads every family of the entry-point group)."""
    _load_all()
    return sorted(_REGISTRY)


def preload_modules() -> list[str]:
    """The modules registered envs declare for env processes to import ahead, in
    registration order without repeats (loads every family of the entry-point group)."""
    _load_all()
    return list(dict.fromkeys(m for entry in _REGISTRY.values() for m in entry.preload))


def gym_ids() -> dict[str, str]:
    """Gymnasium id -> env id of every registered env that declares a ``gym_id``, in
    registration order (loads every family of the entry-point group)."""
    _load_all()
    return {entry.gym_id: entry.id for entry in _REGISTRY.values() if entry.gym_id}


def resolve_entry_point(entry_point: str | Callable[..., Env]) -> Callable[..., Env]:
    """Turn ``"module:attr"`` into the object it names; pass callables through."""
    if callable(entry_point):
        return entry_point
    module_name, _, attr = entry_point.partition(":")
    if not attr:
        raise ValueError(f"entry point {entry_point!r} must look like 'package.module:ClassName'")
    target: Any = importlib.import_module(module_name.strip())
    for part in attr.strip().split("."):
        target = getattr(target, part)
    return target


def env_class(id: str) -> Callable[..., Env]:
    """What `make` calls for ``id`` (a registered id or ``"module:Class"``): class or factory."""
    if ":" in id and id not in _REGISTRY:
        return resolve_entry_point(id)
    return resolve_entry_point(_entry(id).entry_point)


def _unknown(id: str) -> UnknownEnvError:
    why = [f"{name}: {reason}" for name, reason in _failed.items() if any(
        e.name == name and _serves(e, id) for e in _group())]
    message = f"env {id!r} is not registered"
    if why:
        message += f"; its family is not available: {'; '.join(why)}"
    if not _group():
        message += (f"; no package declares the entry-point group {ENTRY_POINT_GROUP!r} "
                    "(is agentrl installed? pip install -e .)")
    return UnknownEnvError(f"{message}; registered: {', '.join(registered()) or 'none'}")


def _entry(id: str) -> EnvEntry:
    if id not in _REGISTRY:
        for entry in _group():
            if _serves(entry, id):
                _load(entry)
    if id not in _REGISTRY:
        _load_all()  # a family may register ids beyond the names of its entries
    if id not in _REGISTRY:
        raise _unknown(id)
    return _REGISTRY[id]


def make(id: str, **kwargs: Any) -> Env:
    """Build the env registered as ``id`` (or a ``"module:Class"`` path) with ``kwargs``."""
    if ":" in id and id not in _REGISTRY:
        return resolve_entry_point(id)(**kwargs)
    entry = _entry(id)
    return resolve_entry_point(entry.entry_point)(**{**entry.defaults, **kwargs})
