"""One table of the credit evidence, generated from the credit benchmarks' result files.

Each row is one paired contrast of a credit benchmark: the method or contrast, the setting,
the paired difference with its 95 % interval, its p (the primary contrast of each file
uncorrected and in bold, every other Holm-corrected within its file), and the command
that remakes it. Rows are read from ``<result>.json`` when the benchmark wrote one
(``contrasts``: name → mean, low, high, p, p_adjusted; ``primary``; ``command``), else from
the result markdown that every credit benchmark writes through
`agentrl.lab.stats.contrast_lines` (``Command:`` line, ``Primary (uncorrected): **name** =
cell``, ``| name | cell |`` rows). Which contrasts of a file enter the table is fixed in
`SOURCES` below (the primary always does); negative and null results are kept, and the
linked file has every other contrast.

Writes ``benchmarks/results/credit-table.md``, replaces the part of
``docs/results/credit-evidence.md`` between ``<!-- credit-table:start -->`` and
``<!-- credit-table:end -->``, and prints the table.

    python benchmarks/credit_table.py [--check]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
EVIDENCE = ROOT / "docs" / "results" / "credit-evidence.md"
START, END = "<!-- credit-table:start -->", "<!-- credit-table:end -->"
CELL = re.compile(r"([+-]?\d+\.\d+) \[([+-]?(?:\d+\.\d+|nan)), ([+-]?(?:\d+\.\d+|nan))\] "
                  r"(p|p_Holm)(=|<)(\d+(?:\.\d+)?)")


@dataclass(frozen=True)
class Source:
    """One result file: what it measures, and which of its contrasts enter the table."""

    file: str
    setting: str
    metric: str
    keep: tuple[str, ...] = ()  # substrings of contrast names kept beside the primary


SOURCES = (
    Source("credit-exact.md", "tabular π, toy fork/chain, 64 worlds × 8, exact A^π",
           "Δ Pearson", ("gigpo − gigpo-placebo", "gigpo − grpo", "salt − grpo")),
    Source("credit-exact-llm.md", "SmolLM2 π on listed actions, toy fork/chain, 32 worlds "
           "× 8, exact A^π", "Δ Pearson", ("gigpo − gigpo-placebo", "gigpo − grpo",
                                          "salt − grpo")),
    Source("credit-exact-worlds.md", "tabular π, 4 TextWorld easy games (3 turns) and the "
           "search-QA 1-hop menu world (16 tasks, 4 turns), × 8, exact A^π", "Δ Pearson",
           ("gigpo − gigpo-placebo", "gigpo − grpo", "salt − grpo")),
    Source("credit-learning.md", "tabular learning, drawn fork worlds, 6 seeds, tuned lr",
           "Δ exact-success AUC", ("(AUC)",)),
    Source("credit-spa-exact.md", "SPA head on SmolLM2 features, toy fork/chain, exact "
           "Q^π", "Δ Pearson", ("spa − ",)),
    Source("credit-igpo-exact.md", "search-QA ε-oracle, SmolLM2 reads the answer, exact "
           "turn value", "Δ Pearson", ("information gain",)),
    Source("credit-igpo-learning.md", "tabular learning, search-QA 1-hop menu world, "
           "tuned lr", "Δ exact success", ("igpo",)),
    Source("credit-gated.md", "tabular learning, toy/fork + farmable dense reward, 6 seeds",
           "Δ exact success", ("gated − outcome", "ungated − outcome")),
)


@dataclass
class Row:
    """One contrast of one file."""

    name: str
    mean: float
    low: float
    high: float
    p: float
    p_text: str
    primary: bool


def parse_cell(text: str) -> tuple[float, float, float, float, str] | None:
    """(mean, low, high, p, p as printed) of a ``+0.1 [+0.0, +0.2] p_Holm=0.03`` cell."""
    match = CELL.search(text)
    if match is None:
        return None
    mean, low, high, tag, op, p = match.groups()
    shown = f"{'<' if op == '<' else ''}{p}" + (" (Holm)" if tag == "p_Holm" else "")
    return float(mean), float(low), float(high), float(p), shown


def from_markdown(text: str) -> tuple[str, list[Row]]:
    """(command, rows) of a result file written with `contrast_lines`."""
    command = re.search(r"^Command: `([^`]*)`", text, re.M)
    rows = []
    primary = re.search(r"^Primary \(uncorrected\): \*\*(.+?)\*\* = (.+)$", text, re.M)
    if primary and (cell := parse_cell(primary.group(2))):
        rows.append(Row(primary.group(1), *cell, primary=True))
    for line in text.splitlines():
        parts = [p.strip() for p in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(parts) == 2 and (cell := parse_cell(parts[1])):
            rows.append(Row(parts[0], *cell, primary=False))
    return (command.group(1).strip() if command else ""), rows


def from_json(data: dict) -> tuple[str, list[Row]]:
    """(command, rows) of a result JSON with ``contrasts``, ``primary`` and ``command``."""
    rows = []
    for name, d in data["contrasts"].items():
        primary = name == data["primary"]
        p = d["p"] if primary or d.get("p_adjusted") is None else d["p_adjusted"]
        shown = ("<0.001" if p < 0.001 else f"{p:.3f}") + ("" if primary else " (Holm)")
        rows.append(Row(name, d["mean"], d["low"], d["high"], p, shown, primary))
    rows.sort(key=lambda r: not r.primary)
    return data["command"].strip(), rows


def load(source: Source) -> tuple[str, list[Row]] | None:
    """The file's command and kept rows (None when the file is missing)."""
    path = RESULTS / source.file
    json_path = path.with_suffix(".json")
    if json_path.exists() and "contrasts" in (data := json.loads(json_path.read_text())):
        command, rows = from_json(data)
    elif path.exists():
        command, rows = from_markdown(path.read_text())
    else:
        return None
    kept = [r for r in rows if r.primary or any(k in r.name for k in source.keep)]
    return command, kept


def table(sources: tuple[Source, ...] = SOURCES) -> str:
    """The markdown table (module docstring)."""
    lines = ["| contrast | setting | paired difference [95% CI] | p | command |",
             "|---|---|---|---|---|"]
    for source in sources:
        loaded = load(source)
        if loaded is None:
            continue
        command, rows = loaded
        link = f"[{source.file}](../benchmarks/results/{source.file})"
        for row in rows:
            name = f"**{row.name}** (primary)" if row.primary else row.name
            lines.append(f"| {name} | {source.metric}; {source.setting}; {link} | "
                         f"{row.mean:+.3f} [{row.low:+.3f}, {row.high:+.3f}] | "
                         f"{row.p_text} | `{command}` |")
    return "\n".join(lines) + "\n"


def splice(text: str, generated: str) -> str:
    """``text`` with the part between the markers replaced (markers appended if absent)."""
    block = f"{START}\n{generated}{END}"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        return head + block + rest.split(END, 1)[1]
    return text.rstrip("\n") + "\n\n## All credit contrasts in one table\n\n" + block + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="Exit 1 if the written files differ from what would be written.")
    args = parser.parse_args()
    generated = table()
    note = ("Generated by `python benchmarks/credit_table.py` from the result files it links; "
            "the primary contrast of each file (declared before it ran) is uncorrected and "
            "in bold, the others Holm-corrected within their file.\n\n")
    outputs = {RESULTS / "credit-table.md": "# Credit evidence: every kept contrast\n\n"
               + note + generated.replace("../benchmarks/results/", ""),
               EVIDENCE: splice(EVIDENCE.read_text(), note + generated)}
    stale = [p for p, text in outputs.items() if not p.exists() or p.read_text() != text]
    if args.check:
        sys.exit(1 if stale else 0)
    for path, text in outputs.items():
        path.write_text(text)
    print(generated)


if __name__ == "__main__":
    main()
