"""The SWE env end to end on generated tasks, in a real bwrap sandbox (docker where available)."""

from __future__ import annotations

import pytest

from agentrl.core.registry import make, registered
from agentrl.core.types import StepResult, Task
from agentrl.environments.swe.actions import TOOL_NAMES
from agentrl.environments.swe.env import SweEnv
from agentrl.environments.swe.oracle import oracle_actions, oracle_plan

pytestmark = pytest.mark.slow

NO_STEP_REWARD = {"edit_applied": 0.0, "compiles": 0.0, "targeted_test_passes": 0.0}


def _all_tasks(env: SweEnv) -> list[Task]:
    return [task for split in ("train", "valid", "heldout") for task in env.tasks(split)]


def _play(env: SweEnv, task: Task, actions: list[str]) -> list[StepResult]:
    env.reset(task)
    return [env.step(action) for action in actions]


def test_registered_as_swe() -> None:
    assert "swe" in registered()


def test_generated_tasks_cover_every_project_with_disjoint_splits(make_env) -> None:
    env = make_env()
    tasks = _all_tasks(env)
    assert sorted({t.metadata["instance"]["project"] for t in tasks}) == [
        "intervals",
        "statkit",
        "textkit",
    ]
    assert len({t.id for t in tasks}) == len(tasks) == 3
    for task in tasks:
        instance = task.metadata["instance"]
        assert instance["FAIL_TO_PASS"] and instance["PASS_TO_PASS"]
        assert instance["FAIL_TO_PASS"][0].split("::")[1] in task.instruction


def test_oracle_solves_every_generated_task(make_env) -> None:
    env = make_env()
    for task in _all_tasks(env):
        edit, submit = _play(env, task, oracle_actions(task))
        assert edit.info["action_valid"] and edit.info["reward_components"] == {
            "edit_applied": 1.0,
            "compiles": 1.0,
            "targeted_test_passes": 1.0,
        }
        assert edit.reward == 3.0
        assert submit.terminated and submit.info["success"], submit.info
        assert submit.info["outcome_level"] == "tests_pass"
        assert submit.info["outcome_reward"] == 1.0


def test_oracle_in_tool_call_mode(make_env) -> None:
    env = make_env(tool_calls=True)
    assert env.spec.action_format == "tool_call"
    task = env.tasks("train")[0] if env.tasks("train") else _all_tasks(env)[0]
    first = env.reset(task)
    assert [tool["function"]["name"] for tool in first.tools or []] == list(TOOL_NAMES)
    results = [env.step(action) for action in oracle_actions(task, tool_calls=True)]
    assert results[-1].info["success"] and results[-1].info["outcome_reward"] == 1.0


def test_malformed_and_inadmissible_actions_never_raise(make_env) -> None:
    env = make_env()
    task = _all_tasks(env)[0]
    env.reset(task)
    bad = env.step("please fix it")
    assert not bad.info["action_valid"] and "Invalid action" in bad.observation.text
    assert bad.info["reward_components"] == NO_STEP_REWARD and bad.reward == 0.0
    missing = env.step("view: nowhere.py")
    assert not missing.info["action_valid"] and "no file" in missing.observation.text
    escape = env.step("view: ../../etc/passwd")
    assert not escape.info["action_valid"]
    plan = oracle_plan(task)[0]
    wrong = env.step(
        f"str_replace: {plan.args['path']}\n<<<<<<< SEARCH\nnot here\n=======\nx\n>>>>>>> REPLACE"
    )
    assert not wrong.info["action_valid"] and "not found" in wrong.observation.text


def test_edit_that_breaks_syntax_scores_edit_but_not_compiles(make_env) -> None:
    env = make_env()
    task = _all_tasks(env)[0]
    env.reset(task)
    path = oracle_plan(task)[0].args["path"]
    result = env.step(f"create: {path}\ndef broken(:\n")
    assert result.info["reward_components"] == {
        "edit_applied": 1.0,
        "compiles": 0.0,
        "targeted_test_passes": 0.0,
    }
    submit = env.step("submit")
    assert submit.info["outcome_level"] == "tests_fail" and submit.info["outcome_reward"] == 0.0
    assert not submit.info["success"] and submit.info["failed_tests"]


def test_empty_submission_and_turn_limit_levels(make_env) -> None:
    env = make_env(max_turns=2, outcome="level")
    task = _all_tasks(env)[0]
    env.reset(task)
    empty = env.step("submit")
    assert empty.info["outcome_level"] == "empty_patch"
    assert empty.info["outcome_reward"] == pytest.approx(1 / 3)
    env.reset(task)
    env.step("bash: ls")
    last = env.step("bash: ls")
    assert last.truncated and not last.terminated
    assert last.info["outcome_level"] == "no_submission" and last.info["outcome_reward"] == 0.0
    with pytest.raises(RuntimeError, match="after the episode ended"):
        env.step("bash: ls")


def test_hidden_tests_are_restored_so_editing_tests_does_not_pay(make_env) -> None:
    env = make_env()
    task = _all_tasks(env)[0]
    env.reset(task)
    failing = task.metadata["instance"]["FAIL_TO_PASS"][0].split("::")[0]
    hack = env.step(f"bash: printf 'def test_nothing():\\n    pass\\n' > {failing}")
    assert hack.info["action_valid"]
    submit = env.step("submit")
    assert submit.info["outcome_level"] == "tests_fail" and not submit.info["success"]


def test_state_key_follows_the_diff_and_last_command(make_env) -> None:
    env = make_env()
    task = _all_tasks(env)[0]
    start = env.reset(task).state_key
    assert env.reset(task).state_key == start
    ls_once = env.step("bash: ls").observation.state_key
    again = env.step("bash: ls").observation.state_key
    assert ls_once == again != start  # same diff, same last command
    edited = env.step(oracle_actions(task)[0]).observation.state_key
    env.reset(task)
    assert env.step(oracle_actions(task)[0]).observation.state_key == edited


def test_bash_output_is_shown_with_the_exit_code(make_env) -> None:
    env = make_env()
    env.reset(_all_tasks(env)[0])
    result = env.step("bash: echo hello && exit 4")
    assert result.observation.text.startswith("(exit code 4)\nhello")


def test_make_passes_kwargs(swe_cache) -> None:
    env = make("swe", max_tasks_per_project=1, max_turns=7, tool_calls=True)
    try:
        assert env.spec.max_turns == 7 and env.spec.action_format == "tool_call"
        assert "submit" in env.spec.description
    finally:
        env.close()


def test_docker_backend_runs_the_oracle(make_env, require_docker_engine) -> None:
    env = make_env(backend="docker")
    task = _all_tasks(env)[0]
    *_, submit = _play(env, task, oracle_actions(task))
    assert submit.info["success"] and submit.info["outcome_reward"] == 1.0


def test_envs_sharing_a_pool_reuse_one_warm_sandbox(swe_cache) -> None:
    from agentrl.sandbox import SandboxPool

    with SandboxPool("bwrap", size=2) as pool:
        first = SweEnv(max_tasks_per_project=1, pool=pool)
        task = _all_tasks(first)[0]
        first.reset(task)
        first.step("bash: echo dirty > scratch.txt")
        first.close()
        second = SweEnv(max_tasks_per_project=1, pool=pool)
        second.reset(task)
        assert pool.started == 1  # the second episode got the first one's sandbox back
        assert "scratch.txt" not in second.step("bash: ls").observation.text
        second.close()


def test_check_env_passes(make_env) -> None:
    check_env = pytest.importorskip("agentrl.core.check_env").check_env
    report = check_env(make_env(max_turns=3), max_episodes=1)
    assert report.ok, str(report)


def _trajectory(env: SweEnv, task: Task, actions: list[str]):
    from agentrl.core.types import Trajectory, Turn

    observation = env.reset(task)
    turns = []
    for action in actions:
        result = env.step(action)
        turns.append(Turn(observation=observation, action=action, reward=result.reward,
                          info=result.info, state_key=observation.state_key))  # fmt: skip
        observation = result.observation
    final = turns[-1].info
    return Trajectory(task=task, turns=turns, outcome_reward=final.get("outcome_reward", 0.0),
                      success=final["success"], group_id=task.id)  # fmt: skip


def test_gated_shaping_keeps_step_rewards_only_of_episodes_that_pass_the_gate(make_env) -> None:
    get_shaping = pytest.importorskip("agentrl.credit").get_shaping
    env = make_env(outcome="level")
    task = _all_tasks(env)[0]
    path = oracle_plan(task)[0].args["path"]
    solved = _trajectory(env, task, oracle_actions(task))
    hacked = _trajectory(env, task, [f"create: {path}\nx = 1\n", "submit"])  # compiles, fails
    shaped = get_shaping("gated")(
        [solved, hacked], threshold=1.0, components=["edit_applied", "compiles"]
    )
    # Solved: r^high = 1 ≥ Δ, so the edit turn keeps edit_applied + compiles = 2.
    assert [t.info["reward_components"]["gated/kept"] for t in shaped[0].turns] == [2.0, 0.0]
    # Hacked: r^high = level tests_fail = 2/3 < Δ, so its 2 step points are gated off.
    assert hacked.outcome_reward == pytest.approx(2 / 3)
    assert [t.info["reward_components"]["gated/kept"] for t in shaped[1].turns] == [0.0, 0.0]


@pytest.mark.parametrize("tool_calls", [False, True])
def test_demonstration_replays_to_success_in_both_action_formats(make_env, tool_calls) -> None:
    env = make_env(tool_calls=tool_calls)
    task = env.tasks("train")[0]
    actions = env.demonstration(task)
    assert actions == oracle_actions(task, tool_calls=tool_calls)
    env.reset(task)
    results = [env.step(action) for action in actions]
    assert results[-1].terminated and results[-1].info["success"]
