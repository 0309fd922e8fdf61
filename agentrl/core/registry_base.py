"""A small named registry, shared by advantages, shapings, rewards and policies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class UnknownNameError(KeyError):
    """A name is not registered; the message lists the registered ones."""

    def __str__(self) -> str:
        return str(self.args[0])


class Registry(Generic[T]):
    """Maps names to objects, each with an optional declaration of what it needs; a wrong
    name is an error listing the registered ones."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}
        self._declarations: dict[str, Any] = {}

    def register(self, name: str, declaration: Any = None) -> Callable[[T], T]:
        """Decorator: register the decorated object under ``name`` (replacing any), with
        ``declaration`` (what it needs, read by `declared`), and return it."""
        def decorator(item: T) -> T:
            self._items[name] = item
            self._declarations[name] = declaration
            return item

        return decorator

    def get(self, name: str) -> T:
        """The object registered as ``name``; `UnknownNameError` if there is none."""
        if name not in self._items:
            raise UnknownNameError(
                f"{self.kind} {name!r} is not registered; registered: {', '.join(self.names())}"
            )
        return self._items[name]

    def declared(self, name: str) -> Any:
        """The declaration ``name`` was registered with (None when it declared nothing)."""
        self.get(name)
        return self._declarations[name]

    def names(self) -> list[str]:
        """The registered names, sorted."""
        return sorted(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items
