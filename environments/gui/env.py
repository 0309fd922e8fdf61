"""`gui-grounding`: one screenshot, one instruction, one answer (a point or a box)."""

from __future__ import annotations

import math
from typing import Any

from agentrl.core.env import digest_state, quote_action
from agentrl.core.types import EnvSpec, Observation, StepResult, Task
from agentrl.environments.gui.a11y import a11y_text
from agentrl.environments.gui.answers import (
    PARSINGS,
    parse_bbox_json,
    parse_bbox_list,
    parse_click_id,
    parse_point,
)
from agentrl.environments.gui.base import GuiEnvBase
from agentrl.environments.gui.coords import NORMALISED_SCALE, centre
from agentrl.environments.gui.reward import (
    DEGENERATE,
    click_reward,
    gui_g1_reward,
    gui_g2_reward,
    inside,
)
from agentrl.environments.gui.scene import Scene, encoded_screen

ENV_ID = "gui-grounding"
ANSWERS = ("bbox_json", "bbox_list", "point")
REWARDS_FOR = {"gui-g1": ("bbox_json",), "gui-g2": ("bbox_list",),
               "click": ("bbox_json", "bbox_list", "point")}
DEFAULT_REWARD = {"bbox_json": "gui-g1", "bbox_list": "gui-g2", "point": "click"}
PROMPTS = {  # the papers' prompts (GUI-G1 grpo_rec.py, GUI-G2 gaussian_grpo.py)
    "bbox_json": "Grounding instruction is: {instruction}. Report the bbox coordinates in "
                 "JSON format.",
    "bbox_list": "Outline the position corresponding to the instruction: {instruction}. "
                 "The output should be only [x1,y1,x2,y2].",
    "point": "Click on the screen element for the instruction: {instruction}. Answer with "
             "the point (x, y) only.",
}


class GroundingEnv(GuiEnvBase):
    """GUI grounding, single step, ScreenSpot style (see `GuiEnvBase` for shared options).

    Args:
        answer: ``"bbox_json"`` (GUI-G1's ``[{"bbox_2d": [x1, y1, x2, y2]}]``),
            ``"bbox_list"`` (GUI-G2's ``[x1,y1,x2,y2]``) or ``"point"`` (``(x, y)``).
        reward: ``"gui-g1"``, ``"gui-g2"`` or ``"click"`` (default: the answer's own).
        parsing: ``"paper"`` (the reward's paper's own parser, quirks included) or
            ``"lenient"`` (a deviation: fences of any kind, answer tags, the last list...;
            see `parse_bbox_json`, `parse_bbox_list`).
        degenerate: GUI-G2's coverage for zero-area boxes, ``"paper"`` or ``"zero"`` (a
            deviation; see `gaussian_coverage_reward`).
        **options: `GuiEnvBase` options (observation, coordinates, pixels, screens, data).

    In ``observation="a11y"`` mode the action is ``click(id)`` and the clicked node's box
    is the prediction, scored by the same rewards. Rewards are computed in the space the
    model writes (pixels of its image, or 0-1000 with ``coordinates="normalised"``), as the
    papers' code does. ``info["success"]``: the predicted point (a box's centre) is inside
    the target, ScreenSpot's metric.
    """

    def __init__(self, answer: str = "bbox_json", reward: str | None = None,
                 parsing: str = "paper", degenerate: str = "paper", **options: Any) -> None:
        if answer not in ANSWERS:
            raise ValueError(f"answer={answer!r}; use one of {ANSWERS}")
        if parsing not in PARSINGS:
            raise ValueError(f"parsing={parsing!r}; use one of {PARSINGS}")
        if degenerate not in DEGENERATE:
            raise ValueError(f"degenerate={degenerate!r}; use one of {DEGENERATE}")
        reward = reward or DEFAULT_REWARD[answer]
        if reward not in REWARDS_FOR:
            raise ValueError(f"reward={reward!r}; registered: {', '.join(REWARDS_FOR)}")
        observation = options.get("observation", "image")
        if observation == "image" and answer not in REWARDS_FOR[reward]:
            raise ValueError(f"reward={reward!r} scores boxes; answer={answer!r} gives a point")
        super().__init__(**options)
        self.answer, self.reward_name = answer, reward
        self.parsing, self.degenerate = parsing, degenerate
        action_format = "text" if observation == "a11y" else "tool_call"
        self.spec = EnvSpec(id=ENV_ID, max_turns=1, action_format=action_format,
                            step_rewards_include_outcome=True,  # the one step pays R
                            description=self._description())
        self._task: Task | None = None
        self._scene: Scene | None = None
        self._done = True

    def _description(self) -> str:
        if self.observation == "a11y":
            return ("You see a screen as its accessibility tree. Click the element the "
                    "instruction asks for with click(id), e.g. click(3).")
        return "You see a screenshot. Locate the element the instruction asks for."

    def reset(self, task: Task | None = None, *, seed: int | None = None) -> Observation:
        """Show ``task``'s screen (a train task picked by ``seed`` when None)."""
        self._task, self._scene = self._scene_for(task, seed)
        self._done = False
        return self._observation()

    def _observation(self, prefix: str = "") -> Observation:
        task, scene = self._task, self._scene
        assert task is not None and scene is not None
        key = digest_state(scene.screen_id, task.instruction, self._done)
        if self.observation == "a11y":
            text = (f"{a11y_text(scene.nodes, scene.width, scene.height)}\n\n"
                    f"Instruction: {task.instruction}")
            actions = [f"click({i})" for i in range(len(scene.nodes))]
            return Observation(text=prefix + text, available_actions=actions, state_key=key)
        prompt = PROMPTS[self.answer].format(instruction=task.instruction)
        text = f"{self.coordinate_note(scene)} {prompt}"
        images = [] if self._done else [encoded_screen(scene)]
        return Observation(text=prefix + text, images=images, state_key=key)

    def _space(self) -> tuple[list[float], float, float]:
        """The target and the image size in the space the answer is written in."""
        scene = self._scene
        assert scene is not None
        if self.observation == "a11y" or self.coordinates == "absolute":
            return list(scene.target), scene.width, scene.height
        sizes = (scene.width, scene.height)
        target = [v * NORMALISED_SCALE / sizes[i % 2] for i, v in enumerate(scene.target)]
        return target, NORMALISED_SCALE, NORMALISED_SCALE

    def predicted(self, action: str) -> tuple[Any, bool]:
        """What ``action`` answers, as its reward reads it, and GUI-G2's format flag.

        GUI-G1: the ``bbox_2d`` value itself (any Python literal); GUI-G2: four floats;
        a point: a zero-size box; a11y: the clicked node's box. None: unreadable.
        """
        scene = self._scene
        assert scene is not None
        if self.observation == "a11y":
            index = parse_click_id(action)
            if index is None or index >= len(scene.nodes):
                return None, False
            return list(scene.nodes[index]["box"]), True
        if self.answer == "bbox_json":
            return parse_bbox_json(action, self.parsing), False
        if self.answer == "bbox_list":
            return parse_bbox_list(action, self.parsing)
        point = parse_point(action)
        return (point + point if point else None), False

    def score(self, pred: Any, format_ok: bool) -> dict[str, float]:
        """The configured reward's components for a prediction (`predicted`)."""
        target, width, height = self._space()
        if self.reward_name == "gui-g1":
            return gui_g1_reward(pred, target, width, height)
        box = _real_box(pred)
        if self.reward_name == "gui-g2":
            return gui_g2_reward(box, target, format_ok, self.degenerate)
        return click_reward(centre(box) if box else None, target)

    def step(self, action: str) -> StepResult:
        """Score the answer; the episode ends after this one step."""
        if self._scene is None or self._done:
            raise RuntimeError("episode is over; call reset()")
        pred, format_ok = self.predicted(action)
        components = self.score(pred, format_ok)
        box = _real_box(pred)
        hit = box is not None and inside(*centre(box), self._space()[0])
        self._done = True
        prefix = "" if pred is not None else f"Unreadable answer {quote_action(action)}.\n"
        info = {"success": hit, "action_valid": pred is not None,
                "reward_components": components, "outcome_reward": components["total"]}
        return StepResult(observation=self._observation(prefix), reward=components["total"],
                          terminated=True, info=info)

    def demonstration(self, task: Task) -> list[str] | None:
        """The oracle's answer: the target box (or its centre) in the answer format."""
        from agentrl.environments.gui.oracle import grounding_answer

        return [grounding_answer(self, task)]


def _real_box(value: Any) -> list[float] | None:
    """``value`` as four finite floats when it is a list or tuple of four numbers or more
    (the first four count, as GUI-G1 reads them), else None."""
    if not isinstance(value, list | tuple) or len(value) < 4:
        return None
    head = value[:4]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in head):
        return None
    try:
        box = [float(v) for v in head]
    except OverflowError:
        return None
    return box if all(math.isfinite(v) for v in box) else None
