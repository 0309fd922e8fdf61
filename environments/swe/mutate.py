"""Realistic single-token bugs: flipped comparisons, swapped operators, off-by-one constants.

A `Mutation` replaces one token of one line; its reverse is a search/replace over a block
of lines that occurs exactly once in the mutated file, which is what the oracle applies.
"""

from __future__ import annotations

import ast
import io
import keyword
import tokenize
from dataclasses import asdict, dataclass
from typing import Any

SWAPS = {
    "<": "<=", "<=": "<", ">": ">=", ">=": ">", "==": "!=", "!=": "==",
    "+": "-", "-": "+", "*": "/", "//": "/", "+=": "-=", "-=": "+=",
    "and": "or", "or": "and", "True": "False", "False": "True",
    "min": "max", "max": "min", "is": "is not",
}  # fmt: skip
_BINARY = {"+", "-", "*", "//"}
_OPERAND_END = {")", "]", "}"}


@dataclass(frozen=True)
class Mutation:
    """One token of ``file`` at (``line``, ``col``) turned from ``before`` into ``after``."""

    file: str
    line: int
    col: int
    before: str
    after: str

    def to_dict(self) -> dict[str, Any]:
        """The mutation's fields as a JSON-serialisable dict."""
        return asdict(self)

    @property
    def key(self) -> str:
        """A readable identifier, ``file:line:col:before->after``."""
        return f"{self.file}:{self.line}:{self.col}:{self.before}->{self.after}"


def _is_binary(tokens: list[tokenize.TokenInfo], index: int) -> bool:
    """A ``+ - * //`` token between two operands (not ``*args``, not a unary minus)."""
    previous = tokens[index - 1] if index else None
    if previous is None:
        return False
    if previous.type == tokenize.NAME:
        return not keyword.iskeyword(previous.string) or previous.string in ("True", "False")
    return previous.type in (tokenize.NUMBER, tokenize.STRING) or previous.string in _OPERAND_END


def _replacement(tokens: list[tokenize.TokenInfo], index: int) -> str | None:
    token = tokens[index]
    if token.type == tokenize.NUMBER and token.string.isdigit():
        return str(int(token.string) + 1)
    if token.string not in SWAPS or token.type not in (tokenize.OP, tokenize.NAME):
        return None
    if token.string in _BINARY and not _is_binary(tokens, index):
        return None
    if token.string in ("min", "max") and tokens[index + 1].string != "(":
        return None
    return SWAPS[token.string]


def find_mutations(path: str, source: str) -> list[Mutation]:
    """Every single-token mutation of ``source`` that still parses, in source order.

    Lines of ``def``/``class`` headers, imports and decorators are left alone: bugs live in
    bodies.
    """
    tokens = [
        t
        for t in tokenize.generate_tokens(io.StringIO(source).readline)
        if t.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT)
    ]
    lines = source.splitlines(keepends=True)
    found = []
    for index, token in enumerate(tokens):
        after = _replacement(tokens, index)
        if after is None:
            continue
        line_text = lines[token.start[0] - 1].lstrip()
        if line_text.startswith(("def ", "class ", "import ", "from ", "@")):
            continue
        mutation = Mutation(path, token.start[0], token.start[1], token.string, after)
        try:
            ast.parse(apply_mutation(source, mutation))
        except SyntaxError:
            continue
        found.append(mutation)
    return found


def apply_mutation(source: str, mutation: Mutation) -> str:
    """``source`` with the mutation's token replaced."""
    lines = source.splitlines(keepends=True)
    text = lines[mutation.line - 1]
    end = mutation.col + len(mutation.before)
    if text[mutation.col : end] != mutation.before:
        raise ValueError(f"{mutation.key}: token not found at that place")
    lines[mutation.line - 1] = text[: mutation.col] + mutation.after + text[end:]
    return "".join(lines)


def reverse_edit(original: str, mutation: Mutation) -> tuple[str, str]:
    """(search, replace) that undoes ``mutation``: the smallest block of whole lines around
    the mutated line that occurs once in the mutated file, and the same block unmutated."""
    mutated = apply_mutation(original, mutation)
    new_lines = mutated.splitlines(keepends=True)
    old_lines = original.splitlines(keepends=True)
    row = mutation.line - 1
    for radius in range(len(new_lines)):
        low, high = max(0, row - radius), min(len(new_lines), row + radius + 1)
        search = "".join(new_lines[low:high])
        if mutated.count(search) == 1:
            return search, "".join(old_lines[low:high])
    raise ValueError(f"{mutation.key}: no unique block around the mutated line")
