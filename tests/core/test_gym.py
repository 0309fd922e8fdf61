"""Gymnasium adapters, both directions, on toy/corridor and on a native Gymnasium text env."""

from __future__ import annotations

import json
import string
import subprocess
import sys
import warnings
from typing import Any

import gymnasium
import pytest
from gymnasium import spaces
from gymnasium.utils.env_checker import check_env as gym_check_env

from agentrl.core import registry
from agentrl.core.check_env import check_env
from agentrl.core.env import digest_state
from agentrl.core.gym import (
    GYM_IDS,
    MAX_ACTION_CHARS,
    MAX_OBSERVATION_CHARS,
    AgentrlToGym,
    GymToAgentrl,
    _literal_gym_ids,
    declared_gym_ids,
    register_gym_envs,
)
from agentrl.core.registry import register
from agentrl.core.types import Task
from agentrl.environments.toy.corridor import CorridorEnv

TWO_CELLS = Task(
    id="two", env_id="toy/corridor", instruction="Walk right 2 cells.", metadata={"length": 2}
)


class GuessWord(gymnasium.Env[str, str]):
    """A native Gymnasium text game: guess the hidden word, told how many letters are right."""

    WORDS = ("cat", "dog", "owl")

    def __init__(self, give_state_key: bool = False) -> None:
        self.observation_space = spaces.Text(64, min_length=0, charset=string.printable)
        self.action_space = spaces.Text(3, min_length=3, charset=string.ascii_lowercase)
        self.give_state_key = give_state_key
        self.word = ""

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[str, dict[str, Any]]:
        super().reset(seed=seed)
        self.word = self.WORDS[int(self.np_random.integers(len(self.WORDS)))]
        info = {"state_key": "start"} if self.give_state_key else {}
        return "Guess the 3-letter animal.", info

    def step(self, action: str) -> tuple[str, float, bool, bool, dict[str, Any]]:
        right = sum(a == w for a, w in zip(action, self.word, strict=True))
        info: dict[str, Any] = {"right_letters": right, "pair": (right, 3)}
        if self.give_state_key:
            info["state_key"] = f"right={right}"
        return f"{right} letters in place.", float(right == 3), right == 3, False, info


# --- agentrl -> Gymnasium -------------------------------------------------------------------


def test_corridor_as_gym_env_plays_an_episode() -> None:
    env = AgentrlToGym(CorridorEnv(), split="valid")
    text, info = env.reset(seed=0, options={"task": TWO_CELLS})
    assert text == "Walk right 2 cells. You are at cell 0."
    assert info == {
        "available_actions": ["left", "right"],
        "state_key": digest_state(0),
        "task": TWO_CELLS,
    }
    assert env.step("right")[:4] == ("You are at cell 1.", 0.0, False, False)
    text, reward, terminated, truncated, info = env.step("right")
    assert (text, reward, terminated, truncated) == ("You are at cell 2.", 1.0, True, False)
    assert info["success"] is True and info["action_valid"] is True
    assert info["state_key"] == digest_state(2)
    with pytest.raises(RuntimeError, match="after the episode ended"):
        env.step("right")


def test_reset_picks_a_task_by_id_or_by_seed() -> None:
    env = AgentrlToGym("toy/corridor", split="heldout")
    _, info = env.reset(options={"task": "corridor-heldout-3"})
    assert info["task"].id == "corridor-heldout-3"
    first = env.reset(seed=7)[1]["task"]
    assert env.reset(seed=7)[1]["task"] == first
    assert first.split == "heldout"
    with pytest.raises(ValueError, match="'nope' is not a task id of split 'heldout'"):
        env.reset(options={"task": "nope"})


def test_spaces_are_generous_text_spaces() -> None:
    env = AgentrlToGym(CorridorEnv())
    assert env.observation_space.max_length == MAX_OBSERVATION_CHARS == 65_536
    assert env.action_space.max_length == MAX_ACTION_CHARS == 16_384
    for text in ("", "line one\n\tline two", "Café — 5 €, “quoted” …"):
        assert env.observation_space.contains(text)
    assert not env.observation_space.contains("\x00")


def test_bad_split_and_render_mode_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="split 'test' is not offered by 'toy/corridor'"):
        AgentrlToGym(CorridorEnv(), split="test")
    with pytest.raises(ValueError, match="render_mode 'rgb_array' is not supported"):
        AgentrlToGym(CorridorEnv(), render_mode="rgb_array")


def test_gymnasium_make_with_registered_ids() -> None:
    assert register_gym_envs() == list(GYM_IDS)
    assert GYM_IDS["agentrl/Corridor-v0"] == "toy/corridor"
    assert GYM_IDS["agentrl/SearchQA-v0"] == "tools/search-qa"
    env = gymnasium.make("agentrl/Corridor-v0", split="valid", max_turns=3, render_mode="ansi")
    assert env.unwrapped.env.spec.max_turns == 3
    env.reset(seed=1)
    env.step("left")
    assert env.render() == "You are at cell 0."
    env.close()


def test_gymnasium_checker_accepts_the_wrapped_corridor() -> None:
    env = gymnasium.make("agentrl/Corridor-v0")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any Gymnasium complaint fails the test
        gym_check_env(env.unwrapped)


def test_module_prefixed_id_works_in_a_fresh_process() -> None:
    code = (
        "import gymnasium\n"
        "env = gymnasium.make('agentrl.core.gym:agentrl/Corridor-v0')\n"
        "print(env.reset(seed=0, options={'task': 'corridor-train-0'})[1]['task'].id)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "corridor-train-0"


# --- Gymnasium -> agentrl -------------------------------------------------------------------


def test_gym_env_as_agentrl_env_passes_check_env() -> None:
    report = check_env(GymToAgentrl(GuessWord(), env_id="guess", max_turns=4))
    assert report.ok, str(report)


def test_gym_env_as_agentrl_env_steps_and_explains_bad_actions() -> None:
    env = GymToAgentrl(GuessWord(), env_id="guess", max_turns=2, tasks_per_split=3)
    tasks = env.tasks("valid")
    assert [t.id for t in tasks] == ["guess-valid-0", "guess-valid-1", "guess-valid-2"]
    first = env.reset(tasks[0])
    assert first.text == "Guess the 3-letter animal."
    assert first.state_key == digest_state("Guess the 3-letter animal.")
    bad = env.step("CAT!")
    assert bad.info == {"success": False, "action_valid": False}
    assert bad.observation.text.startswith("Invalid action 'CAT!': an action is 3 to 3 characters")
    assert (bad.terminated, bad.truncated) == (False, False)
    result = env.step("zzz")  # no animal has a z: 0 letters right; turn 2 of 2
    assert result.observation.text == "0 letters in place."
    assert result.info == {
        "right_letters": 0,
        "pair": [0, 3],  # made JSON-safe on the way in
        "success": False,
        "action_valid": True,
    }
    assert (result.reward, result.terminated, result.truncated) == (0.0, False, True)
    with pytest.raises(RuntimeError, match="after the episode ended"):
        env.step("cat")
    env.close()
    env.close()


def test_state_key_comes_from_gym_info_when_given() -> None:
    env = GymToAgentrl(GuessWord(give_state_key=True), env_id="guess")
    assert env.reset(seed=0).state_key == "start"
    word = env.gym_env.word
    result = env.step(word)
    assert result.observation.state_key == "right=3"
    assert (result.reward, result.terminated, result.info["success"]) == (1.0, True, True)


def test_same_task_gives_same_hidden_word() -> None:
    env = GymToAgentrl(GuessWord(), env_id="guess")
    task = env.tasks("train")[5]
    words = set()
    for _ in range(3):
        env.reset(task)
        words.add(env.gym_env.word)
    assert len(words) == 1


def test_round_trip_corridor_through_gymnasium_and_back() -> None:
    env = GymToAgentrl(gymnasium.make("agentrl/Corridor-v0"), env_id="corridor-again", max_turns=8)
    assert env.reset(seed=0).available_actions == ["left", "right"]
    report = check_env(env)
    assert report.ok, str(report)


def test_non_text_spaces_are_refused() -> None:
    with pytest.raises(TypeError, match="GymToAgentrl needs Text spaces, but observation_space"):
        GymToAgentrl(gymnasium.make("CartPole-v1"))


def test_plain_id_after_import_agentrl() -> None:
    code = "import agentrl, gymnasium\ngymnasium.make('agentrl/Corridor-v0').reset(seed=0)\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_import_agentrl_registers_every_declared_gym_id_without_importing_a_family() -> None:
    code = ("import json, sys, agentrl, gymnasium\n"
            "ids = sorted(i for i in gymnasium.registry if i.startswith('agentrl/'))\n"
            "families = [m for m in sys.modules if m.startswith('agentrl.environments.')]\n"
            "print(json.dumps([ids, families]))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    ids, families = json.loads(done.stdout.strip().splitlines()[-1])
    assert families == []
    assert ids == sorted(GYM_IDS) == sorted(declared_gym_ids())
    assert {"agentrl/ALFWorld-v0", "agentrl/TextWorld-v0", "agentrl/WebShop-v0",
            "agentrl/SWE-v0"} <= set(ids)


def test_the_static_read_agrees_with_the_registrations() -> None:
    assert declared_gym_ids() == GYM_IDS  # every family declares its gym_id as literals


def test_literal_register_calls_are_read_and_others_skipped() -> None:
    source = ("register('a/x', 'm:X', gym_id='agentrl/X-v0')\n"
              "registry.register('a/y', 'm:Y', preload=['m'], gym_id='agentrl/Y-v1')\n"
              "register(name, 'm:Z', gym_id='agentrl/Z-v0')\n"
              "register('a/w', 'm:W')\n")
    assert _literal_gym_ids(source) == {"agentrl/X-v0": "a/x", "agentrl/Y-v1": "a/y"}


def test_a_malformed_gym_id_is_refused_naming_it() -> None:
    with pytest.raises(ValueError, match="gym_id 'ALFWorld' of 'nope/x' is not a Gymnasium id"):
        register("nope/x", "m:X", gym_id="ALFWorld")
    assert "nope/x" not in registry._REGISTRY
