"""User-supplied games (games_dir): hash splits, loading, playing, clear errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from agentrl.environments.textworld.data import load_games_dir, split_of
from agentrl.environments.textworld.env import TextWorldEnv
from agentrl.environments.textworld.oracle import play_oracle


def copy_game(game_file: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(game_file, target)
    shutil.copy(game_file.with_suffix(".json"), target.with_suffix(".json"))


@pytest.fixture()
def games_dir(tmp_path, easy_env, handmade_game) -> Path:
    sources = [Path(t.metadata["game_file"]) for t in easy_env.tasks("train")]
    copy_game(sources[0], tmp_path / "alpha.z8")
    copy_game(sources[1], tmp_path / "delta.z8")
    copy_game(handmade_game, tmp_path / "more" / "kappa.z8")
    return tmp_path


def test_split_is_a_stable_hash_of_the_file_name():
    assert [split_of(n) for n in ("alpha.z8", "delta.z8", "kappa.z8", "mu.z8")] == [
        "train",
        "valid",
        "heldout",
        "heldout",
    ]


def test_games_dir_tasks_follow_the_hash_split(games_dir):
    assert [t.id for t in load_games_dir(games_dir, "train")] == ["textworld-alpha.z8"]
    assert [t.id for t in load_games_dir(games_dir, "valid")] == ["textworld-delta.z8"]
    (heldout,) = load_games_dir(games_dir, "heldout")
    assert heldout.id == "textworld-more/kappa.z8"
    assert heldout.metadata == {
        "game_file": str(games_dir / "more" / "kappa.z8"),
        "difficulty": "custom",
        "category": "custom",  # what `agentrl eval` tables group by
    }
    assert "apple" in heldout.instruction


def test_games_dir_env_plays_the_games(games_dir):
    env = TextWorldEnv(games_dir=games_dir)
    assert env.spec.max_turns == 50
    for split in ("train", "valid", "heldout"):
        (task,) = env.tasks(split)
        steps = play_oracle(env, task)
        assert steps[-1].info["success"] and sum(s.reward for s in steps) == pytest.approx(1.0)
    env.close()


def test_games_dir_errors_name_the_cause(tmp_path, handmade_game):
    with pytest.raises(FileNotFoundError, match="is not a folder"):
        load_games_dir(tmp_path / "missing", "train")
    with pytest.raises(FileNotFoundError, match="no games"):
        load_games_dir(tmp_path, "train")
    (tmp_path / "old.ulx").write_bytes(b"")
    with pytest.raises(ValueError, match="only Glulx games"):
        load_games_dir(tmp_path, "train")
    shutil.copy(handmade_game, tmp_path / "lonely.z8")
    with pytest.raises(FileNotFoundError, match="without their TextWorld .json.*lonely.z8"):
        load_games_dir(tmp_path, "train")
