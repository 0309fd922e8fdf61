"""The env registry: register / make / registered, "module:Class" ids, entry-point discovery."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from agentrl.core import registry
from agentrl.core.registry import UnknownEnvError, make, register, registered
from agentrl.environments.toy.corridor import CorridorEnv


@pytest.fixture
def clean_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty registry that skips discovery (restored after the test)."""
    monkeypatch.setattr(registry, "_REGISTRY", {})
    monkeypatch.setattr(registry, "_discovered", True)


def test_register_and_make_with_defaults_and_overrides(clean_registry: None) -> None:
    register("short-corridor", CorridorEnv, max_turns=3)
    assert registered() == ["short-corridor"]
    env = make("short-corridor")
    assert isinstance(env, CorridorEnv) and env.spec.max_turns == 3
    assert make("short-corridor", max_turns=5).spec.max_turns == 5


def test_string_entry_point_is_resolved_on_make(clean_registry: None) -> None:
    register("lazy", "agentrl.environments.toy.corridor:CorridorEnv", tasks_per_split=2)
    assert len(make("lazy").tasks("train")) == 2


def test_registering_an_id_again_replaces_it(clean_registry: None) -> None:
    register("x", CorridorEnv, max_turns=2)
    register("x", CorridorEnv, max_turns=4)
    assert registered() == ["x"]
    assert make("x").spec.max_turns == 4


def test_unknown_id_lists_the_registered_ones(clean_registry: None) -> None:
    register("b-env", CorridorEnv)
    register("a-env", CorridorEnv)
    with pytest.raises(UnknownEnvError) as caught:
        make("c-env")
    assert str(caught.value) == "env 'c-env' is not registered; registered: a-env, b-env"


def test_module_class_path_makes_an_unregistered_env(clean_registry: None) -> None:
    env = make("agentrl.environments.toy.corridor:CorridorEnv", max_turns=6)
    assert isinstance(env, CorridorEnv) and env.spec.max_turns == 6
    assert registered() == []


def test_bad_entry_point_string_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="must look like 'package.module:ClassName'"):
        registry.resolve_entry_point("agentrl.environments.toy.corridor")


def test_builtin_corridor_is_made_by_id() -> None:
    assert isinstance(make("toy/corridor"), CorridorEnv)


def test_entry_point_group_discovers_a_separate_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "plugin_envs_for_test.py").write_text(
        textwrap.dedent(
            """
            from agentrl.environments.toy.corridor import CorridorEnv

            class LongCorridor(CorridorEnv):
                def __init__(self) -> None:
                    super().__init__(max_turns=50)
            """
        )
    )
    dist_info = tmp_path / "plugin_envs_for_test-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: plugin-envs-for-test\nVersion: 1.0\n"
    )
    (dist_info / "entry_points.txt").write_text(
        "[agentrl.envs]\nplugin/long-corridor = plugin_envs_for_test:LongCorridor\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(registry, "_REGISTRY", {})
    monkeypatch.setattr(registry, "_discovered", False)
    monkeypatch.setattr(registry, "_BUILTIN_FAMILIES", {})
    register("plugin/explicit", CorridorEnv)
    assert registered() == ["plugin/explicit", "plugin/long-corridor"]
    assert make("plugin/long-corridor").spec.max_turns == 50


def test_explicit_registration_wins_over_an_entry_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dist_info = tmp_path / "shadow_envs_for_test-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: shadow-envs-for-test\nVersion: 1.0\n"
    )
    (dist_info / "entry_points.txt").write_text(
        "[agentrl.envs]\nshadowed = no_such_module_for_test:Nothing\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(registry, "_REGISTRY", {})
    monkeypatch.setattr(registry, "_discovered", False)
    monkeypatch.setattr(registry, "_BUILTIN_FAMILIES", {})
    register("shadowed", CorridorEnv, max_turns=2)
    assert make("shadowed").spec.max_turns == 2
