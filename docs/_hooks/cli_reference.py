"""MkDocs hook: the command-line reference (``reference/cli.md``), written at build time from
the typer app (`agentrl.cli.app`): every command's usage, help, arguments and options."""

from __future__ import annotations

from typing import Any

PAGE = "reference/cli.md"

INTRO = """# Command-line reference

Generated from the `agentrl` command's typer app (`agentrl.cli.app`) when the site is built.
Every command also answers `--help`. `python -m agentrl …` is the same command.
"""


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell (one line, pipes escaped)."""
    return " ".join(str(text).split()).replace("|", "\\|")


def parameter_rows(command: Any, context: Any) -> list[str]:
    """One table row per argument and option of ``command`` (``--help`` left out)."""
    rows = []
    for param in command.get_params(context):
        if param.name == "help":
            continue
        if param.param_type_name == "option":
            names, help_text = param.get_help_record(context)
            kind = "option"
        else:
            names = param.name.upper() + ("…" if param.nargs == -1 else "")
            help_text = (param.help or "") + ("" if param.required else " (optional)")
            kind = "argument"
        rows.append(f"| `{cell(names)}` | {kind} | {cell(help_text)} |")
    return rows


def usage_line(command: Any, context: Any) -> str:
    """``[OPTIONS] RECIPE [OVERRIDES]…`` from the command's parameters."""
    pieces = []
    for param in command.get_params(context):
        if param.param_type_name == "option":
            if "[OPTIONS]" not in pieces and param.name != "help":
                pieces.insert(0, "[OPTIONS]")
            continue
        name = param.name.upper() + ("…" if param.nargs == -1 else "")
        pieces.append(name if param.required else f"[{name}]")
    return " ".join(pieces)


def command_section(name: str, command: Any, parent: Any) -> list[str]:
    """A heading, the usage line, the help text and the parameter table of one command."""
    context = type(parent)(command, info_name=name, parent=parent)
    usage = usage_line(command, context)
    lines = [f"## `agentrl {name}`", "", "```text", f"agentrl {name} {usage}", "```", ""]
    lines += [(command.help or "").strip(), ""]
    rows = parameter_rows(command, context)
    if rows:
        lines += ["| parameter | kind | meaning |", "|---|---|---|", *rows, ""]
    return lines


def cli_reference() -> str:
    """The whole page's Markdown, commands in the app's order."""
    from typer.main import get_command

    from agentrl.cli import app

    group = get_command(app)
    context = group.context_class(group, info_name="agentrl")
    lines = [INTRO, (group.help or "").strip(), ""]
    for name, command in group.commands.items():
        lines += command_section(name, command, context)
    return "\n".join(lines)


def on_files(files: Any, config: Any) -> Any:
    """Add the generated page to the site's files (nothing is written under docs/)."""
    from mkdocs.structure.files import File

    files.append(File.generated(config, PAGE, content=cli_reference()))
    return files
