"""`@tool`: turn a typed Python function (sync or async) into a `Tool` with a JSON schema.

The schema is derived with pydantic from the function's signature; the tool's description
is the docstring's first paragraph and each parameter's description comes from a
Google-style ``Args:`` section. Example::

    @tool
    def search(query: str, k: int = 3) -> str:
        \"\"\"Search the knowledge base.

        Args:
            query: Words to look for.
            k: How many documents to return.
        \"\"\"

``search.spec`` is then an OpenAI function spec, the format transformers'
``apply_chat_template(tools=...)`` accepts; ``search("x")`` still calls the function.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, get_type_hints, overload

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model


class ToolArgumentError(ValueError):
    """The arguments of a tool call do not fit the tool's schema; the message says why."""


class ToolExecutionError(RuntimeError):
    """A tool ran and failed (an MCP server answered with an error, a sandbox command died)."""


@dataclass
class Tool:
    """A callable the agent can invoke by name with JSON arguments.

    ``fn`` is called with the validated keyword arguments and may return an awaitable
    (async tools); `ToolEnv` runs those on its private event loop. ``args_model``
    validates arguments; when it is None (tools described only by a JSON schema, such as
    MCP tools) only required and unknown keys are checked here.
    """

    name: str
    description: str
    parameters: dict[str, Any]
    fn: Callable[..., Any]
    args_model: type[BaseModel] | None = None
    is_async: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def spec(self) -> dict[str, Any]:
        """The OpenAI function-calling spec (``{"type": "function", "function": {...}}``)."""
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.parameters,
            },
        }

    def validate(self, arguments: dict[str, Any]) -> dict[str, Any]:
        """Check ``arguments`` against the schema; return the keyword arguments to call with.

        Raises `ToolArgumentError` with pydantic's message (or a schema check's) on a misfit.
        """
        if not isinstance(arguments, dict):
            raise ToolArgumentError(
                f"arguments of tool {self.name!r} must be a JSON object, got {arguments!r}"
            )
        if self.args_model is None:
            return _check_schema_keys(self.name, self.parameters, arguments)
        try:
            parsed = self.args_model.model_validate(arguments)
        except ValidationError as error:
            raise ToolArgumentError(_pydantic_message(error)) from None
        return {name: getattr(parsed, name) for name in type(parsed).model_fields}

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.fn(*args, **kwargs)


def _pydantic_message(error: ValidationError) -> str:
    """pydantic's own message, without the documentation-URL lines."""
    lines = str(error).splitlines()
    return "\n".join(line for line in lines if "errors.pydantic.dev" not in line)


def _check_schema_keys(
    name: str, parameters: dict[str, Any], arguments: dict[str, Any]
) -> dict[str, Any]:
    properties = parameters.get("properties", {})
    missing = [key for key in parameters.get("required", []) if key not in arguments]
    unknown = [key for key in arguments if properties and key not in properties]
    problems = []
    if missing:
        problems.append(f"missing required argument(s): {', '.join(missing)}")
    if unknown:
        problems.append(
            f"unknown argument(s): {', '.join(unknown)} (expected: {', '.join(properties)})"
        )
    if problems:
        raise ToolArgumentError(f"tool {name!r}: " + "; ".join(problems))
    return dict(arguments)


_ARGS_HEADER = re.compile(r"^\s*(Args|Arguments|Parameters)\s*:\s*$")
_ARG_LINE = re.compile(r"^\s*(\*{0,2}\w+)\s*(\([^)]*\))?\s*:\s*(.*)$")
_SECTION = re.compile(r"^\s*(Returns|Raises|Yields|Examples?|Notes?)\s*:\s*$")


def parse_docstring(doc: str | None) -> tuple[str, dict[str, str]]:
    """Split a docstring into (summary paragraph, {parameter: description}).

    Parameter descriptions are read from a Google-style ``Args:`` section; continuation
    lines (indented deeper than the parameter name) are joined to the description.
    """
    lines = inspect.cleandoc(doc or "").splitlines()
    summary: list[str] = []
    params: dict[str, str] = {}
    index = 0
    while index < len(lines) and lines[index].strip() and not _ARGS_HEADER.match(lines[index]):
        summary.append(lines[index].strip())
        index += 1
    in_args, current, indent = False, "", 0
    for line in lines[index:]:
        if _ARGS_HEADER.match(line):
            in_args, current = True, ""
            continue
        if _SECTION.match(line):
            in_args = False
            continue
        if not in_args or not line.strip():
            continue
        match = _ARG_LINE.match(line)
        line_indent = len(line) - len(line.lstrip())
        if match and (not current or line_indent <= indent):
            current, indent = match.group(1).lstrip("*"), line_indent
            params[current] = match.group(3).strip()
        elif current:
            params[current] = f"{params[current]} {line.strip()}".strip()
    return " ".join(summary), params


def _args_model(fn: Callable[..., Any], name: str, docs: dict[str, str]) -> type[BaseModel]:
    signature = inspect.signature(fn)
    hints = get_type_hints(fn)
    fields: dict[str, Any] = {}
    for param in signature.parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            raise TypeError(f"@tool {name!r}: *args/**kwargs cannot be described by a schema")
        if param.name not in hints:
            raise TypeError(
                f"@tool {name!r}: parameter {param.name!r} needs a type hint "
                "(the JSON schema is derived from it)"
            )
        default = ... if param.default is inspect.Parameter.empty else param.default
        fields[param.name] = (hints[param.name], Field(default, description=docs.get(param.name)))
    return create_model(name, __config__=ConfigDict(extra="forbid"), **fields)


def _clean_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Drop pydantic's ``title`` keys: chat templates print the schema, titles are noise."""
    schema = {key: value for key, value in schema.items() if key != "title"}
    schema["properties"] = {
        key: {k: v for k, v in prop.items() if k != "title"}
        for key, prop in schema.get("properties", {}).items()
    }
    schema.setdefault("required", [])
    return schema


def make_tool(
    fn: Callable[..., Any], *, name: str | None = None, description: str | None = None
) -> Tool:
    """Build a `Tool` from ``fn`` (what ``@tool`` does)."""
    tool_name = name or fn.__name__
    summary, docs = parse_docstring(fn.__doc__)
    model = _args_model(fn, tool_name, docs)
    return Tool(
        name=tool_name,
        description=description if description is not None else summary,
        parameters=_clean_schema(model.model_json_schema()),
        fn=fn,
        args_model=model,
        is_async=inspect.iscoroutinefunction(fn),
    )


@overload
def tool(fn: Callable[..., Any], /) -> Tool: ...


@overload
def tool(
    *, name: str | None = None, description: str | None = None
) -> Callable[[Callable[..., Any]], Tool]: ...


def tool(
    fn: Callable[..., Any] | None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
) -> Tool | Callable[[Callable[..., Any]], Tool]:
    """Decorator: ``@tool`` or ``@tool(name=..., description=...)`` makes a `Tool`."""
    if fn is not None:
        return make_tool(fn)
    return lambda inner: make_tool(inner, name=name, description=description)
