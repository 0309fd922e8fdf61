"""MkDocs hook: the recipe reference (``reference/recipe.md``), written at build time from the
pydantic schema in `agentrl.run.recipe`: every field's dotted key, type, default, allowed
values and description, one table per section."""

from __future__ import annotations

import enum
import json
import types
import typing
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

PAGE = "reference/recipe.md"

# Fields whose value is a name looked up in a registry: the names registered at build time.
REGISTRIES = {
    "algorithm.advantage": ("agentrl.credit", "list_advantages"),
    "algorithm.shaping": ("agentrl.credit", "list_shapings"),
}

INTRO = """# Recipe reference

Generated from the pydantic schema (`agentrl.run.recipe.Recipe`) when the site is built:
every key a recipe accepts, its type, its default, the values it allows and its description.
A recipe file must set `env.id`; every other key has a default. Override any key from the
command line with `dotted.key=value` (`agentrl train recipes/x.yaml trainer.iterations=5`).
A wrong key or value is refused before work starts, with the dotted key named.
See [Recipes](../concepts/recipes.md) for how the sections fit together.
"""


def section_model(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model a field holds (also inside ``X | None``), or None."""
    for candidate in typing.get_args(annotation) or (annotation,):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def type_name(annotation: Any) -> str:
    """A short, readable spelling of a type annotation (``int | None``, ``list[str]``)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return "literal"
    if origin in (typing.Union, types.UnionType):
        return " | ".join(type_name(arg) for arg in typing.get_args(annotation))
    if origin is not None:
        args = ", ".join(type_name(arg) for arg in typing.get_args(annotation))
        return f"{getattr(origin, '__name__', str(origin))}[{args}]"
    if annotation is type(None):
        return "None"
    if annotation is Any:
        return "any"
    return getattr(annotation, "__name__", str(annotation))


def default_text(field: FieldInfo) -> str:
    """The field's default as YAML-ish text; a section's default is its own table."""
    if field.is_required():
        return "required"
    value = field.get_default(call_default_factory=True)
    if isinstance(value, BaseModel):
        return "(section)"
    if isinstance(value, enum.Enum):
        value = value.value
    return json.dumps(value, default=str) if value is not None else "null"


def allowed_text(dotted: str, field: FieldInfo) -> str:
    """Allowed values: a Literal's or an Enum's choices, numeric bounds, registered names."""
    parts: list[str] = []
    for arg in typing.get_args(field.annotation) or (field.annotation,):
        if typing.get_origin(arg) is typing.Literal:
            parts += [json.dumps(choice) for choice in typing.get_args(arg)]
        elif isinstance(arg, type) and issubclass(arg, enum.Enum):
            parts += [json.dumps(member.value) for member in arg]
    if typing.get_origin(field.annotation) is typing.Literal:
        parts += [json.dumps(choice) for choice in typing.get_args(field.annotation)]
    bounds = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<"}
    for constraint in field.metadata:
        for attribute, symbol in bounds.items():
            if getattr(constraint, attribute, None) is not None:
                parts.append(f"{symbol} {getattr(constraint, attribute)}")
    if dotted in REGISTRIES:
        module, function = REGISTRIES[dotted]
        names = getattr(__import__(module, fromlist=[function]), function)()
        parts.append("registered: " + ", ".join(f"`{name}`" for name in names))
    return ", ".join(f"`{p}`" if not p.startswith("registered") else p for p in parts)


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell (one line, pipes escaped)."""
    return " ".join(text.split()).replace("|", "\\|")


def description(field: FieldInfo, model: type[BaseModel] | None) -> str:
    """The field's description, or the docstring of the section model it holds."""
    if field.description:
        return field.description
    if model is not None and model.__doc__:
        return model.__doc__.strip().split("\n\n")[0]
    return ""


def section_tables(model: type[BaseModel], prefix: str = "") -> list[str]:
    """A heading and a table for ``model``'s fields, then one for each nested section."""
    title = prefix.rstrip(".") or "top level"
    lines = [f"## `{title}`" if prefix else "## Top level", ""]
    doc = (model.__doc__ or "").strip().split("\n\n")[0]
    if doc:
        lines += [" ".join(doc.split()), ""]
    lines += ["| key | type | default | allowed | description |", "|---|---|---|---|---|"]
    nested: list[tuple[type[BaseModel], str]] = []
    for name, field in model.model_fields.items():
        dotted = prefix + name
        inner = section_model(field.annotation)
        if inner is not None:
            nested.append((inner, dotted + "."))
        lines.append(
            f"| `{dotted}` | `{cell(type_name(field.annotation))}` | "
            f"`{cell(default_text(field))}` | {cell(allowed_text(dotted, field))} | "
            f"{cell(description(field, inner))} |"
        )
    lines.append("")
    for inner, inner_prefix in nested:
        lines += section_tables(inner, inner_prefix)
    return lines


def recipe_reference() -> str:
    """The whole page's Markdown."""
    from agentrl.run.recipe import Recipe

    return INTRO + "\n" + "\n".join(section_tables(Recipe))


def on_files(files: Any, config: Any) -> Any:
    """Add the generated page to the site's files (nothing is written under docs/)."""
    from mkdocs.structure.files import File

    files.append(File.generated(config, PAGE, content=recipe_reference()))
    return files
