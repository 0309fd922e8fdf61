"""Fixtures: a private game cache for this package's tests, a few generated easy games and
one hand-built game whose every room and object the tests know."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agentrl.core.types import Task
from agentrl.environments.textworld.env import TextWorldEnv

TASKS_PER_SPLIT = 2


@pytest.fixture(scope="package")
def tw_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """AGENTRL_CACHE pointed at a fresh folder while this package's tests run."""
    root = tmp_path_factory.mktemp("agentrl-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AGENTRL_CACHE", str(root))
        yield root


@pytest.fixture(scope="package")
def easy_env(tw_cache: Path) -> Iterator[TextWorldEnv]:
    """An easy env with 2 generated games per split (6 games, made once)."""
    env = TextWorldEnv(difficulty="easy", tasks_per_split=TASKS_PER_SPLIT)
    yield env
    env.close()


@pytest.fixture(scope="package")
def handmade_game(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """kitchen --east--> hall; an open chest holding an apple in the kitchen, a table in the
    hall. Quest 1: take the apple (1 point); quest 2: put it on the table (1 point)."""
    from textworld import GameMaker

    maker = GameMaker()
    kitchen, hall = maker.new_room("kitchen"), maker.new_room("hall")
    maker.connect(kitchen.east, hall.west)
    maker.set_player(kitchen)
    chest = maker.new(type="c", name="chest")
    chest.add_property("open")
    kitchen.add(chest)
    chest.add(maker.new(type="o", name="apple"))
    hall.add(maker.new(type="s", name="table"))
    take = maker.new_quest_using_commands(["take apple from chest"])
    deliver = maker.new_quest_using_commands(
        ["take apple from chest", "go east", "put apple on table"]
    )
    maker.quests = [take, deliver]
    folder = tmp_path_factory.mktemp("handmade")
    return Path(maker.compile(str(folder / "handmade.z8")))


@pytest.fixture()
def handmade_task(handmade_game: Path) -> Task:
    return Task(id="handmade", env_id="textworld", metadata={"game_file": str(handmade_game)})
