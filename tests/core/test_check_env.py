"""check_env: the toy corridor passes; deliberately broken envs get every violation reported."""

from __future__ import annotations

import random
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

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


class EchoesAction(CorridorEnv):
    """Invalid actions are repeated whole in the next observation."""

    def step(self, action: str) -> StepResult:
        result = super().step(action)
        result.observation.text += f" You wrote: {action}"
        return result


class ActionInInfo(CorridorEnv):
    """The raw action goes into info: lone surrogates from undecodable bytes break JSON."""

    def step(self, action: str) -> StepResult:
        result = super().step(action)
        result.info["raw"] = action
        return result


class StuckOnEscape(CorridorEnv):
    """A backslash puts the 'engine' in a command mode it never leaves (like dumb-frotz)."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def step(self, action: str) -> StepResult:
        if "\\" in action:
            self.release.wait()
        return super().step(action)


class CorruptedByNul(CorridorEnv):
    """A NUL byte shifts every later episode: the same reset no longer gives the same start."""

    shift = 0

    def step(self, action: str) -> StepResult:
        if "\x00" in action:
            CorruptedByNul.shift += 1
        return super().step(action)

    def _observation(self, text: str) -> Observation:
        observation = super()._observation(text)
        observation.text += " *" * self.shift
        return observation


BROKEN = [
    (RandomFirstObservation, "check_reset_deterministic"),
    (NoStateKey, "check_reset_returns_observation"),
    (WrongStepTypes, "check_step_types"),
    (NaNReward, "check_step_types"),
    (NeverEnds, "check_terminates_within_max_turns"),
    (RaisesOnBadAction, "check_hostile_actions"),
    (CloseOnce, "check_close_idempotent"),
    (TupleInInfo, "check_json_round_trip"),
    (SetInInfo, "check_json_round_trip"),
    (SilentAfterEnd, "check_step_after_end"),
    (EchoesAction, "check_hostile_actions"),
    (ActionInInfo, "check_hostile_actions"),
    (CorruptedByNul, "check_hostile_actions"),
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
    assert "step(empty: '') raised ValueError: bad action ''" in text
    assert "info['action_valid']=False" in text


class EverythingBroken(RandomFirstObservation, RaisesOnBadAction, CloseOnce, SetInInfo):
    """Four independent faults in one env."""


def test_all_violations_are_reported_at_once() -> None:
    report = check_env(EverythingBroken())
    found = names_in(report.violations)
    assert {
        "check_reset_deterministic",
        "check_hostile_actions",
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
    (warning,) = report.warnings
    assert warning.startswith("hostile actions accepted as valid: blank, control-chars, empty")


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


def test_hostile_action_messages_name_the_class_and_the_fix() -> None:
    text = str(check_env(EchoesAction()))
    assert "step(one-megabyte: 'go north go north go nor'… (1,000,000 characters))" in text
    assert "bound what an observation repeats of an action" in text
    text = str(check_env(ActionInInfo()))
    assert "the StepResult of random-bytes" in text
    text = str(check_env(CorruptedByNul()))
    assert "left the engine in a broken state" in text


def test_a_hanging_step_is_reported_and_stops_the_later_checks() -> None:
    env = StuckOnEscape()
    try:
        report = check_env(env, step_timeout_s=2.0)
    finally:
        env.release.set()
    assert "did not return within 2s" in str(report), str(report)
    assert "[check_hostile_actions] step(interpreter-escapes: '\\\\help')" in str(report)
    assert "[check_close_idempotent] not run: the env hung before it" in report.violations
    assert "check_close_idempotent" not in report.checks_run


def test_isolated_check_reports_a_native_crash_instead_of_dying(monkeypatch) -> None:
    # The env segfaults its interpreter on a backslash (as dumb-frotz did); run in its own
    # process by check_env_target(isolate=True), the checker survives and names the action.
    monkeypatch.syspath_prepend(str(Path(__file__).parent))
    report = check_env_target("segfaulting_env:SegfaultsOnBackslash", isolate=True)
    assert not report.ok
    assert "[check_hostile_actions] step(interpreter-escapes: '\\\\help') raised EnvError: env " \
        "process died during step()" in str(report), str(report)
    assert "check_close_idempotent" in report.checks_run  # the env came back for the rest
    assert sys.modules.get("segfaulting_env") is None  # only the child imported it


# --- targets given by name (agentrl check-env) ----------------------------------------------

BROKEN_TARGETS = '''
import time

from agentrl.environments.toy.corridor import CorridorEnv


class NotAnEnv:
    pass


class RaisesInInit(CorridorEnv):
    def __init__(self):
        raise RuntimeError("cannot open the game file")


class HangsInInit(CorridorEnv):
    def __init__(self):
        time.sleep(10_000)
'''


@pytest.fixture
def broken_targets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The name of an importable module holding the classes of `BROKEN_TARGETS`."""
    (tmp_path / "broken_targets.py").write_text(BROKEN_TARGETS)
    monkeypatch.syspath_prepend(str(tmp_path))
    return "broken_targets"


@pytest.mark.parametrize("isolate", [False, True])
@pytest.mark.parametrize(("name", "violation"), [
    ("NotAnEnv", "broken_targets:NotAnEnv is broken_targets.NotAnEnv, which is not an "
                 "agentrl env: derive it from agentrl.core.Env"),
    ("RaisesInInit", "building broken_targets:RaisesInInit raised RuntimeError: cannot open "
                     "the game file"),
])
def test_a_target_that_builds_no_env_is_one_violation(broken_targets: str, name: str,
                                                      violation: str, isolate: bool) -> None:
    report = check_env_target(f"{broken_targets}:{name}", isolate=isolate)
    assert len(report.violations) == 1, report.violations
    assert report.violations[0].startswith(f"[check_constructs] {violation}")
    assert report.checks_run == ["check_constructs"]


@pytest.mark.parametrize("isolate", [False, True])
def test_a_hanging_constructor_is_announced_and_given_up_on(broken_targets: str, isolate: bool,
                                                            monkeypatch) -> None:
    from agentrl.core import env_target

    monkeypatch.setattr(env_target, "FIRST_NOTICE_S", 0.5)
    monkeypatch.setattr(env_target, "NOTICE_EVERY_S", 1.0)
    said: list[str] = []
    report = check_env_target(f"{broken_targets}:HangsInInit", isolate=isolate,
                              construct_timeout_s=3, progress=said.append)
    assert report.violations == ["[check_constructs] gave up waiting for "
                                 "broken_targets:HangsInInit() after 3 s: it hangs or needs "
                                 "longer (give it more: agentrl check-env --timeout SECONDS)"]
    # announced at 0.5 s, 1.5 s and 2.5 s
    assert len(said) == 3, said
    assert all(line.startswith("waiting for broken_targets:HangsInInit() to construct (")
               for line in said), said


@pytest.mark.parametrize("isolate", [False, True])
def test_a_target_that_names_nothing_is_an_error_not_a_report(broken_targets: str,
                                                              isolate: bool) -> None:
    from agentrl.core.env_target import EnvTargetError

    with pytest.raises(EnvTargetError, match="module 'broken_targets' has no attribute 'Nope'"):
        check_env_target(f"{broken_targets}:Nope", isolate=isolate)
    with pytest.raises(EnvTargetError, match="no module named 'no_such_module_here'"):
        check_env_target("no_such_module_here:Env", isolate=isolate)
