"""GUI screens: rendering with the page pool vs a fresh page per screen, env steps/s.

Run alone: ``python benchmarks/gui_render.py [--screens 12] [--episodes 40]``. Rendering
times one headless Chromium (playwright) on the same generated screens both ways (one
warm-up screen each, not timed). Env steps are timed on screens already in the disk cache
(a fresh temporary cache, filled first), with the oracle's answers: `gui-grounding` (one
step: resize is cached, PNG encode + parse + GUI-G1 reward) and `gui-cursor` (move + STOP,
cursor drawn and encoded per step). The CPU is shared: figures are noisy; the ratios are
the point. Headline figures are printed last as ``metric: value``.
"""

from __future__ import annotations

import argparse
import tempfile
import time

from agentrl.environments.gui.cursor import CursorEnv
from agentrl.environments.gui.env import GroundingEnv
from agentrl.environments.gui.render import Renderer
from agentrl.environments.gui.tasks import screen_spec


def screens_per_second(fresh_pages: bool, count: int) -> float:
    """Screens rendered per second (HTML set, probe run, screenshot taken)."""
    renderer = Renderer(fresh_pages=fresh_pages)
    try:
        specs = [screen_spec("train", index, seed=11) for index in range(count + 1)]
        renderer.render(specs[0])
        start = time.perf_counter()
        for spec in specs[1:]:
            renderer.render(spec)
        return count / (time.perf_counter() - start)
    finally:
        renderer.close()


def env_steps_per_second(env: GroundingEnv | CursorEnv, episodes: int) -> float:
    """Steps (reset counted with its episode's steps) per second with the oracle."""
    tasks = list(env.tasks("train"))
    steps, start = 0, time.perf_counter()
    for index in range(episodes):
        task = tasks[index % len(tasks)]
        actions = env.demonstration(task) or []
        env.reset(task)
        for action in actions:
            env.step(action)
            steps += 1
    return steps / (time.perf_counter() - start)


def main() -> None:
    """Run both comparisons and print the headline figures last."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--screens", type=int, default=12, help="screens rendered each way")
    parser.add_argument("--episodes", type=int, default=40, help="episodes per env")
    args = parser.parse_args()
    pooled = screens_per_second(False, args.screens)
    fresh = screens_per_second(True, args.screens)
    print(f"rendering {args.screens} screens: pool {pooled:.2f}/s, fresh page {fresh:.2f}/s")
    with tempfile.TemporaryDirectory() as cache:
        options = {"screens": {"train": 6, "valid": 1, "heldout": 1}, "cache_dir": cache}
        grounding = GroundingEnv(**options)
        grounding.tasks("train")  # fill the disk cache (untimed)
        grounding_rate = env_steps_per_second(grounding, args.episodes)
        cursor_rate = env_steps_per_second(CursorEnv(**options), args.episodes)
    print(f"env steps on cached screens: gui-grounding {grounding_rate:.1f}/s, "
          f"gui-cursor {cursor_rate:.1f}/s")
    print(f"render_pool_screens_per_s: {pooled:.2f}")
    print(f"render_fresh_page_screens_per_s: {fresh:.2f}")
    print(f"render_pool_speedup: {pooled / fresh:.2f}")
    print(f"gui_grounding_steps_per_s: {grounding_rate:.1f}")
    print(f"gui_cursor_steps_per_s: {cursor_rate:.1f}")
    print(f"grounding_to_cursor_step_ratio: {grounding_rate / cursor_rate:.2f}")


if __name__ == "__main__":
    main()
