"""Corridor: the agent starts at cell 0 and must reach cell ``length`` with 'left'/'right'.

Small enough to reason about by hand, which makes it the env of choice for unit tests of
the runner, the trainer and the estimators. Reward: +1 and success on reaching the exit.
"""

from __future__ import annotations

from collections.abc import Sequence

from agentrl.core.env import Env, digest_state, quote_action
from agentrl.core.splits import split_seed
from agentrl.core.types import EnvSpec, Observation, StepResult, Task

ACTIONS = ("left", "right")


class CorridorEnv(Env):
    """Walk 'right' from cell 0 to the exit; see the module docstring."""

    def __init__(self, max_turns: int = 8, tasks_per_split: int = 8) -> None:
        self.spec = EnvSpec(
            id="toy/corridor",
            max_turns=max_turns,
            step_rewards_include_outcome=True,  # reward 1 on reaching the exit = R
            description="You are in a corridor. Reach the exit. Actions: 'left' or 'right'.",
        )
        self.tasks_per_split = tasks_per_split
        self._task: Task | None = None
        self._position = 0
        self._turn = 0
        self._done = True

    def tasks(self, split: str) -> Sequence[Task]:
        """``tasks_per_split`` tasks of ``split``, with exits 1 to 3 cells away."""
        if split not in self.spec.splits:
            raise ValueError(f"unknown split {split!r}; splits: {', '.join(self.spec.splits)}")
        return [
            Task(
                id=f"corridor-{split}-{index}",
                env_id=self.spec.id,
                split=split,
                instruction=f"Walk right {1 + split_seed('toy', split, index) % 3} cells.",
                metadata={"length": (length := 1 + split_seed("toy", split, index) % 3),
                          "category": f"length-{length}"},
            )
            for index in range(self.tasks_per_split)
        ]

    def reset(self, task: Task | None = None, *, seed: int | None = None) -> Observation:
        """Start ``task`` at cell 0 (a train task chosen by ``seed`` when None)."""
        if task is None:
            train = self.tasks("train")
            task = train[(seed or 0) % len(train)]
        self._task = task
        self._position = 0
        self._turn = 0
        self._done = False
        return self._observation(f"{task.instruction} You are at cell 0.")

    def step(self, action: str) -> StepResult:
        """Move 'left' or 'right'; anything else is an invalid action that wastes a turn."""
        if self._task is None or self._done:
            raise RuntimeError("step() called before reset() or after the episode ended")
        self._turn += 1
        command = action.strip().lower()
        valid = command in ACTIONS
        if valid:
            self._position = max(0, self._position + (1 if command == "right" else -1))
            text = f"You are at cell {self._position}."
        else:
            text = f"Invalid action {quote_action(action)}: choose one of {', '.join(ACTIONS)}."
        length = int(self._task.metadata["length"])
        success = self._position >= length
        truncated = not success and self._turn >= self.spec.max_turns
        self._done = success or truncated
        return StepResult(
            observation=self._observation(text),
            reward=1.0 if success else 0.0,
            terminated=success,
            truncated=truncated,
            info={"success": success, "action_valid": valid},
        )

    def demonstration(self, task: Task) -> list[str] | None:
        """Walk right until the exit."""
        return ["right"] * int(task.metadata["length"])

    def _observation(self, text: str) -> Observation:
        return Observation(
            text=text, available_actions=list(ACTIONS), state_key=digest_state(self._position)
        )
