"""Harness overhead: agentrl's TextWorldEnv loop vs the raw `textworld.start` loop.

Both loops play the SAME action sequences on the same games (a few random admissible
commands, one unknown verb, then the game's walkthrough), start and close each game the
same way and ask TextWorld for the same infos. Repetitions interleave the two loops, in
alternating order, so machine noise hits both alike. The overhead is agentrl's extra time
(observation cleanup, state_key, pydantic models) relative to the raw loop.

    python benchmarks/harness_overhead.py [--games 8] [--difficulty easy] [--repeats 15]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
import warnings

import textworld

from agentrl.core.types import Task
from agentrl.environments.textworld.env import REQUESTED_INFOS, TextWorldEnv
from agentrl.environments.textworld.oracle import oracle_actions


def start_raw(game_file: str):
    """A raw TextWorld env on ``game_file``, with the infos TextWorldEnv requests."""
    return textworld.start(game_file, request_infos=REQUESTED_INFOS)


def record_actions(task: Task, random_steps: int, max_turns: int, seed: int) -> list[str]:
    """Random admissible commands, an unknown verb, then the walkthrough; cut at the end."""
    rng = random.Random(seed)
    game = start_raw(task.metadata["game_file"])
    state = game.reset()
    actions: list[str] = []
    plan = [None] * random_steps + ["xyzzy"] + oracle_actions(task)
    for planned in plan:
        action = planned or rng.choice(state["admissible_commands"])
        actions.append(action)
        state, _, done = game.step(action)
        if done or len(actions) == max_turns:
            break
    game.close()
    return actions


def raw_loop(episodes: list[tuple[Task, list[str]]]) -> int:
    """Play every episode with TextWorld directly; return the number of steps."""
    steps = 0
    for task, actions in episodes:
        game = start_raw(task.metadata["game_file"])
        game.reset()
        for action in actions:
            _, _, done = game.step(action)
            steps += 1
            if done:
                break
        game.close()
    return steps


def agentrl_loop(env: TextWorldEnv, episodes: list[tuple[Task, list[str]]]) -> int:
    """Play every episode through TextWorldEnv; return the number of steps."""
    steps = 0
    for task, actions in episodes:
        env.reset(task)
        for action in actions:
            result = env.step(action)
            steps += 1
            if result.terminated or result.truncated:
                break
        env.close()  # the raw loop closes each game too
    return steps


def timed(loop, *args) -> tuple[float, int]:
    start = time.perf_counter()
    steps = loop(*args)
    return time.perf_counter() - start, steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=8)
    parser.add_argument("--difficulty", default="easy")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--random-steps", type=int, default=12)
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message=".*is not fully supported")

    env = TextWorldEnv(difficulty=args.difficulty, tasks_per_split={"train": args.games})
    games = env.tasks("train")
    episodes = [
        (task, record_actions(task, args.random_steps, env.spec.max_turns, seed))
        for seed, task in enumerate(games)
    ]
    agentrl_loop(env, episodes)  # warm-up: imports, file cache
    raw_loop(episodes)

    raw_times, agentrl_times, ratios = [], [], []
    for repeat in range(args.repeats):
        if repeat % 2 == 0:
            raw_time, steps = timed(raw_loop, episodes)
            ours_time, ours_steps = timed(agentrl_loop, env, episodes)
        else:
            ours_time, ours_steps = timed(agentrl_loop, env, episodes)
            raw_time, steps = timed(raw_loop, episodes)
        assert steps == ours_steps, f"loops took different paths ({steps} vs {ours_steps} steps)"
        raw_times.append(raw_time)
        agentrl_times.append(ours_time)
        ratios.append(ours_time / raw_time)
        print(f"repeat {repeat}: raw {raw_time:.3f}s  agentrl {ours_time:.3f}s  ({steps} steps)")

    # Noise on a shared machine only ever adds time: the best of the repeats is the
    # steadiest estimate; the median of per-repeat ratios is shown beside it.
    best_raw, best_ours = min(raw_times), min(agentrl_times)
    print(f"games: {len(games)} ({args.difficulty}), steps per pass: {steps}")
    print(f"overhead_pct_median_of_ratios: {(statistics.median(ratios) - 1.0) * 100:.2f}")
    print(f"raw_steps_per_s: {steps / best_raw:.1f}")
    print(f"agentrl_steps_per_s: {steps / best_ours:.1f}")
    print(f"overhead_pct: {(best_ours / best_raw - 1.0) * 100:.2f}")

if __name__ == "__main__":
    main()
