"""`gui-cursor`: GUI-Cursor's multi-step grounding, moving a cursor drawn on the screenshot."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PIL import Image, ImageDraw

from agentrl.core.env import digest_state, quote_action
from agentrl.core.types import EnvSpec, Observation, StepResult, Task
from agentrl.environments.gui.a11y import a11y_text, node_at
from agentrl.environments.gui.answers import (
    PARSINGS,
    CursorAction,
    parse_cursor_action,
    parse_uitars_action,
)
from agentrl.environments.gui.base import GuiEnvBase
from agentrl.environments.gui.coords import NORMALISED_SCALE, to_model_space
from agentrl.environments.gui.cursor_reward import CursorEpisode, CursorRewardOptions, cursor_reward
from agentrl.environments.gui.reward import inside
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


@dataclass
class CursorTrack:
    """One episode's cursor as GUI-Cursor's ``State.update_state`` moves it.

    The cursor starts at (W // 2, H // 2). An answer ``(x, y)`` moves it there (0-1000
    answers are scaled and truncated, ``int(x W / 1000)``, as GUI-Cursor's Qwen3 mode),
    clamped to [0, W - 5] x [0, H - 5]; STOP repeats the position and ends the episode; an
    unparseable reply ends it without a position; after ``max_steps`` parsed answers it
    ends. ``parsing`` / ``uitars`` choose the reader (`parse_cursor_action`,
    `parse_uitars_action`); ``MOVE(dx, dy)`` exists only under ``parsing="lenient"``.
    """

    width: int
    height: int
    max_steps: int = 3
    coordinates: str = "absolute"
    parsing: str = "paper"
    uitars: bool = False
    positions: list[tuple[int, int]] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.positions:
            self.positions = [(self.width // 2, self.height // 2)]

    def _pixels(self, value: float, side: int) -> int:
        if self.coordinates == "normalised":
            value = value * side / NORMALISED_SCALE
        return int(value)

    def act(self, reply: str) -> tuple[CursorAction | None, str]:
        """Apply one reply: the parsed action and the stop reason (``""`` while it goes on)."""
        self.replies.append(reply)
        parsed = (parse_uitars_action(reply) if self.uitars
                  else parse_cursor_action(reply, self.parsing))
        if parsed is None:
            return None, "parse_failed"
        x, y = self.positions[-1]
        if parsed.kind == "goto":
            x, y = self._pixels(parsed.x, self.width), self._pixels(parsed.y, self.height)
        elif parsed.kind == "move":
            x += self._pixels(parsed.x, self.width)
            y += self._pixels(parsed.y, self.height)
        self.positions.append((min(max(x, 0), self.width - EDGE_MARGIN),
                               min(max(y, 0), self.height - EDGE_MARGIN)))
        if parsed.kind == "stop":
            return parsed, "stop"
        return parsed, "max_steps" if len(self.positions) - 1 >= self.max_steps else ""

    def episode(self, stop_reason: str) -> CursorEpisode:
        """The episode so far as `cursor_reward` reads it."""
        return CursorEpisode(list(self.positions), stop_reason, list(self.replies),
                             self.max_steps)


class CursorEnv(GuiEnvBase):
    """GUI-Cursor (Zhao et al. 2025): move the cursor onto the target, then STOP.

    Args:
        max_steps: moves allowed; the episode ends after the last (paper: 3).
        image_history: ``"latest"`` (each observation holds the current screenshot) or
            ``"all"`` (every screenshot of the episode so far, oldest first).
        think: the format reward asks for ``<think>...</think>`` before ``<answer>``.
        uitars: replies in UI-TARS style, ``Thought: ... Action: GOTO(x, y)`` or
            ``Action: STOP``, read and format-scored as GUI-Cursor's UI-TARS option.
        parsing: ``"paper"`` (GUI-Cursor's answer extractor) or ``"lenient"`` (a deviation:
            last answer tag, decimals, bare ``(x, y)``, ``MOVE(dx, dy)``; see `CursorTrack`).
        cell_px: size of the cursor cells ``state_key`` uses.
        reward_options: `CursorRewardOptions` fields but ``format`` (set by think / uitars).
        **options: `GuiEnvBase` options.

    The reward, given on the last step, is `cursor_reward` on the target box in integer
    pixels (``int(proportion x side)``, as GUI-Cursor); ``info["success"]``: the final
    position is inside it.
    """

    def __init__(self, max_steps: int = 3, image_history: str = "latest", think: bool = True,
                 uitars: bool = False, parsing: str = "paper", cell_px: int = 28,
                 reward_options: dict[str, Any] | None = None, **options: Any) -> None:
        if image_history not in HISTORIES:
            raise ValueError(f"image_history={image_history!r}; use one of {HISTORIES}")
        if max_steps < 1:
            raise ValueError("max_steps must be >= 1")
        if parsing not in PARSINGS:
            raise ValueError(f"parsing={parsing!r}; use one of {PARSINGS}")
        if "format" in (reward_options or {}):
            raise ValueError("reward_options.format is set by think= and uitars=")
        super().__init__(**options)
        self.max_steps, self.image_history, self.think, self.cell_px = (
            max_steps, image_history, think, cell_px)
        self.uitars, self.parsing = uitars, parsing
        style = "uitars" if uitars else ("think" if think else "answer")
        self.reward_options = CursorRewardOptions(**(reward_options or {}), format=style)
        action_format = "text" if self.observation == "a11y" else "tool_call"
        self.spec = EnvSpec(id=ENV_ID, max_turns=max_steps, action_format=action_format,
                            step_rewards_include_outcome=True,  # the last step pays R
                            description=self._description())
        self._task: Task | None = None
        self._scene: Scene | None = None
        self._track: CursorTrack | None = None
        self._box: tuple[int, int, int, int] = (0, 0, 0, 0)
        self._screens: list[str] = []
        self._done = True

    def _description(self) -> str:
        if self.uitars:
            return ("Move the cursor onto the element the instruction asks for. Reply "
                    "'Thought: ...' then 'Action: GOTO(x, y)' to move the cursor there, or "
                    "'Action: STOP' when its tip is on the element.")
        think = "<think>...</think> then " if self.think else ""
        return ("Move the cursor onto the element the instruction asks for. Answer "
                f"{think}<answer>(x, y)</answer> to move the cursor there, or "
                f"{think}<answer>STOP</answer> when its tip is on the element.")

    def reset(self, task: Task | None = None, *, seed: int | None = None) -> Observation:
        """Show ``task``'s screen with the cursor at its centre."""
        self._task, self._scene = self._scene_for(task, seed)
        scene = self._scene
        self._track = CursorTrack(scene.width, scene.height, self.max_steps, self.coordinates,
                                  self.parsing, self.uitars)
        x1, y1, x2, y2 = (int(v) for v in scene.target)
        self._box = (x1, y1, x2, y2)
        self._screens = []
        self._done = False
        return self._observation()

    def _observation(self, prefix: str = "") -> Observation:
        task, scene, track = self._task, self._scene, self._track
        assert task is not None and scene is not None and track is not None
        x, y = track.positions[-1]
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

    def step(self, action: str) -> StepResult:
        """Move, or STOP; the reward comes with the last step."""
        if self._scene is None or self._track is None or self._done:
            raise RuntimeError("episode is over; call reset()")
        scene, track = self._scene, self._track
        parsed, stop_reason = track.act(action)
        self._done = bool(stop_reason)
        prefix = "" if parsed else f"Unreadable action {quote_action(action)}.\n"
        info: dict[str, Any] = {"action_valid": parsed is not None, "success": False}
        reward = 0.0
        if self._done:
            components = cursor_reward(track.episode(stop_reason), self._box, scene.width,
                                       scene.height, self.reward_options)
            x, y = track.positions[-1]
            reward = components["total"]
            info.update(success=inside(x, y, self._box), reward_components=components,
                        outcome_reward=reward, stop_reason=stop_reason)
        return StepResult(observation=self._observation(prefix), reward=reward,
                          terminated=stop_reason in ("stop", "parse_failed"),
                          truncated=stop_reason == "max_steps", info=info)

    def demonstration(self, task: Task) -> list[str] | None:
        """The oracle's path: one move onto the target's centre, then STOP."""
        from agentrl.environments.gui.oracle import cursor_path

        path = cursor_path(self, task)
        return path if self.max_steps >= 2 else path[:1]
