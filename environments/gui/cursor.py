"""`gui-cursor`: GUI-Cursor's multi-step grounding, moving a cursor drawn on the screenshot."""

from __future__ import annotations

from typing import Any

from PIL import Image, ImageDraw

from agentrl.core.env import digest_state, quote_action
from agentrl.core.types import EnvSpec, Observation, StepResult, Task
from agentrl.environments.gui.a11y import a11y_text, node_at
from agentrl.environments.gui.answers import CursorAction, cursor_format_ok, parse_cursor_action
from agentrl.environments.gui.base import GuiEnvBase
from agentrl.environments.gui.coords import from_model_space, to_model_space
from agentrl.environments.gui.reward import (
    CursorEpisode,
    CursorRewardOptions,
    cursor_reward,
    inside,
)
from agentrl.environments.gui.scene import Scene, encode_png

ENV_ID = "gui-cursor"
EDGE_MARGIN = 5  # GUI-Cursor clamps the cursor to [0, W - 5] x [0, H - 5]
ARROW = [(0, 0), (0, 17), (4, 13), (7, 20), (10, 19), (7, 12), (12, 12)]  # hotspot (0, 0)
HISTORIES = ("latest", "all")


def draw_cursor(image: Image.Image, x: int, y: int) -> Image.Image:
    """A copy of ``image`` with an arrow cursor whose tip (the hotspot) is at (x, y)."""
    drawn = image.copy()
    points = [(x + dx, y + dy) for dx, dy in ARROW]
    ImageDraw.Draw(drawn).polygon(points, fill=(0, 0, 0), outline=(255, 255, 255), width=1)
    return drawn


def edge_notes(x: int, y: int, width: int, height: int) -> str:
    """GUI-Cursor's notes for a cursor sitting on an edge of the image."""
    edges = [("left", x <= 0), ("right", x >= width - EDGE_MARGIN), ("top", y <= 0),
             ("bottom", y >= height - EDGE_MARGIN)]
    return "".join(f" The cursor is at the {name} edge, which may not be visible."
                   for name, on in edges if on)


class CursorEnv(GuiEnvBase):
    """GUI-Cursor (Zhao et al. 2025): move the cursor onto the target, then STOP.

    Args:
        max_steps: moves allowed; the episode ends after the last (paper: 3).
        image_history: ``"latest"`` (each observation holds the current screenshot) or
            ``"all"`` (every screenshot of the episode so far, oldest first).
        think: the format reward asks for ``<think>...</think>`` before ``<answer>``.
        cell_px: size of the cursor cells ``state_key`` uses.
        reward_options: `CursorRewardOptions` fields (weights and penalties).
        **options: `GuiEnvBase` options.

    Actions: ``(x, y)`` moves there, ``MOVE(dx, dy)`` moves by an offset, ``STOP`` ends,
    each optionally inside ``<answer>...</answer>``. The reward, given on the last step, is
    `cursor_reward`; ``info["success"]``: the final position is inside the target.
    """

    def __init__(self, max_steps: int = 3, image_history: str = "latest", think: bool = True,
                 cell_px: int = 28, reward_options: dict[str, float] | None = None,
                 **options: Any) -> None:
        if image_history not in HISTORIES:
            raise ValueError(f"image_history={image_history!r}; use one of {HISTORIES}")
        if max_steps < 1:
            raise ValueError("max_steps must be >= 1")
        super().__init__(**options)
        self.max_steps, self.image_history, self.think, self.cell_px = (
            max_steps, image_history, think, cell_px)
        self.reward_options = CursorRewardOptions(**(reward_options or {}))
        action_format = "text" if self.observation == "a11y" else "tool_call"
        self.spec = EnvSpec(id=ENV_ID, max_turns=max_steps, action_format=action_format,
                            step_rewards_include_outcome=True,  # the last step pays R
                            description=(
                                "Move the cursor onto the element the instruction asks for. "
                                "Answer <answer>(x, y)</answer> to move the cursor there, "
                                "or <answer>STOP</answer> when its tip is on the element."))
        self._task: Task | None = None
        self._scene: Scene | None = None
        self._positions: list[tuple[int, int]] = []
        self._replies: list[str] = []
        self._screens: list[str] = []
        self._done = True

    def reset(self, task: Task | None = None, *, seed: int | None = None) -> Observation:
        """Show ``task``'s screen with the cursor at its centre."""
        self._task, self._scene = self._scene_for(task, seed)
        self._positions = [(self._scene.width // 2, self._scene.height // 2)]
        self._replies, self._screens = [], []
        self._done = False
        return self._observation()

    def _clamp(self, x: float, y: float) -> tuple[int, int]:
        scene = self._scene
        assert scene is not None
        return (int(min(max(round(x), 0), scene.width - EDGE_MARGIN)),
                int(min(max(round(y), 0), scene.height - EDGE_MARGIN)))

    def _observation(self, prefix: str = "") -> Observation:
        task, scene = self._task, self._scene
        assert task is not None and scene is not None
        x, y = self._positions[-1]
        cell = (x // self.cell_px, y // self.cell_px)
        key = digest_state(scene.screen_id, task.instruction, cell, self._done)
        shown = to_model_space((x, y), scene.width, scene.height, self.coordinates)
        notes = edge_notes(x, y, scene.width, scene.height)
        where = f"The cursor is at ({shown[0]}, {shown[1]}).{notes}"
        if self.observation == "a11y":
            under = node_at(scene.nodes, x, y)
            over = ""
            if under is not None:
                node = scene.nodes[under]
                over = f' It is over [{under}] {node["role"]} "{node["name"]}".'
            text = (f"{a11y_text(scene.nodes, scene.width, scene.height)}\n\n"
                    f"Instruction: {task.instruction}\n{where}{over}")
            return Observation(text=prefix + text, state_key=key)
        text = f"Instruction: {task.instruction}\n{self.coordinate_note(scene)} {where}"
        images: list[str] = []
        if not self._done:
            self._screens.append(encode_png(draw_cursor(scene.image, x, y)))
            images = list(self._screens) if self.image_history == "all" else [self._screens[-1]]
        return Observation(text=prefix + text, images=images, state_key=key)

    def _move(self, action: CursorAction) -> tuple[int, int]:
        scene = self._scene
        assert scene is not None
        x, y = from_model_space((action.x, action.y), scene.width, scene.height, self.coordinates)
        if action.kind == "move":
            last = self._positions[-1]
            return self._clamp(last[0] + x, last[1] + y)
        return self._clamp(x, y)

    def episode(self, stop_reason: str) -> CursorEpisode:
        """The episode so far as `cursor_reward` reads it."""
        count = len(self._replies)
        if self.observation == "a11y":
            formats = [parse_cursor_action(r) is not None for r in self._replies]
        else:
            formats = [cursor_format_ok(r, last=i == count - 1, think=self.think)
                       for i, r in enumerate(self._replies)]
        return CursorEpisode(list(self._positions), stop_reason, formats, self.max_steps)

    def step(self, action: str) -> StepResult:
        """Move, or STOP; the reward comes with the last step."""
        if self._scene is None or self._done:
            raise RuntimeError("episode is over; call reset()")
        scene = self._scene
        self._replies.append(action)
        parsed = parse_cursor_action(action)
        if parsed is None:
            stop_reason = "parse_failed"
        elif parsed.kind == "stop":
            self._positions.append(self._positions[-1])
            stop_reason = "stop"
        else:
            self._positions.append(self._move(parsed))
            stop_reason = "max_steps" if len(self._replies) >= self.max_steps else ""
        self._done = bool(stop_reason)
        prefix = "" if parsed else f"Unreadable action {quote_action(action)}.\n"
        info: dict[str, Any] = {"action_valid": parsed is not None, "success": False}
        reward = 0.0
        if self._done:
            components = cursor_reward(self.episode(stop_reason), scene.target, scene.width,
                                       scene.height, self.reward_options)
            x, y = self._positions[-1]
            reward = components["total"]
            info.update(success=inside(x, y, scene.target), reward_components=components,
                        outcome_reward=reward, stop_reason=stop_reason)
        return StepResult(observation=self._observation(prefix), reward=reward,
                          terminated=stop_reason in ("stop", "parse_failed"),
                          truncated=stop_reason == "max_steps", info=info)

    def demonstration(self, task: Task) -> list[str] | None:
        """The oracle's path: one move onto the target's centre, then STOP."""
        from agentrl.environments.gui.oracle import cursor_path

        path = cursor_path(self, task)
        return path if self.max_steps >= 2 else path[:1]
