"""AlfWorldEnv on the real TextWorld PDDL engine."""

from __future__ import annotations

import pytest

from agentrl.core.registry import make
from agentrl.core.types import StepResult, Task
from agentrl.environments.alfworld.env import AlfWorldEnv, normalize_command


def test_make_builds_the_registered_env(alf_cache):
    env = make("alfworld", num_tasks=2)
    assert isinstance(env, AlfWorldEnv)
    assert env.spec.splits == ("train", "valid_seen", "valid_unseen", "heldout")
    assert [t.split for t in env.tasks("valid")] == ["valid_seen", "valid_seen"]
    env.close()


def test_unknown_split_names_the_known_ones(alf_env):
    with pytest.raises(ValueError, match="valid_unseen"):
        alf_env.tasks("test")


def test_intro_reads_like_alfworld(alf_env):
    task = alf_env.tasks("train")[0]
    obs = alf_env.reset(task, seed=0)
    assert "Welcome to TextWorld" not in obs.text
    assert obs.text.startswith("You are in the middle of a room. Looking quickly around you")
    assert obs.text.endswith(f"Your task is to: {task.instruction}.")
    assert "look" in obs.available_actions and "inventory" in obs.available_actions


def test_inadmissible_action_changes_nothing(alf_env):
    obs = alf_env.reset(alf_env.tasks("train")[0], seed=0)
    result = alf_env.step("fly to the moon")
    assert result.observation.text == "Nothing happens."
    assert result.info["action_valid"] is False and result.reward == 0.0
    assert result.observation.state_key == obs.state_key
    assert result.observation.available_actions == obs.available_actions


def test_commands_are_normalised():
    assert normalize_command("  Go to   Fridge 1. ") == "go to fridge 1"


@pytest.mark.slow
def test_planner_solves_with_outcome_reward_and_shaping(alf_cache):
    env = AlfWorldEnv(num_tasks=6, subgoal_reward=0.5)
    task = env.tasks("train")[3]  # a heat task: hold, heat, place -> three milestones
    assert task.metadata["task_type"] == "pick_heat_then_place_in_recep"
    env.reset(task, seed=0)
    results: list[StepResult] = [env.step(command) for command in env.planner_actions()]
    last = results[-1]
    assert last.terminated and last.info["success"] and last.info["outcome_reward"] == 1.0
    assert all(r.info["action_valid"] for r in results)
    shaping = sum(r.info["reward_components"].get("subgoal", 0.0) for r in results)
    assert abs(shaping - 0.5) < 1e-9  # the whole weight, paid once
    assert abs(sum(r.reward for r in results) - 1.5) < 1e-9
    with pytest.raises(RuntimeError):
        env.step("look")
    env.close()


@pytest.mark.slow
def test_same_task_and_seed_repeat(alf_env):
    task = alf_env.tasks("valid_unseen")[1]
    first = [alf_env.reset(task, seed=3).state_key]
    first += [alf_env.step(a).observation.state_key for a in ("look", "inventory")]
    again = [alf_env.reset(task, seed=3).state_key]
    again += [alf_env.step(a).observation.state_key for a in ("look", "inventory")]
    assert first == again


def test_state_key_changes_when_the_agent_moves(alf_env):
    obs = alf_env.reset(alf_env.tasks("train")[0], seed=0)
    goto = next(a for a in obs.available_actions if a.startswith("go to "))
    assert alf_env.step(goto).observation.state_key != obs.state_key


def test_truncates_at_max_turns(alf_cache):
    env = AlfWorldEnv(num_tasks=1, max_turns=2)
    env.reset(seed=0)
    assert not env.step("look").truncated
    last = env.step("look")
    assert last.truncated and not last.terminated and last.info["outcome_reward"] == 0.0
    env.close()
    env.close()


def test_task_without_a_game_is_a_clear_error(alf_env):
    with pytest.raises(ValueError, match="metadata.source"):
        alf_env.reset(Task(id="x", env_id="alfworld"))


@pytest.mark.slow
def test_check_env_finds_no_violations(alf_cache):
    from agentrl.core.check_env import check_env

    report = check_env(AlfWorldEnv(num_tasks=2, max_turns=8))
    assert report.ok, str(report)
