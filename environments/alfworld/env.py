"""`AlfWorldEnv`: ALFWorld households on the real TextWorld PDDL engine, offline.

Observations read as in ALFWorld (banner dropped): the intro "You are in the middle of a
room. Looking quickly around you, you see ..." and "Your task is to: ...", then the
engine's feedback after each command. Actions are ALFWorld commands ("go to fridge 1",
"take apple 1 from countertop 2", "heat apple 1 with microwave 1", ...); one that is not
admissible changes nothing, reads "Nothing happens." as in ALFWorld, and is marked
``info["action_valid"] = False``. Reward: 1.0 on the step that reaches the goal (and
``outcome_reward`` 1/0 on the last step); with ``subgoal_reward > 0`` each step also earns
the growth of the task's milestone progress (see `reward`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, Literal

from agentrl.core.env import Env
from agentrl.core.splits import cache_dir
from agentrl.core.types import EnvSpec, Observation, StepResult, Task
from agentrl.environments.alfworld import data, reward
from agentrl.environments.alfworld.catalog import TASK_TYPES
from agentrl.environments.alfworld.engine import AlfredEngine, strip_banner
from agentrl.environments.alfworld.expert import HandCodedExpert
from agentrl.environments.alfworld.knowledge import Knowledge
from agentrl.environments.alfworld.tasks import DEFAULT_SIZES, game_file_of, generated_tasks

SPLITS = ("train", "valid_seen", "valid_unseen", "heldout")
ORIGINAL_SPLITS = ("train", "valid_seen", "valid_unseen")
# Accepted by tasks() without being splits of their own: 'valid' (the standard name every
# family answers to) is valid_seen; the original release has no heldout split, and ALFWorld
# papers report valid_unseen in its place.
SPLIT_ALIASES = {"valid": "valid_seen"}
ORIGINAL_ALIASES = {"valid": "valid_seen", "heldout": "valid_unseen"}

DESCRIPTION = (
    "You are an agent in a household (ALFWorld). Complete the task given after 'Your task "
    "is to:' by typing one command per turn, e.g. 'go to countertop 1', 'open fridge 1', "
    "'take apple 1 from countertop 1', 'heat apple 1 with microwave 1', 'cool ... with "
    "fridge 1', 'clean ... with sinkbasin 1', 'use desklamp 1', 'move apple 1 to "
    "fridge 1', 'examine ...', 'inventory', 'look'."
)


def normalize_command(action: str) -> str:
    """Lower-case, single-spaced, without a trailing period: how ALFWorld commands read."""
    return " ".join(action.strip().lower().split()).rstrip(".")


class AlfWorldEnv(Env):
    """ALFWorld's six household task types on TextWorld's PDDL engine (see module doc)."""

    native_engine = True  # fast-downward's planner runs inside this process

    def __init__(
        self,
        max_turns: int = 50,
        source: Literal["auto", "generated", "original"] = "auto",
        data_path: str | None = None,
        num_tasks: int | None = None,
        task_types: Sequence[str] = TASK_TYPES,
        subgoal_reward: float = 0.0,
    ) -> None:
        """Build the env.

        Args:
            max_turns: steps before the episode is truncated (50 in GiGPO / verl-agent).
            source: 'generated' (offline, from the shipped floor plans), 'original' (the
                ``json_2.1.1`` release at ``data_path``) or 'auto' (original when found).
            data_path: folder holding ``json_2.1.1``; defaults to ``$ALFWORLD_DATA``.
            num_tasks: cap on tasks per split (default: ALFWorld's split sizes).
            task_types: which of the six ALFWorld task types to offer.
            subgoal_reward: weight of the milestone-progress shaping (0 disables it).
        """
        unknown = sorted(set(task_types) - set(TASK_TYPES))
        if unknown:
            raise ValueError(
                f"unknown ALFWorld task types {unknown}; known: {', '.join(TASK_TYPES)}"
            )
        self.release = self._find_release(source, data_path)
        splits = SPLITS if self.release is None else ORIGINAL_SPLITS
        self.spec = EnvSpec(
            id="alfworld", max_turns=max_turns, splits=splits, description=DESCRIPTION,
            step_rewards_include_outcome=True,  # components["outcome"] is in the step reward
        )
        self.task_types = tuple(task_types)
        self.num_tasks = num_tasks
        self.subgoal_reward = subgoal_reward
        self._engine: AlfredEngine | None = None
        self._task_cache: dict[str, list[Task]] = {}
        self._task: Task | None = None
        self._done = True

    @staticmethod
    def _find_release(source: str, data_path: str | None) -> Any:
        if source not in ("auto", "generated", "original"):
            raise ValueError(f"source={source!r}; choose 'auto', 'generated' or 'original'")
        if source == "generated":
            return None
        path = data_path or os.environ.get("ALFWORLD_DATA")
        root = data.release_root(path) if path else None
        if source == "original" and root is None:
            raise FileNotFoundError(
                f"source='original' but no ALFWorld json_2.1.1 release under {path!r}; "
                "set data_path= or $ALFWORLD_DATA to the folder holding json_2.1.1"
            )
        return root

    def tasks(self, split: str) -> Sequence[Task]:
        """The tasks of ``split`` in a deterministic order ('valid' is valid_seen)."""
        aliases = SPLIT_ALIASES if self.release is None else ORIGINAL_ALIASES
        real = aliases.get(split, split)
        if real not in self.spec.splits:
            known = ", ".join((*self.spec.splits, *aliases))
            raise ValueError(f"unknown split {split!r}; splits: {known}")
        if real not in self._task_cache:
            if self.release is not None:
                cache = cache_dir("alfworld") / "original-games"
                found = data.load_split(self.release, real, cache, self.task_types)
                self._task_cache[real] = found[: self.num_tasks] if self.num_tasks else found
            else:
                count = self.num_tasks or DEFAULT_SIZES[real]
                self._task_cache[real] = generated_tasks(real, count, self.task_types)
        return self._task_cache[real]

    def reset(self, task: Task | None = None, *, seed: int | None = None) -> Observation:
        """Start ``task`` (default: train task ``seed`` modulo the split size)."""
        if task is None:
            train = self.tasks("train")
            task = train[(seed or 0) % len(train)]
        if self._engine is None:
            self._engine = AlfredEngine()
        self._engine.load(game_file_of(task))
        self._task, self._seed, self._turn, self._done = task, seed or 0, 0, False
        self._state = self._engine.reset()
        self._trace: list[tuple[Any, str | None]] = [(self._state, None)]
        self._expert: HandCodedExpert | None = None
        self._expert_seen = 0
        self._knowledge = Knowledge(task.instruction)
        facts = reward.fact_tuples(self._state["facts"])
        self._static_facts = frozenset(f for f in facts if f[0] in reward.STATIC_PREDICATES)
        self._knowledge.observe(facts)
        self._best_progress = self._progress(facts, won=False)
        return self._observation(strip_banner(self._state["feedback"]))

    def step(self, action: str) -> StepResult:
        """Apply one ALFWorld command."""
        if self._task is None or self._done:
            raise RuntimeError("step() called before reset() or after the episode ended")
        self._turn += 1
        command = normalize_command(action)
        valid = command in self._state["admissible_commands"]
        components: dict[str, float] = {}
        if valid:
            self._state = self._engine.step(command)  # type: ignore[union-attr]
            self._trace.append((self._state, command))
            dynamic = reward.fact_tuples(self._state["facts"], skip=reward.STATIC_PREDICATES)
            facts = self._static_facts | dynamic
            self._knowledge.observe(facts)
            if self.subgoal_reward:
                now = self._progress(facts, self._state["won"])
                components["subgoal"] = reward.shaping_reward(
                    self._best_progress, now, self.subgoal_reward
                )
                self._best_progress = max(self._best_progress, now)
            text = self._state["feedback"]
        else:
            text = "Nothing happens."
        won = bool(self._state["won"])
        components["outcome"] = reward.outcome_reward(won)
        truncated = not won and self._turn >= self.spec.max_turns
        self._done = won or truncated
        info: dict[str, Any] = {
            "success": won,
            "action_valid": valid,
            "reward_components": components,
        }
        if self._done:
            info["outcome_reward"] = reward.outcome_reward(won)
        return StepResult(
            observation=self._observation(text),
            reward=sum(components.values()),
            terminated=won,
            truncated=truncated,
            info=info,
        )

    def _progress(self, facts: frozenset[reward.Fact], won: bool) -> float:
        metadata = self._task.metadata  # type: ignore[union-attr]
        flags = reward.milestones(metadata["task_type"], metadata["pddl_params"], facts, won)
        return reward.progress(flags)

    def _observation(self, text: str) -> Observation:
        return Observation(
            text=text,
            available_actions=list(self._state["admissible_commands"]),
            state_key=self._knowledge.key(),
        )

    def expert_action(self) -> str:
        """ALFWorld's hand-coded expert's next command from the current state."""
        if self._task is None or self._engine is None:
            raise RuntimeError("expert_action() needs a reset() first")
        if self._expert is None:
            self._expert = HandCodedExpert(self._engine.game_file or "", seed=self._seed)
        action = "look"
        for state, command in self._trace[self._expert_seen :]:
            action = self._expert.act(state, command)
        self._expert_seen = len(self._trace)
        return action if self._expert_seen else "look"

    def planner_actions(self) -> list[str]:
        """fast-downward's optimal plan from the current state (full-knowledge oracle)."""
        if self._engine is None or self._task is None:
            raise RuntimeError("planner_actions() needs a reset() first")
        return self._engine.plan()

    def demonstration(self, task: Task) -> list[str] | None:
        """The hand-coded expert's commands, found by playing ``task`` with it (resets)."""
        self.reset(task)
        actions: list[str] = []
        while not self._done:
            actions.append(self.expert_action())
            self.step(actions[-1])
        return actions

    def close(self) -> None:
        """Release the engine; safe to call twice."""
        if self._engine is not None:
            self._engine.close()
            self._engine = None
        self._done = True
