"""Run an env in a Ray actor: envs spread over the cores of a machine or the nodes of a Ray
cluster, with the same `Env` interface as an env in this process.

`RayEnv` is to a Ray actor what `ProcessEnv` is to a child process: every call goes to the
actor and waits for its answer (the runner's threads wait for many actors at once, so their
steps run concurrently). An actor that dies (killed, out of memory, its node lost) or hangs
past the step limit raises `EnvError` for that call only; the next ``reset`` starts a fresh
actor. Ray is imported only when a `RayEnv` is built.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from functools import cache
from typing import Any

from agentrl.core.env import Env, EnvError
from agentrl.core.remote_env import RemoteEnv, run_env_call

_CONNECT_LOCK = threading.Lock()
_STARTED_HERE = False  # True when `connect_ray` started the local Ray instance itself


def machine_cpus() -> int:
    """CPUs this process may run on (its affinity mask, which containers narrow)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def connect_ray(address: str | None = None) -> None:
    """Start or join Ray once per process; later calls (any address) reuse that session.

    ``address`` None starts a local instance sized to this machine (`machine_cpus`);
    ``"auto"`` joins the cluster that ``ray start --head`` runs on this node, and
    ``"HOST:PORT"`` / ``"ray://HOST:10001"`` a remote one. A session the caller started
    (``ray.init`` before agentrl) is used as it is.
    """
    global _STARTED_HERE
    try:
        import ray
    except ImportError as error:
        raise EnvError("rollout.env_workers='ray' needs Ray: pip install 'agentrl[ray]'") from error
    with _CONNECT_LOCK:
        if ray.is_initialized():
            return
        ranks = int(os.environ.get("WORLD_SIZE", "1"))
        if address is None and ranks > 1:
            raise EnvError(
                f"rollout.ray_address is unset but this is one of {ranks} ranks: each would "
                "start a Ray instance of its own. Start one (`ray start --head`) and set "
                "rollout.ray_address: auto"
            )
        if address is None:
            ray.init(num_cpus=machine_cpus(), include_dashboard=False)
            _STARTED_HERE = True
        else:
            ray.init(address=address)


def shutdown_ray() -> None:
    """Shut Ray down if `connect_ray` started it here; a session the caller owns stays up."""
    global _STARTED_HERE
    with _CONNECT_LOCK:
        if _STARTED_HERE:
            import ray

            ray.shutdown()
            _STARTED_HERE = False


class _EnvHost:
    """What a Ray actor holds: one env, built in the actor from a picklable factory."""

    def __init__(self, factory: Callable[[], Env]) -> None:
        self.env = factory()

    def call(self, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[str, Any]:
        """Run ``env.<method>``; an env error comes back as ("error", text), not raised, so
        that exceptions which do not pickle still reach the caller."""
        return run_env_call(self.env, method, args, kwargs)


@cache
def _remote_host() -> Any:
    """`_EnvHost` as a Ray actor class (made once: Ray exports each class it is given)."""
    import ray

    return ray.remote(_EnvHost)


class RayEnv(RemoteEnv):
    """An `Env` proxy whose real env lives in a Ray actor.

    ``factory`` must be picklable and importable where the actor runs (e.g.
    ``functools.partial(agentrl.make, "alfworld")``). ``actor_options`` are Ray's per-actor
    resources (``{"num_cpus": 0.5}``, ``{"resources": {"chromium": 1}}``). A call longer
    than ``timeout_s`` kills the actor and raises `EnvError`, as does a call to an actor
    that died; the next ``reset`` starts a fresh one. Building the actor (scheduling it,
    importing, making the env) has its own limit, ``startup_timeout_s``: an actor asking
    for resources the cluster does not have fails then, naming what it asked for.
    """

    def __init__(self, factory: Callable[[], Env], *, timeout_s: float | None = None,
                 startup_timeout_s: float = 600.0, actor_options: dict[str, Any] | None = None,
                 address: str | None = None) -> None:
        super().__init__(factory, timeout_s=timeout_s, startup_timeout_s=startup_timeout_s)
        self._actor_options = dict(actor_options or {})
        self._address = address
        self._actor: Any = None
        self.spec = self._call("__getattribute__", "spec")

    @property
    def actor(self) -> Any:
        """The Ray actor handle holding the env now (None before the first call or after a
        failure or `close`)."""
        return self._actor

    def _start(self) -> None:
        import ray

        connect_ray(self._address)
        actor = _remote_host().options(**self._actor_options).remote(self._factory)
        try:
            ray.get(actor.__ray_ready__.remote(), timeout=self._startup_timeout_s)
        except ray.exceptions.GetTimeoutError:
            ray.kill(actor)
            raise EnvError(
                f"env actor did not start within {self._startup_timeout_s}s; it asks for "
                f"{self._actor_options or 'Ray defaults'} and the cluster has "
                f"{ray.available_resources()} free (rollout.ray_actor_options)"
            ) from None
        except ray.exceptions.RayError as error:
            ray.kill(actor)
            raise EnvError(f"building the env failed in its actor: {_first_line(error)}") from None
        self._actor = actor

    def _kill(self) -> None:
        if self._actor is not None:
            import ray

            ray.kill(self._actor)
        self._actor = None

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        import ray

        if self._actor is None:
            self._start()
        reply = self._actor.call.remote(method, args, kwargs)
        try:
            status, result = ray.get(reply, timeout=self._timeout_s)
        except ray.exceptions.GetTimeoutError:
            self._kill()
            raise EnvError(f"env {method}() took longer than {self._timeout_s}s; actor killed") \
                from None
        except ray.exceptions.RayError as error:  # the actor died or its node went away
            self._kill()
            raise EnvError(f"env actor died during {method}(): {_first_line(error)}") from None
        if status == "error":
            raise EnvError(f"env {method}() failed in its actor: {result}")
        return result

    def close(self) -> None:
        """Close the env in its actor (a few seconds at most), then kill the actor."""
        if self._actor is None:
            return
        import ray

        try:
            ray.get(self._actor.call.remote("close", (), {}), timeout=5.0)
        except ray.exceptions.RayError:
            pass  # dead, hung or failing: killed below all the same
        self._kill()


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"
