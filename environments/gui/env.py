"""`gui-grounding`: one screenshot, one instruction, one answer (a point or a box)."""

from __future__ import annotations

from typing import Any

from agentrl.core.env import digest_state, quote_action
from agentrl.core.types import EnvSpec, Observation, StepResult, Task
from agentrl.environments.gui.a11y import a11y_text
from agentrl.environments.gui.answers import (
    parse_bbox_json,
    parse_bbox_list,
    parse_click_id,
    parse_point,
)
from agentrl.environments.gui.base import GuiEnvBase
from agentrl.environments.gui.coords import centre, from_model_space
from agentrl.environments.gui.reward import click_reward, gui_g1_reward, gui_g2_reward
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
        **options: `GuiEnvBase` options (observation, coordinates, pixels, screens, data).

    In ``observation="a11y"`` mode the action is ``click(id)`` and the clicked node's box
    is the prediction, scored by the same rewards. ``info["success"]``: the predicted
    point (a box's centre) is inside the target, ScreenSpot's metric.
    """

    def __init__(self, answer: str = "bbox_json", reward: str | None = None,
                 **options: Any) -> None:
        if answer not in ANSWERS:
            raise ValueError(f"answer={answer!r}; use one of {ANSWERS}")
        reward = reward or DEFAULT_REWARD[answer]
        if reward not in REWARDS_FOR:
            raise ValueError(f"reward={reward!r}; registered: {', '.join(REWARDS_FOR)}")
        observation = options.get("observation", "image")
        if observation == "image" and answer not in REWARDS_FOR[reward]:
            raise ValueError(f"reward={reward!r} scores boxes; answer={answer!r} gives a point")
        super().__init__(**options)
        self.answer, self.reward_name = answer, reward
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

    def predicted_box(self, action: str) -> tuple[list[float] | None, bool]:
        """The prediction of ``action`` in model pixels (a point as a zero-size box) and,
        for GUI-G2, whether the reply was exactly the list."""
        scene = self._scene
        assert scene is not None
        if self.observation == "a11y":
            index = parse_click_id(action)
            if index is None or index >= len(scene.nodes):
                return None, False
            return list(scene.nodes[index]["box"]), True
        format_ok = True
        if self.answer == "bbox_json":
            values = parse_bbox_json(action)
        elif self.answer == "bbox_list":
            values, format_ok = parse_bbox_list(action)
        else:
            point = parse_point(action)
            values = point + point if point else None
        if values is None:
            return None, False
        return from_model_space(values, scene.width, scene.height, self.coordinates), format_ok

    def score(self, pred: list[float] | None, format_ok: bool) -> dict[str, float]:
        """The configured reward's components for a prediction (model pixels)."""
        scene = self._scene
        assert scene is not None
        if self.reward_name == "gui-g1":
            return gui_g1_reward(pred, scene.target, scene.width, scene.height)
        if self.reward_name == "gui-g2":
            return gui_g2_reward(pred, scene.target, format_ok)
        return click_reward(centre(pred) if pred else None, scene.target)

    def step(self, action: str) -> StepResult:
        """Score the answer; the episode ends after this one step."""
        if self._scene is None or self._done:
            raise RuntimeError("episode is over; call reset()")
        pred, format_ok = self.predicted_box(action)
        components = self.score(pred, format_ok)
        hit = pred is not None and click_reward(centre(pred), self._scene.target)["hit"] == 1
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
