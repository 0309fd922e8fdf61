"""benchmarks/credit_table.py: cells, result files and the docs splice, on inputs written here."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from agentrl.lab.stats import Difference, write_contrasts

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def table():
    spec = importlib.util.spec_from_file_location("credit_table",
                                                  ROOT / "benchmarks" / "credit_table.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["credit_table"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_a_cell_is_read_with_its_interval_and_which_p(table) -> None:
    assert table.parse_cell("+0.032 [+0.012, +0.046] p=0.006.") == (
        0.032, 0.012, 0.046, 0.006, "0.006")
    assert table.parse_cell("-0.010 [-0.043, +0.021] p_Holm<0.001") == (
        -0.01, -0.043, 0.021, 0.001, "<0.001 (Holm)")
    assert table.parse_cell("0.50") is None


def test_markdown_and_json_results_give_the_same_rows(table, tmp_path, monkeypatch) -> None:
    family = {"a − b": Difference(0.2, 0.1, 0.3, 0.01, None, 6),
              "c − b": Difference(-0.05, -0.2, 0.1, 0.4, 0.8, 6)}
    markdown = ("# T\n\nCommand: `python x.py --n 2`\n\n"
                "Primary (uncorrected): **a − b** = +0.200 [+0.100, +0.300] p=0.010.\n\n"
                "| contrast | Δ |\n|---|---|\n| c − b | -0.050 [-0.200, +0.100] p_Holm=0.800 |\n"
                "| arm | 0.5 |\n")
    command, rows = table.from_markdown(markdown)
    assert command == "python x.py --n 2"
    assert [(r.name, r.mean, r.p, r.primary) for r in rows] == [
        ("a − b", 0.2, 0.01, True), ("c − b", -0.05, 0.8, False)]
    write_contrasts(tmp_path / "r.md", "python x.py --n 2 ", "a − b", family)
    again = table.from_json(json.loads((tmp_path / "r.json").read_text()))
    assert again[0] == command
    assert [(r.name, r.mean, r.p, r.primary) for r in again[1]] == [
        (r.name, r.mean, r.p, r.primary) for r in rows]
    monkeypatch.setattr(table, "RESULTS", tmp_path)
    out = table.table((table.Source("r.md", "toy", "Δ", ("nothing",)),))
    assert "**a − b** (primary)" in out and "c − b" not in out  # kept: the primary only


def test_the_docs_block_is_replaced_between_the_markers(table) -> None:
    text = f"intro\n{table.START}\nold\n{table.END}\nafter\n"
    assert table.splice(text, "new\n") == f"intro\n{table.START}\nnew\n{table.END}\nafter\n"
    assert table.START in table.splice("no markers\n", "new\n")
