"""Env registry: `register`, `make`, `registered`, plus the `agentrl.envs` entry-point group.

A separate package adds envs without touching agentrl by declaring, in its pyproject::

    [project.entry-points."agentrl.envs"]
    my-env = "my_pkg.env:MyEnv"
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

from agentrl.core.env import Env

ENTRY_POINT_GROUP = "agentrl.envs"

# Families shipped with agentrl, imported lazily so that `import agentrl` stays light:
# `make(id)` imports only the family of ``id``; `registered()` imports them all.
_BUILTIN_FAMILIES = {
    "toy/": "agentrl.environments.toy",
    "textworld": "agentrl.environments.textworld",
    "alfworld": "agentrl.environments.alfworld",
    "webshop": "agentrl.environments.webshop",
    "swe": "agentrl.environments.swe",
    "tools/search-qa": "agentrl.environments.search_qa",
    "tools/python": "agentrl.environments.calculator",
    "gui-": "agentrl.environments.gui",
}


@dataclass
class EnvEntry:
    """A registered env: its id, its entry point and the keyword defaults `make` passes."""

    id: str
    entry_point: str | Callable[..., Env]
    defaults: dict[str, Any] = field(default_factory=dict)


_REGISTRY: dict[str, EnvEntry] = {}
_discovered = False


class UnknownEnvError(KeyError):
    """`make` was asked for an env id that is not registered; the message lists those that are."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0])


def register(id: str, entry_point: str | Callable[..., Env], **defaults: Any) -> None:
    """Register an env under ``id``.

    ``entry_point`` is a callable returning an `Env` or a ``"module:attr"`` string, resolved
    on first `make`. ``defaults`` are keyword arguments that `make` passes unless overridden.
    Registering an existing id replaces it.
    """
    _REGISTRY[id] = EnvEntry(id, entry_point, dict(defaults))


def _import_family(module: str) -> None:
    try:
        importlib.import_module(module)
    except ModuleNotFoundError as error:
        # A family whose optional dependency is not installed stays unregistered;
        # a missing agentrl module (a bug) must still surface.
        if error.name and error.name.startswith("agentrl") and error.name != module:
            raise


def _discover() -> None:
    global _discovered
    if _discovered:
        return
    _discovered = True
    for module in _BUILTIN_FAMILIES.values():
        _import_family(module)
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        if entry.name not in _REGISTRY:
            register(entry.name, entry.value)


def registered() -> list[str]:
    """Ids of every registered env, sorted."""
    _discover()
    return sorted(_REGISTRY)


def resolve_entry_point(entry_point: str | Callable[..., Env]) -> Callable[..., Env]:
    """Turn ``"module:attr"`` into the object it names; pass callables through."""
    if callable(entry_point):
        return entry_point
    module_name, _, attr = entry_point.partition(":")
    if not attr:
        raise ValueError(f"entry point {entry_point!r} must look like 'package.module:ClassName'")
    target: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        target = getattr(target, part)
    return target


def env_class(id: str) -> Callable[..., Env]:
    """What `make` calls for ``id`` (a registered id or ``"module:Class"``): class or factory."""
    if ":" in id and id not in _REGISTRY:
        return resolve_entry_point(id)
    return resolve_entry_point(_entry(id).entry_point)


def _entry(id: str) -> EnvEntry:
    for prefix, module in _BUILTIN_FAMILIES.items():
        if id not in _REGISTRY and id.startswith(prefix):
            _import_family(module)
    if id not in _REGISTRY:
        _discover()
    if id not in _REGISTRY:
        raise UnknownEnvError(
            f"env {id!r} is not registered; registered: {', '.join(registered()) or 'none'}"
        )
    return _REGISTRY[id]


def make(id: str, **kwargs: Any) -> Env:
    """Build the env registered as ``id`` (or a ``"module:Class"`` path) with ``kwargs``."""
    if ":" in id and id not in _REGISTRY:
        return resolve_entry_point(id)(**kwargs)
    entry = _entry(id)
    return resolve_entry_point(entry.entry_point)(**{**entry.defaults, **kwargs})
