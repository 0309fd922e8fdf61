"""``--kwarg KEY=VALUE``: constructor arguments for an env named on the command line
(``agentrl check-env`` and ``agentrl play``), as a recipe's ``env.kwargs`` gives them."""

from __future__ import annotations

from typing import Annotated, Any

import typer
import yaml

EnvKwargs = Annotated[list[str] | None, typer.Option(
    "--kwarg", "-k", metavar="KEY=VALUE",
    help="Argument for the env's constructor (VALUE read as YAML: 3, true, [a, b], "
         "'text'); repeat for more, e.g. -k base_url=http://127.0.0.1:8000 -k backend=bwrap.")]


def parse_env_kwargs(items: list[str] | None) -> dict[str, Any]:
    """``["a=1", "b=x"]`` → ``{"a": 1, "b": "x"}``, each value read as YAML (a value that is
    not valid YAML stays the string given). `typer.BadParameter` naming the item when it has
    no ``=``, an empty or non-identifier key, or a key given twice."""
    kwargs: dict[str, Any] = {}
    for item in items or []:
        key, equals, text = item.partition("=")
        key = key.strip()
        if not equals or not key.isidentifier():
            raise typer.BadParameter(
                f"{item!r} is not KEY=VALUE with KEY a Python identifier (e.g. "
                "-k base_url=http://127.0.0.1:8000)", param_hint="--kwarg")
        if key in kwargs:
            raise typer.BadParameter(f"{key!r} is given twice", param_hint="--kwarg")
        try:
            kwargs[key] = yaml.safe_load(text) if text.strip() else ""
        except yaml.YAMLError:
            kwargs[key] = text
    return kwargs
