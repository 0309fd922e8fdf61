"""Text actions to an OpenEnv server's action model, read from its ``/schema``.

An action is a JSON object of the model's fields (``{"guess": 7}``), or, when the model has
one field (besides OpenEnv's ``metadata``), the plain value (``7``), converted to that
field's JSON type. What does not fit raises `ActionSchemaError`, whose message tells the agent
how to write the action; the server's own pydantic validation has the last word.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

RESERVED_FIELDS = ("metadata",)  # OpenEnv's base Action field, not the agent's to fill
MAX_ACTION_CHARS = 100_000


class ActionSchemaError(ValueError):
    """A text action that does not fit the server's action model."""


@dataclass(frozen=True)
class ActionSchema:
    """The fields of an OpenEnv action model: name -> JSON schema, and the required ones."""

    title: str
    fields: dict[str, dict[str, Any]]
    required: tuple[str, ...]

    @classmethod
    def from_json_schema(cls, schema: dict[str, Any]) -> ActionSchema:
        """Read the ``action`` entry of an OpenEnv ``/schema`` response."""
        properties = {
            name: spec for name, spec in (schema.get("properties") or {}).items()
            if name not in RESERVED_FIELDS
        }
        required = tuple(n for n in schema.get("required") or () if n in properties)
        return cls(str(schema.get("title", "Action")), properties, required)

    def help(self) -> str:
        """How to write an action, for the instruction and invalid-action observations."""
        lines = [f"Write the action as a JSON object with the fields of {self.title}:"]
        for name, spec in self.fields.items():
            need = "required" if name in self.required else "optional"
            lines.append(f"  {name} ({_type_name(spec)}, {need}): {spec.get('description', '')}")
        single = self.single_field()
        if single:
            lines.append(f"or write only the value of {single}.")
        return "\n".join(lines)

    def single_field(self) -> str | None:
        """The one field a plain-text action fills, when the model has exactly one."""
        if len(self.fields) == 1:
            return next(iter(self.fields))
        return self.required[0] if len(self.required) == 1 else None

    def parse(self, text: str) -> dict[str, Any]:
        """The action payload for ``text``; `ActionSchemaError` says why it does not fit."""
        if len(text) > MAX_ACTION_CHARS:
            raise ActionSchemaError(f"the action is {len(text):,} characters long; the limit "
                                    f"is {MAX_ACTION_CHARS:,}")
        stripped = text.strip()
        if stripped.startswith("{"):
            try:
                payload = json.loads(stripped)
            except json.JSONDecodeError as error:
                raise ActionSchemaError(f"the action is not valid JSON: {error}") from error
            return self._checked(payload)
        field = self.single_field()
        if field is None:
            raise ActionSchemaError("the action must be a JSON object")
        return self._checked({field: _coerce(stripped, self.fields[field], field)})

    def _checked(self, payload: Any) -> dict[str, Any]:
        if not isinstance(payload, dict):
            raise ActionSchemaError("the action must be a JSON object")
        unknown = [k for k in payload if k not in self.fields and k not in RESERVED_FIELDS]
        if unknown:
            raise ActionSchemaError(f"unknown field(s) {', '.join(map(str, unknown))}; fields: "
                                    f"{', '.join(self.fields)}")
        missing = [k for k in self.required if k not in payload]
        if missing:
            raise ActionSchemaError(f"missing field(s) {', '.join(missing)}")
        for name, value in payload.items():
            if name in self.fields and not _fits(value, self.fields[name]):
                raise ActionSchemaError(f"field {name} must be {_type_name(self.fields[name])}")
        return payload


_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,),
    "array": (list,), "object": (dict,), "null": (type(None),),
}


def _types(spec: dict[str, Any]) -> list[str]:
    """The JSON types a field allows (empty: anything)."""
    if "type" in spec:
        kind = spec["type"]
        return list(kind) if isinstance(kind, list) else [kind]
    return [t for option in spec.get("anyOf", []) for t in _types(option)]


def _type_name(spec: dict[str, Any]) -> str:
    if "enum" in spec:
        return "one of " + ", ".join(json.dumps(v) for v in spec["enum"])
    return " or ".join(_types(spec)) or "any JSON value"


def _fits(value: Any, spec: dict[str, Any]) -> bool:
    if "enum" in spec:
        return value in spec["enum"]
    kinds = _types(spec)
    if not kinds:
        return True
    if isinstance(value, bool) and "boolean" not in kinds:
        return False  # JSON true is not an integer here, whatever Python thinks
    return any(isinstance(value, _JSON_TYPES.get(kind, (object,))) for kind in kinds)


def _coerce(text: str, spec: dict[str, Any], field: str) -> Any:
    """Plain text as the value of a single-field model, by the field's JSON type."""
    kinds = _types(spec)
    if not kinds or "string" in kinds:
        return text
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise ActionSchemaError(f"{text[:40]!r} is not {_type_name(spec)} (field {field})"
                                ) from error
    if not _fits(value, spec):
        raise ActionSchemaError(f"{text[:40]!r} is not {_type_name(spec)} (field {field})")
    return value
