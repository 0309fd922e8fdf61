"""Generated TextWorld tasks: determinism, caching, split disjointness, difficulty ranges."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentrl.core.types import STANDARD_SPLITS
from agentrl.environments.textworld import tasks
from agentrl.environments.textworld.env import TextWorldEnv


def test_difficulties_are_named_with_growing_sizes():
    assert list(tasks.DIFFICULTIES) == ["easy", "medium", "hard"]
    easy = tasks.DIFFICULTIES["easy"]
    assert (easy.rooms, easy.quest_length, easy.objects) == ((1, 2), (1, 2), (2, 4))
    assert tasks.DIFFICULTIES["hard"].quest_length == (5, 7)


@pytest.mark.parametrize("name", ["easy", "medium", "hard"])
def test_game_size_stays_in_the_difficulty_ranges_and_follows_the_seed(name):
    level = tasks.DIFFICULTIES[name]
    for seed in range(50):
        size = tasks.game_size(level, seed)
        assert level.rooms[0] <= size["nb_rooms"] <= level.rooms[1]
        assert level.objects[0] <= size["nb_objects"] <= level.objects[1]
        assert level.quest_length[0] <= size["quest_length"] <= level.quest_length[1]
        assert tasks.game_size(level, seed) == size


def test_tasks_name_their_game_file_and_difficulty(easy_env):
    for split in STANDARD_SPLITS:
        found = easy_env.tasks(split)
        ids = [f"textworld-easy-{split}-0000", f"textworld-easy-{split}-0001"]
        assert [t.id for t in found] == ids
        for task in found:
            assert Path(task.metadata["game_file"]).suffix == ".z8"
            assert Path(task.metadata["game_file"]).with_suffix(".json").exists()
            assert task.metadata["difficulty"] == "easy" and task.split == split
            assert task.instruction == json.loads(
                Path(task.metadata["game_file"]).with_suffix(".json").read_text()
            )["objective"]


def test_splits_are_disjoint_by_seed_and_by_game(easy_env):
    seeds, walkthroughs = set(), set()
    for split in STANDARD_SPLITS:
        for task in easy_env.tasks(split):
            seeds.add(task.metadata["seed"])
            game = json.loads(Path(task.metadata["game_file"]).with_suffix(".json").read_text())
            walkthroughs.add((game["objective"], tuple(game["metadata"]["walkthrough"])))
    assert len(seeds) == len(walkthroughs) == 3 * 2


def test_second_construction_reuses_the_cache(easy_env, tw_cache):
    files = [Path(t.metadata["game_file"]) for t in easy_env.tasks("valid")]
    mtimes = [f.stat().st_mtime_ns for f in files]
    again = TextWorldEnv(difficulty="easy", tasks_per_split=2).tasks("valid")
    assert [t.model_dump() for t in again] == [t.model_dump() for t in easy_env.tasks("valid")]
    assert [f.stat().st_mtime_ns for f in files] == mtimes
    fewer = TextWorldEnv(difficulty="easy", tasks_per_split=1).tasks("valid")
    assert [t.id for t in fewer] == ["textworld-easy-valid-0000"]
    assert [f.stat().st_mtime_ns for f in files] == mtimes


def test_same_seed_makes_the_same_game_and_first_observation(tmp_path, easy_env):
    task = easy_env.tasks("train")[0]
    level = tasks.DIFFICULTIES["easy"]
    record = tasks.generate_game(level, task.metadata["seed"], tmp_path / "copy.z8")
    assert record["objective"] == task.instruction
    original = json.loads(Path(task.metadata["game_file"]).with_suffix(".json").read_text())
    copy = json.loads((tmp_path / "copy.json").read_text())
    assert copy["world"] == original["world"] and copy["quests"] == original["quests"]
    replayed = task.model_copy(update={"metadata": {"game_file": str(tmp_path / "copy.z8")}})
    assert easy_env.reset(replayed) == easy_env.reset(task)


def test_tasks_per_split_accepts_int_mapping_or_defaults():
    assert tasks.resolve_counts(None) == {"train": 32, "valid": 8, "heldout": 16}
    assert tasks.resolve_counts(3) == {"train": 3, "valid": 3, "heldout": 3}
    assert tasks.resolve_counts({"train": 5}) == {"train": 5, "valid": 8, "heldout": 16}
    with pytest.raises(ValueError, match="unknown splits \\['test'\\]"):
        tasks.resolve_counts({"test": 1})
