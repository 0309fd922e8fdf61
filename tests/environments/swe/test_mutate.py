"""Single-token mutations and their reverse edits."""

from __future__ import annotations

import ast

import pytest

from agentrl.environments.swe.mutate import Mutation, apply_mutation, find_mutations, reverse_edit

SOURCE = '''def f(values, n):
    """Docstring with + and < inside."""
    total = 0
    for v in values:
        if v < n and v != 0:
            total += v * 2
    return max(total, -1)
'''


def test_finds_every_kind_of_token_mutation_in_source_order() -> None:
    found = [(m.line, m.before, m.after) for m in find_mutations("f.py", SOURCE)]
    assert found == [
        (3, "0", "1"),
        (5, "<", "<="),
        (5, "and", "or"),
        (5, "!=", "=="),
        (5, "0", "1"),
        (6, "+=", "-="),
        (6, "*", "/"),
        (6, "2", "3"),
        (7, "max", "min"),
        (7, "1", "2"),  # the unary minus is left alone, its operand is not
    ]


def test_apply_changes_exactly_one_token_and_still_parses() -> None:
    mutation = Mutation("f.py", 5, 13, "<", "<=")
    mutated = apply_mutation(SOURCE, mutation)
    assert "        if v <= n and v != 0:\n" in mutated
    assert mutated.replace("<=", "<", 1) == SOURCE
    ast.parse(mutated)


def test_apply_refuses_a_token_that_is_not_there() -> None:
    with pytest.raises(ValueError, match="token not found"):
        apply_mutation(SOURCE, Mutation("f.py", 5, 13, ">", ">="))


def test_reverse_edit_grows_the_block_until_it_is_unique() -> None:
    source = "a = 1\nb = a + 1\nc = 2\nb = a + 1\n"
    mutation = Mutation("g.py", 2, 6, "+", "-")
    search, replace = reverse_edit(source, mutation)
    assert (search, replace) == ("b = a - 1\n", "b = a + 1\n")
    mutation = Mutation("g.py", 4, 6, "+", "-")
    search, replace = reverse_edit(source, mutation)  # unique once mutated
    assert (search, replace) == ("b = a - 1\n", "b = a + 1\n")
    # After the mutation "y = 1" occurs twice, so the block takes a line of context each side.
    twice = "x = 1\ny = 0\nx = 1\ny = 1\nz = 9\n"
    search, replace = reverse_edit(twice, Mutation("h.py", 2, 4, "0", "1"))
    assert (search, replace) == ("x = 1\ny = 1\nx = 1\n", "x = 1\ny = 0\nx = 1\n")
