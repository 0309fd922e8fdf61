"""check_env: the toy corridor passes; deliberately broken envs get every violation reported."""

from __future__ import annotations

import random
from collections.abc import Sequence

import pytest

from agentrl.core.check_env import (
    CHECKS,
    EnvCheckError,
    check_env,
    check_env_target,
    json_problem,
)
from agentrl.core.types import Observation, StepResult, Task, Trajectory, Turn
from agentrl.environments.toy.corridor import CorridorEnv


def names_in(violations: list[str]) -> set[str]:
    """The check names that reported something, from '[check_x] message' lines."""
    return {line[1 : line.index("]")] for line in violations}


# --- broken envs, one fault each ------------------------------------------------------------


class RandomFirstObservation(CorridorEnv):
    """The first observation depends on a global RNG, not on the seed."""

    def reset(self, task: Task | None = None, *, seed: int | None = None) -> Observation:
        observation = super().reset(task, seed=seed)
        observation.text += f" Weather: {random.random()}"
        return observation


class NoStateKey(CorridorEnv):
    """Observations bypass validation and lack a state_key."""

    def _observation(self, text: str) -> Observation:
        return Observation.model_construct(text=text, available_actions=["left", "right"])


class WrongStepTypes(CorridorEnv):
    """step returns a Gymnasium-style tuple instead of a StepResult."""

    def step(self, action: str) -> StepResult:
        result = super().step(action)
        return (result.observation, result.reward, result.terminated, result.truncated, {})  # type: ignore[return-value]


class NaNReward(CorridorEnv):
    """Rewards are NaN and terminated is not a bool."""

    def step(self, action: str) -> StepResult:
        result = super().step(action)
        return StepResult.model_construct(
            observation=result.observation,
            reward=float("nan"),
            terminated="no",
            truncated=result.truncated,
            info=result.info,
        )


class NeverEnds(CorridorEnv):
    """Walls everywhere: every action is valid but the episode never ends."""

    def step(self, action: str) -> StepResult:
        return StepResult(
            observation=self._observation("You bump into a wall."),
            info={"success": False, "action_valid": True},
        )


class RaisesOnBadAction(CorridorEnv):
    """Inadmissible actions raise instead of being explained."""

    def step(self, action: str) -> StepResult:
        if action not in ("left", "right"):
            raise ValueError(f"bad action {action!r}")
        return super().step(action)


class CloseOnce(CorridorEnv):
    """close() refuses to run twice."""

    closed = False

    def close(self) -> None:
        if self.closed:
            raise RuntimeError("already closed")
        self.closed = True


class TupleInInfo(CorridorEnv):
    """info holds a tuple (becomes a list in JSON) and a set (not JSON at all)."""

    def step(self, action: str) -> StepResult:
        result = super().step(action)
        result.info["position"] = (self._position, 0)
        return result


class SetInInfo(CorridorEnv):
    def step(self, action: str) -> StepResult:
        result = super().step(action)
        result.info["seen"] = {1, 2}
        return result


class SilentAfterEnd(CorridorEnv):
    """Stepping after the end returns a result instead of raising."""

    def step(self, action: str) -> StepResult:
        if self._done:
            return StepResult(observation=self._observation("The game is over."))
        return super().step(action)


class CountingStateKey(CorridorEnv):
    """state_key includes a global counter: the same situation gets a new key each time."""

    counter = 0

    def _observation(self, text: str) -> Observation:
        CountingStateKey.counter += 1
        observation = super()._observation(text)
        observation.state_key += f"-{self.counter}"
        return observation


class OverlappingSplits(CorridorEnv):
    """Every split has the same task ids, with a duplicate, and the wrong env_id."""

    def tasks(self, split: str) -> Sequence[Task]:
        task = Task(id="same", env_id="elsewhere", split=split, metadata={"length": 1})
        return [task, task]


BROKEN = [
    (RandomFirstObservation, "check_reset_deterministic"),
    (NoStateKey, "check_reset_returns_observation"),
    (WrongStepTypes, "check_step_types"),
    (NaNReward, "check_step_types"),
    (NeverEnds, "check_terminates_within_max_turns"),
    (RaisesOnBadAction, "check_malformed_actions"),
    (CloseOnce, "check_close_idempotent"),
    (TupleInInfo, "check_json_round_trip"),
    (SetInInfo, "check_json_round_trip"),
    (SilentAfterEnd, "check_step_after_end"),
    (CountingStateKey, "check_state_key_stable"),
    (OverlappingSplits, "check_splits_disjoint"),
    (OverlappingSplits, "check_tasks"),
]


def test_corridor_passes_every_check_without_warnings() -> None:
    report = check_env(CorridorEnv())
    assert report.ok, str(report)
    assert report.violations == [] and report.warnings == []
    assert report.checks_run == [check.__name__ for check in CHECKS]
    assert str(report) == f"check_env(toy/corridor): OK ({len(CHECKS)} checks)"
    report.raise_if_failed()


@pytest.mark.parametrize(("env_class", "check_name"), BROKEN)
def test_each_fault_is_reported_by_its_check(env_class: type, check_name: str) -> None:
    report = check_env(env_class())
    assert not report.ok
    assert check_name in names_in(report.violations), str(report)


def test_messages_say_what_to_change() -> None:
    text = str(check_env(NeverEnds()))
    assert "did not end within spec.max_turns=8 steps (ran 9)" in text
    assert "set truncated=True on step 8 at the latest" in text
    text = str(check_env(TupleInInfo()))
    assert "['info']['position'] (tuple -> list)" in text
    text = str(check_env(RaisesOnBadAction()))
    assert "step('') raised ValueError: bad action ''" in text
    assert "info['action_valid']=False" in text


class EverythingBroken(RandomFirstObservation, RaisesOnBadAction, CloseOnce, SetInInfo):
    """Four independent faults in one env."""


def test_all_violations_are_reported_at_once() -> None:
    report = check_env(EverythingBroken())
    found = names_in(report.violations)
    assert {
        "check_reset_deterministic",
        "check_malformed_actions",
        "check_close_idempotent",
        "check_json_round_trip",
    } <= found
    with pytest.raises(EnvCheckError) as caught:
        report.raise_if_failed()
    message = str(caught.value)
    assert message.startswith(
        f"check_env(toy/corridor): FAILED, {len(report.violations)} violation"
    )
    for line in report.violations:
        assert f"  - {line}" in message
    assert caught.value.report is report


def test_a_check_that_raises_is_reported_and_the_others_still_run() -> None:
    class TasksExplode(CorridorEnv):
        def tasks(self, split: str) -> Sequence[Task]:
            raise OSError("task cache unreadable")

    report = check_env(TasksExplode())
    assert "[check_tasks] raised OSError: task cache unreadable" in report.violations
    # reset(None) still works, so the episode rules pass and are not drowned in noise
    assert "check_step_types" not in names_in(report.violations)
    assert len(report.checks_run) == len(CHECKS)


def test_a_missing_spec_is_one_violation() -> None:
    class NoSpec(CorridorEnv):
        def __init__(self) -> None:
            super().__init__()
            del self.spec

    report = check_env(NoSpec())
    assert report.violations == [
        "[check_spec] env.spec is NoneType; set it to an agentrl EnvSpec in __init__"
    ]


def test_accepting_malformed_actions_is_a_warning_not_a_violation() -> None:
    class AcceptsAnything(CorridorEnv):
        def step(self, action: str) -> StepResult:
            result = super().step(action if action in ("left", "right") else "left")
            return result

    report = check_env(AcceptsAnything())
    assert report.ok, str(report)
    assert "step('') was accepted: info['action_valid'] is not False" in report.warnings


def test_check_env_target_takes_an_id_or_a_module_path() -> None:
    assert check_env_target("toy/corridor").ok
    report = check_env_target("agentrl.environments.toy.corridor:CorridorEnv", seed=3)
    assert report.ok and report.env_id == "toy/corridor"


def test_json_problem_names_the_path_inside_nested_models() -> None:
    seen = Observation(text="At 0.", state_key="k0")
    trajectory = Trajectory(
        task=Task(id="t", env_id="toy/corridor"),
        turns=[Turn(observation=seen), Turn(observation=seen, info={"pos": (1, 2)})],
    )
    assert json_problem(trajectory, "the trajectory") == (
        "the trajectory changes through a JSON round trip at ['turns'][1]['info']['pos'] "
        "(tuple -> list); keep info and metadata to JSON types: dict with str keys, list, "
        "str, int, float, bool, None"
    )
    assert (
        json_problem(
            Trajectory(task=Task(id="t", env_id="x"), turns=[Turn(observation=seen)]), "ok"
        )
        is None
    )
