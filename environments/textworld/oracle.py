"""The TextWorld oracle: the game's own walkthrough, read from its ``.json``.

Games made by TextWorld's generator store a walkthrough; for a game without one, the
winning policy of TextWorld's quest tracker (``GameProgression``) is turned into commands.
Used by tests, as an SFT warm-start source and as a ceiling.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from agentrl.core.env import Env
from agentrl.core.types import StepResult, Task


@lru_cache(maxsize=256)
def _walkthrough(json_file: str) -> tuple[str, ...]:
    import textworld
    from textworld.generator.game import GameProgression
    from textworld.generator.inform7 import Inform7Game

    game = textworld.Game.load(json_file)
    if game.walkthrough:
        return tuple(game.walkthrough)
    policy = GameProgression(game).winning_policy
    if policy is None:
        raise ValueError(f"textworld oracle: {json_file} has no walkthrough and no winning policy")
    return tuple(Inform7Game(game).gen_commands_from_actions(policy))


def oracle_actions(task: Task) -> list[str]:
    """The commands that win ``task``'s game from its start."""
    game_file = task.metadata.get("game_file")
    if not game_file:
        raise ValueError(f"textworld oracle: task {task.id!r} has no metadata['game_file']")
    return list(_walkthrough(str(Path(game_file).with_suffix(".json"))))


def play_oracle(env: Env, task: Task) -> list[StepResult]:
    """Reset ``env`` on ``task`` and play the oracle's commands until the episode ends."""
    env.reset(task)
    results = []
    for action in oracle_actions(task):
        results.append(env.step(action))
        if results[-1].terminated or results[-1].truncated:
            break
    return results
