"""WebShop: BM25 search latency and env steps/s on 10k and 100k products, side by side.

Run alone: ``python benchmarks/webshop_search.py [--sizes 10000 100000] [--queries 200]``.
The first run generates and caches each catalog and its index (under $AGENTRL_CACHE);
timings exclude that. Queries are goal instructions (what an agent types); episodes are
the oracle's (search, paginate, open, choose options, buy, scored with spaCy).
Headline figures are printed last as ``metric: value``.
"""

from __future__ import annotations

import argparse
import statistics
import time

from agentrl.environments.webshop.env import WebShopEnv
from agentrl.environments.webshop.oracle import Oracle, goal_query
from agentrl.environments.webshop.reward import name_nouns


def search_latency_ms(env: WebShopEnv, queries: int) -> float:
    """Median milliseconds of one BM25 search (top 50) over goal-instruction queries."""
    goals = env.shop.goals["train"][:queries]
    timings = []
    for goal in goals:
        start = time.perf_counter()
        env.shop.index.search(goal_query(goal))
        timings.append((time.perf_counter() - start) * 1e3)
    return statistics.median(timings)


def steps_per_second(env: WebShopEnv, episodes: int) -> tuple[float, float]:
    """Env steps/s over oracle episodes, and the oracle's mean score."""
    steps, seconds, scores = 0, 0.0, []
    for task in env.tasks("valid")[:episodes]:
        env.reset(task)
        oracle = Oracle(env.engine)
        while True:
            action = oracle.next_action(env.session)
            start = time.perf_counter()
            result = env.step(action)
            seconds += time.perf_counter() - start
            steps += 1
            if result.terminated or result.truncated:
                scores.append(result.info["outcome_reward"])
                break
    return steps / seconds, statistics.mean(scores)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--episodes", type=int, default=50)
    args = parser.parse_args()
    name_nouns("warm up")  # load spaCy outside the timings
    rows = {}
    for size in args.sizes:
        start = time.perf_counter()
        env = WebShopEnv(num_products=size)
        load_s = time.perf_counter() - start
        latency = search_latency_ms(env, args.queries)
        rate, score = steps_per_second(env, args.episodes)
        rows[size] = (latency, rate, score)
        print(
            f"{size:>8} products: load {load_s:6.1f} s | search {latency:6.2f} ms (median) | "
            f"{rate:7.1f} steps/s | oracle score {score:.3f}"
        )
    small, large = min(rows), max(rows)
    for size, (latency, rate, score) in rows.items():
        tag = f"{size // 1000}k"
        print(f"search_ms_median_{tag}: {latency:.3f}")
        print(f"env_steps_per_s_{tag}: {rate:.1f}")
        print(f"oracle_score_{tag}: {score:.3f}")
    if large != small:
        print(
            f"search_latency_ratio_{large // 1000}k_vs_{small // 1000}k: "
            f"{rows[large][0] / rows[small][0]:.2f}"
        )
        print(
            f"steps_per_s_ratio_{large // 1000}k_vs_{small // 1000}k: "
            f"{rows[large][1] / rows[small][1]:.2f}"
        )


if __name__ == "__main__":
    main()
