"""Oracles: the target's box (or centre) for `gui-grounding`, a one-move path for `gui-cursor`."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from agentrl.core.types import Task
from agentrl.environments.gui.coords import centre, to_model_space

if TYPE_CHECKING:
    from agentrl.environments.gui.base import GuiEnvBase
    from agentrl.environments.gui.cursor import CursorEnv
    from agentrl.environments.gui.env import GroundingEnv


def target_node(env: GuiEnvBase, task: Task) -> int:
    """The accessibility id of ``task``'s target (a11y mode)."""
    scene = env.scenes.load(task)
    for index, node in enumerate(scene.nodes):
        if node.get("gid") == task.metadata.get("gid"):
            return index
    raise ValueError(f"gui: the target of task {task.id!r} is not among the screen's nodes")


def grounding_answer(env: GroundingEnv, task: Task) -> str:
    """The answer that scores highest on ``task``, in ``env``'s answer format."""
    if env.observation == "a11y":
        return f"click({target_node(env, task)})"
    scene = env.scenes.load(task)
    if env.answer == "point":
        x, y = to_model_space(centre(scene.target), scene.width, scene.height, env.coordinates)
        return f"({x}, {y})"
    box = to_model_space(scene.target, scene.width, scene.height, env.coordinates)
    if env.answer == "bbox_list":
        return "[" + ",".join(str(v) for v in box) + "]"
    return json.dumps([{"bbox_2d": box}])


def cursor_path(env: CursorEnv, task: Task) -> list[str]:
    """Move once onto the target's centre, then STOP, in the env's reply format (GUI-Cursor's
    ``<think>...</think><answer>...</answer>``, without the think block, or UI-TARS style)."""
    scene = env.scenes.load(task)
    x, y = to_model_space(centre(scene.target), scene.width, scene.height, env.coordinates)
    if env.uitars:
        return [f"Thought: the target is at ({x}, {y}).\nAction: GOTO({x}, {y})",
                "Thought: the cursor is on the target.\nAction: STOP"]
    think = (f"<think>The target is at ({x}, {y}).</think>",
             "<think>The cursor is on the target.</think>") if env.think else ("", "")
    return [f"{think[0]}<answer>({x}, {y})</answer>", f"{think[1]}<answer>STOP</answer>"]
