"""MiniWoB++: the oracle (where one exists) and a random-action baseline, per task.

Each policy plays ``--seeds`` episodes of every task's valid split on `MiniWoBEnv`
(virtual clock, 1000 ms a step, the package's time-scaled reward). The random policy picks,
each turn, one of: click a random element of the page (50 %), click random coordinates in
the task area (20 %), type a field's value or a random word into the focused element (15 %),
press a random allowed key (15 %). Success is a positive raw reward (MiniWoB's success rate).
The table goes to ``benchmarks/results/miniwob-baselines.md``.

Run: ``python benchmarks/miniwob_baselines.py [--seeds 3] [--tasks click-button,enter-text]``
(all 125 tasks at 3 seeds take ~15 minutes on two idle cores). The result file records the
command, the date and the machine's load.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import shlex
import statistics
import sys
import time
from pathlib import Path

from agentrl.environments.miniwob import MiniWoBEnv, catalogue
from agentrl.environments.miniwob.actions import allowed_keys
from agentrl.environments.miniwob.dom import elements
from agentrl.environments.miniwob.oracle import ORACLES, oracle_action

RESULTS = Path(__file__).parent / "results" / "miniwob-baselines.md"
WORDS = ("ok", "submit", "yes", "hello", "1", "blue")


def random_action(state: dict, rng: random.Random) -> str:
    """One random action of MiniWoB's action space on the page ``state``."""
    u = rng.random()
    refs = [n["ref"] for n in elements(state.get("dom"))]
    if u < 0.5 and refs:
        return f"click_element({rng.choice(refs)})"
    if u < 0.7:
        return f"click_coords({rng.randrange(160)}, {rng.randrange(50, 210)})"
    if u < 0.85:
        words = [v for _, v in state["fields"] if 0 < len(v) <= 64] + list(WORDS)
        return f"type_text({rng.choice(words)!r})"
    return f"press_key({rng.choice(allowed_keys())!r})"


def play(env: MiniWoBEnv, task, policy) -> tuple[float, bool, int]:
    """One episode: (outcome reward, success, turns)."""
    env.reset(task)
    for turn in range(1, env.spec.max_turns + 1):
        result = env.step(policy(env.page_state))
        if result.terminated or result.truncated:
            return result.info.get("outcome_reward", 0.0), result.info["success"], turn
    return 0.0, False, env.spec.max_turns


def evaluate(name: str, seeds: int, rng: random.Random) -> dict:
    """Mean reward and success of the random policy (and the oracle) on ``name``; a task
    whose page fails gets ``{"error": message}`` and the run goes on."""
    env = MiniWoBEnv(name, screenshots=False, split_sizes={"valid": seeds})
    try:
        tasks = list(env.tasks("valid"))
        row = {"random": [play(env, t, lambda s: random_action(s, rng)) for t in tasks]}
        if name in ORACLES:
            row["oracle"] = [play(env, t, lambda s: oracle_action(name, s)) for t in tasks]
    except Exception as error:  # noqa: BLE001 - reported in the table, not fatal to the run
        row = {"error": f"{type(error).__name__}: {str(error)[:120]}"}
    finally:
        env.close()
    return row


def summary(episodes: list[tuple[float, bool, int]]) -> tuple[float, float]:
    """(mean reward, success rate)."""
    return (statistics.fmean(r for r, _, _ in episodes),
            statistics.fmean(float(s) for _, s, _ in episodes))


def table(rows: dict[str, dict], seeds: int) -> list[str]:
    """The markdown table, one row per task."""
    info = catalogue()
    lines = [f"# MiniWoB++ baselines ({seeds} valid seeds per task, 1000 ms per step)", "",
             "| task | category | random reward | random success | oracle reward | "
             "oracle success |", "|---|---|---|---|---|---|"]
    for name, row in rows.items():
        if "error" in row:
            lines.append(f"| {name} | {info[name].category} | error: {row['error']} | | | |")
            continue
        rr, rs = summary(row["random"])
        oracle = ("| {:.2f} | {:.2f} |".format(*summary(row["oracle"])) if "oracle" in row
                  else "| – | – |")
        lines.append(f"| {name} | {info[name].category} | {rr:.2f} | {rs:.2f} {oracle}")
    return lines


def provenance(start_load: tuple[float, float, float]) -> list[str]:
    """How the table was made: the command, the date, the machine and its load."""
    load = ", ".join(f"{x:.2f}" for x in start_load)
    end = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return [f"Command: `{shlex.join(['python', *sys.argv])}`", "",
            f"Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; "
            f"machine: {os.cpu_count()} CPU cores; load average (1, 5, 15 min) at start "
            f"{load}, at end {end} (other jobs shared the cores, so wall time is not a "
            "speed measurement).", ""]


def main() -> None:
    """Evaluate, write the table, print the headline figures last."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--tasks", default="", help="comma-separated names (default: all)")
    args = parser.parse_args()
    names = [n for n in args.tasks.split(",") if n] or list(catalogue())
    rng, start, rows = random.Random(0), time.perf_counter(), {}
    start_load = os.getloadavg()
    for name in names:
        rows[name] = evaluate(name, args.seeds, rng)
        print(f"{name}: {rows[name].get('error') or summary(rows[name]['random'])}", flush=True)
    lines = table(rows, args.seeds)
    lines[1:1] = [""] + provenance(start_load)[:-1]
    errors = [name for name, row in rows.items() if "error" in row]
    random_all = [e for row in rows.values() if "random" in row for e in row["random"]]
    oracle_all = [e for row in rows.values() if "oracle" in row for e in row["oracle"]]
    random_on_oracle_tasks = [e for row in rows.values() if "oracle" in row
                              for e in row["random"]]
    headline = {
        "random_success_all_tasks": summary(random_all)[1],
        "random_mean_reward_all_tasks": summary(random_all)[0],
        "oracle_success_oracle_tasks": summary(oracle_all)[1] if oracle_all else float("nan"),
        "random_success_oracle_tasks": (summary(random_on_oracle_tasks)[1]
                                        if random_on_oracle_tasks else float("nan")),
    }
    lines += ["", f"Tasks: {len(rows)}; oracle tasks: {sum('oracle' in r for r in rows.values())};"
              f" tasks that errored: {len(errors)} ({', '.join(errors) or 'none'});"
              f" wall time {time.perf_counter() - start:.0f} s.", ""]
    lines += [f"- {key}: {value:.3f}" for key, value in headline.items()]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines[:-len(headline)]))
    for key, value in headline.items():
        print(f"{key}: {value:.3f}")


if __name__ == "__main__":
    main()
