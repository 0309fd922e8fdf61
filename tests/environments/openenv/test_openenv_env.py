"""`OpenEnvEnv` against a real OpenEnv server started by the test (guess the number)."""

from __future__ import annotations

import random
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from agentrl.core.check_env import check_env
from agentrl.environments.openenv import CapacityError, OpenEnvEnv, OpenEnvError, register_envs
from agentrl.environments.openenv.actions import ActionSchema, ActionSchemaError


def target_of(seed: int) -> int:
    """The number the guess server picks for ``seed`` (its rule: randint(1, 20))."""
    return random.Random(seed).randint(1, 20)


def test_check_env_passes_on_the_adapter(start_server):
    server = start_server(4)
    report = check_env(OpenEnvEnv(server.url, max_turns=6, tasks_per_split=3))
    assert report.ok, str(report)


def test_right_guess_wins_and_wrong_guesses_give_hints(start_server):
    server = start_server(1)
    env = OpenEnvEnv(server.url, max_turns=6)
    task = env.tasks("valid")[2]
    target = target_of(task.metadata["seed"])
    first = env.reset(task)
    assert first.text == "feedback: I picked a number from 1 to 20.\nguesses_left: 5"
    wrong = 1 if target != 1 else 2
    hint = env.step(str(wrong))
    assert hint.reward == 0.0 and not hint.terminated
    assert "feedback: higher" in hint.observation.text
    assert hint.info == {"action_valid": True}
    win = env.step(f'{{"guess": {target}}}')  # the JSON form
    assert win.terminated and win.reward == 1.0
    assert win.info == {"action_valid": True, "outcome_reward": 1.0, "success": True}
    assert "guesses_left: 3" in win.observation.text
    with pytest.raises(RuntimeError, match="call reset"):
        env.step("3")
    env.close()


def test_invalid_actions_are_observations_and_the_session_goes_on(start_server):
    server = start_server(1)
    env = OpenEnvEnv(server.url, max_turns=10)
    env.reset(seed=5)
    for bad, why in [("seven", "is not integer"), ('{"guess": "7"}', "must be integer"),
                     ('{"gues": 7}', "unknown field"), ("{not json", "not valid JSON"),
                     ("true", "is not integer"),
                     ("0", "0 is not a number I could have picked")]:  # the env raises
        result = env.step(bad)
        assert result.info["action_valid"] is False, bad
        assert why in result.observation.text, (bad, result.observation.text)
        assert "guess (integer, required)" in result.observation.text
    good = env.step(str(target_of(5)))
    assert good.terminated and good.reward == 1.0
    env.close()


def test_a_group_runs_in_concurrent_sessions(start_server):
    server = start_server(4)
    envs = [OpenEnvEnv(server.url, max_turns=6) for _ in range(4)]
    seeds = [11, 11, 12, 13]

    def play(index: int) -> tuple[int, float]:
        env = envs[index]
        env.reset(seed=seeds[index])
        steps = 0
        for guess in range(1, 21):  # 5 guesses: wins only when the target is at most 5
            result = env.step(str(guess))
            steps += 1
            if result.terminated or result.truncated:
                return steps, result.info["outcome_reward"]
        raise AssertionError("episode did not end")

    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(play, range(4)))
    for seed, (steps, reward) in zip(seeds, outcomes, strict=True):
        target = target_of(seed)
        assert (steps, reward) == ((target, 1.0) if target <= 5 else (5, 0.0))
    for env in envs:
        env.close()


def test_a_full_server_is_a_clear_capacity_error(start_server):
    server = start_server(1)
    first = OpenEnvEnv(server.url, retries=1, backoff_s=0.1)
    first.reset(seed=0)
    second = OpenEnvEnv(server.url, retries=1, backoff_s=0.1)
    with pytest.raises(CapacityError, match=r"max_concurrent_envs=N"):
        second.reset(seed=0)
    first.close()  # the slot frees; a new session fits
    time.sleep(0.3)
    assert second.reset(seed=0).text.startswith("feedback:")
    second.close()


def test_a_server_killed_mid_episode_errors_that_episode_only(start_server):
    doomed, healthy = start_server(1), start_server(1)
    lost, alive = OpenEnvEnv(doomed.url, timeout_s=5), OpenEnvEnv(healthy.url, timeout_s=5)
    lost.reset(seed=1)
    alive.reset(seed=1)
    doomed.kill()
    with pytest.raises(OpenEnvError, match=f"{doomed.url} stopped answering during 'step'"):
        lost.step("3")
    assert alive.step(str(target_of(1))).terminated  # the other episode is untouched
    lost.close()
    alive.close()


def test_an_unreachable_url_is_named_at_construction():
    url = "http://127.0.0.1:9"  # discard port: nothing listens
    with pytest.raises(OpenEnvError, match=r"OpenEnv server at http://127.0.0.1:9 is "
                                           r"unreachable: GET http://127.0.0.1:9/health"):
        OpenEnvEnv(url, retries=1, backoff_s=0.01, timeout_s=1)


def test_registered_as_openenv(start_server):
    from agentrl.core.registry import make

    register_envs()
    server = start_server(1)
    env = make("openenv", base_url=server.url)
    assert isinstance(env, OpenEnvEnv) and env.spec.id == "openenv"
    env.close()


def test_action_schema_parses_by_field_type():
    schema = ActionSchema.from_json_schema({
        "title": "Move", "required": ["direction"],
        "properties": {"metadata": {"type": "object"},
                       "direction": {"enum": ["north", "south"]},
                       "steps": {"type": "integer"}},
    })
    assert schema.single_field() == "direction"
    assert schema.parse('{"direction": "north", "steps": 2}') == {"direction": "north",
                                                                  "steps": 2}
    with pytest.raises(ActionSchemaError, match="must be one of"):
        schema.parse('{"direction": "up"}')
    with pytest.raises(ActionSchemaError, match="missing field"):
        schema.parse('{"steps": 2}')
    text = ActionSchema.from_json_schema({"properties": {"message": {"type": "string"}}})
    assert text.parse("  hello there ") == {"message": "hello there"}
