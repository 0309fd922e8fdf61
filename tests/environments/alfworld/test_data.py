"""The original-release loader, on a small fixture written in json_2.1.1's format."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from agentrl.environments.alfworld.env import AlfWorldEnv
from agentrl.environments.alfworld.generate import generate_specs, write_game


@pytest.fixture(scope="module")
def release(alf_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """json_2.1.1/{train,valid_seen,valid_unseen}: trials as ALFWorld ships them.

    train: one trial with only traj_data.json + initial_state.pddl (no game file yet), one
    under a 'movable' task folder and one marked unsolvable (both skipped); valid_seen and
    valid_unseen: one trial each with its game.tw-pddl.
    """
    root = tmp_path_factory.mktemp("alfworld-data") / "json_2.1.1"
    made = tmp_path_factory.mktemp("made")
    specs = generate_specs("train", 4)
    layout = [
        ("train", "pick_heat_then_place_in_recep-Mug-None-Fridge-15", specs[3], False),
        ("train", "pick_and_place_with_movable_recep-Mug-Bowl-Shelf-1", specs[0], True),
        ("train", "pick_and_place_simple-Cloth-None-Shelf-423", specs[0], "unsolvable"),
        ("valid_seen", "look_at_obj_in_light-Pillow-None-FloorLamp-211", specs[1], True),
        ("valid_unseen", "pick_clean_then_place_in_recep-Cloth-None-Sink-428", specs[2], True),
    ]
    for split, folder, spec, with_game in layout:
        trial = root / split / folder / "trial_T20190907_000000_000000"
        source = write_game(spec, made).parent
        trial.mkdir(parents=True)
        for name in ("traj_data.json", "initial_state.pddl"):
            shutil.copyfile(source / name, trial / name)
        if with_game:
            game = json.loads((source / "game.tw-pddl").read_text())
            game["solvable"] = with_game is True
            (trial / "game.tw-pddl").write_text(json.dumps(game))
    return root.parent


def test_original_splits_are_loaded_and_filtered(release):
    env = AlfWorldEnv(data_path=str(release))
    assert env.spec.splits == ("train", "valid_seen", "valid_unseen")
    train = env.tasks("train")
    assert [t.metadata["task_type"] for t in train] == ["pick_heat_then_place_in_recep"]
    assert train[0].instruction in ("put a hot mug in fridge", "heat some mug and put it in fridge")
    assert [t.split for t in env.tasks("heldout")] == ["valid_unseen"]
    assert env.tasks("valid")[0].instruction == "examine the pillow with the floorlamp"
    env.close()


def test_alfworld_data_variable_switches_to_the_release(release, monkeypatch):
    monkeypatch.setenv("ALFWORLD_DATA", str(release))
    env = AlfWorldEnv()
    assert env.release == release / "json_2.1.1"
    assert AlfWorldEnv(source="generated").release is None
    env.close()


def test_missing_release_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="json_2.1.1"):
        AlfWorldEnv(source="original", data_path=str(tmp_path))


@pytest.mark.slow
def test_a_loaded_trial_plays_on_the_engine(release):
    env = AlfWorldEnv(data_path=str(release), max_turns=30)
    task = env.tasks("train")[0]
    obs = env.reset(task, seed=0)
    assert obs.text.endswith(f"Your task is to: {task.instruction}.")
    results = [env.step(command) for command in env.planner_actions()]
    assert results[-1].info["success"]
    assert not (release / "json_2.1.1" / "train" / "game.tw-pddl").exists()
    env.close()
