"""Where envs run while the runner steps them: ``rollout.env_workers``.

| value       | each env lives                                   | a crash or hang costs |
|-------------|--------------------------------------------------|-----------------------|
| `threads`   | in this process, stepped by the runner's threads | the run (a segfault)  |
| `processes` | in a child process of its own (`ProcessEnv`)     | one episode           |
| `ray`       | in a Ray actor, on any node of a cluster (`RayEnv`) | one episode        |
| `auto`      | `processes` for envs with ``Env.native_engine``, else `threads` |        |

Each kind is a wrapper registered in `ENV_WORKERS` that turns a picklable env factory into
one whose envs live there, behind the same `Env` interface, so the runner is the same for
all of them: one batched generate per turn, then every active env's step at once.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from agentrl.core.env import Env
from agentrl.core.process_env import ProcessEnv
from agentrl.core.ray_env import RayEnv, connect_ray

EnvWorkers = Literal["auto", "threads", "processes", "ray"]
EnvFactory = Callable[[], Env]


class RayActorOptions(BaseModel):
    """Resources each env's Ray actor asks for (``rollout.ray_actor_options``); unset
    fields take Ray's defaults (an actor then reserves no CPU while it runs)."""

    model_config = ConfigDict(extra="forbid")

    num_cpus: float | None = Field(default=None, ge=0, description="Logical CPUs per env "
                                   "actor (fractions allowed: 0.5 packs two per CPU).")
    num_gpus: float | None = Field(default=None, ge=0, description="GPUs per env actor.")
    memory: int | None = Field(default=None, ge=0, description="Bytes of memory reserved "
                               "per env actor (for scheduling; Ray does not enforce it).")
    resources: dict[str, float] = Field(
        default_factory=dict, description="Custom resources per actor, e.g. {docker: 1} "
        "for nodes started with `ray start --resources='{\"docker\": 4}'`.")
    runtime_env: dict[str, Any] | None = Field(
        default=None, description="Ray runtime_env of the actors (pip, env_vars, "
        "working_dir) for cluster nodes that lack what the env needs.")

    def ray_options(self) -> dict[str, Any]:
        """The options as `ActorClass.options` takes them (unset ones left out)."""
        return self.model_dump(exclude_none=True, exclude_defaults=True)


class EnvWorkerOptions(BaseModel):
    """The ``rollout`` keys that choose where envs run (`ENV_WORKERS`)."""

    env_workers: EnvWorkers = Field(
        default="auto",
        description="Where each env runs: 'threads' (this process), 'processes' (a child "
        "process each: a crash or hang errors one episode), 'ray' (a Ray actor each, on "
        "any node of the cluster); auto: processes for envs with a native engine "
        "(Env.native_engine: TextWorld, ALFWorld), threads otherwise.",
    )
    ray_address: str | None = Field(
        default=None,
        description="Ray cluster to run env actors on (env_workers 'ray'): unset starts a "
        "local Ray sized to this machine; 'auto' joins the cluster of `ray start --head` "
        "on this node; 'HOST:6379' or 'ray://HOST:10001' a remote one.",
    )
    ray_actor_options: RayActorOptions = Field(
        default_factory=RayActorOptions,
        description="Resources per env actor (env_workers 'ray'), e.g. {num_cpus: 0.5}.",
    )


def _threads(factory: EnvFactory, options: EnvWorkerOptions, timeout_s: float | None
             ) -> EnvFactory:
    return factory


def _processes(factory: EnvFactory, options: EnvWorkerOptions, timeout_s: float | None
               ) -> EnvFactory:
    return partial(ProcessEnv, factory, timeout_s=timeout_s)


def _ray(factory: EnvFactory, options: EnvWorkerOptions, timeout_s: float | None
         ) -> EnvFactory:
    connect_ray(options.ray_address)  # here, in the caller's (main) thread, not a worker's
    return partial(RayEnv, factory, timeout_s=timeout_s, address=options.ray_address,
                   actor_options=options.ray_actor_options.ray_options())


ENV_WORKERS: dict[str, Callable[[EnvFactory, EnvWorkerOptions, float | None], EnvFactory]] = {
    "threads": _threads,
    "processes": _processes,
    "ray": _ray,
}


def resolve_env_workers(kind: str, env_class: Callable[..., Env]) -> str:
    """``kind`` with ``auto`` resolved for ``env_class``: processes for a native engine."""
    if kind != "auto":
        return kind
    return "processes" if getattr(env_class, "native_engine", False) else "threads"


def wrap_env_factory(factory: EnvFactory, options: EnvWorkerOptions, kind: str,
                     *, timeout_s: float | None = None) -> EnvFactory:
    """``factory``'s envs, made to live where ``kind`` (resolved, not ``auto``) says; calls
    longer than ``timeout_s`` kill the env's process or actor."""
    return ENV_WORKERS[kind](factory, options, timeout_s)


def env_worker_problems(options: EnvWorkerOptions) -> list[str]:
    """What is wrong with the env-worker keys: Ray options without Ray workers, no Ray."""
    problems = []
    if options.env_workers != "ray":
        for key in ("ray_address", "ray_actor_options"):
            if key in options.model_fields_set and getattr(options, key) != \
                    EnvWorkerOptions.model_fields[key].get_default(call_default_factory=True):
                problems.append(f"rollout.{key} is set but rollout.env_workers="
                                f"{options.env_workers!r}; it applies to 'ray' only")
        return problems
    try:
        import ray  # noqa: F401
    except ImportError:
        problems.append("rollout.env_workers='ray' needs Ray: pip install 'agentrl[ray]'")
    return problems
