"""The env registry: register / make / registered, "module:Class" ids, entry-point discovery
(the entry forms of `agentrl.core.registry`: one env, a family module, a family pattern with a
registering function), lazy loading, missing families and preload declarations."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from agentrl.core import registry
from agentrl.core.registry import (
    UnknownEnvError,
    make,
    preload_modules,
    register,
    registered,
)
from agentrl.environments.toy.corridor import CorridorEnv


@pytest.fixture
def clean_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty registry with an empty entry-point group (restored after the test)."""
    fresh_registry(monkeypatch, entry_points=[])


def fresh_registry(monkeypatch: pytest.MonkeyPatch, entry_points: list | None = None) -> None:
    """A registry restored after the test. ``entry_points=[]``: nothing registered and an
    empty group. None: the group re-read from sys.path, the built-in families kept as loaded
    (their modules register when first imported, and this process imported them already)."""
    if entry_points is None:
        registered()
    keep = entry_points is None
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY) if keep else {})
    monkeypatch.setattr(registry, "_entry_points", entry_points)
    monkeypatch.setattr(registry, "_loaded", set(registry._loaded) if keep else set())
    monkeypatch.setattr(registry, "_failed", {})


def plugin_dist(root: Path, name: str, entries: str) -> None:
    """A minimal installed distribution under ``root`` declaring ``entries`` in agentrl.envs."""
    dist_info = root / f"{name}-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name.replace('_', '-')}\nVersion: 1.0\n")
    (dist_info / "entry_points.txt").write_text(f"[agentrl.envs]\n{entries}\n")


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
    assert str(caught.value) == (
        "env 'c-env' is not registered; no package declares the entry-point group "
        "'agentrl.envs' (is agentrl installed? pip install -e .); registered: a-env, b-env")


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
    plugin_dist(tmp_path, "plugin_envs_for_test",
                "plugin/long-corridor = plugin_envs_for_test:LongCorridor")
    monkeypatch.syspath_prepend(str(tmp_path))
    fresh_registry(monkeypatch)
    register("plugin/explicit", CorridorEnv)
    assert make("plugin/long-corridor").spec.max_turns == 50
    assert {"plugin/explicit", "plugin/long-corridor", "toy/corridor"} <= set(registered())


def test_explicit_registration_wins_over_an_entry_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plugin_dist(tmp_path, "shadow_envs_for_test", "shadowed = no_such_module_for_test:Nothing")
    monkeypatch.syspath_prepend(str(tmp_path))
    fresh_registry(monkeypatch)
    register("shadowed", CorridorEnv, max_turns=2)
    assert make("shadowed").spec.max_turns == 2


FAMILY = """
from agentrl.core.registry import register
from agentrl.environments.toy.corridor import CorridorEnv

CALLS = []

def register_envs():
    CALLS.append(1)
    for n in (2, 3):
        register(f"halls/{n}", CorridorEnv, max_turns=n, preload=["json", "no_such_mod"])
"""


def test_a_pattern_entry_registers_a_family_once_and_only_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "halls_family_for_test.py").write_text(FAMILY)
    plugin_dist(tmp_path, "halls_for_test", "halls/* = halls_family_for_test:register_envs")
    monkeypatch.syspath_prepend(str(tmp_path))
    fresh_registry(monkeypatch)
    assert "halls/*" not in registry._loaded and "halls/3" not in registry._REGISTRY
    assert make("halls/3").spec.max_turns == 3
    import halls_family_for_test

    make("halls/2")
    assert {"halls/2", "halls/3"} <= set(registered())
    assert halls_family_for_test.CALLS == [1]
    assert preload_modules().count("json") == 1 and "no_such_mod" in preload_modules()


def test_a_family_with_a_missing_dependency_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "needs_dep_for_test.py").write_text("import not_installed_dep_for_test\n")
    plugin_dist(tmp_path, "needs_dep_for_test", "needy/* = needs_dep_for_test")
    monkeypatch.syspath_prepend(str(tmp_path))
    fresh_registry(monkeypatch)
    with pytest.raises(UnknownEnvError) as caught:
        make("needy/one")
    message = str(caught.value)
    assert message.startswith("env 'needy/one' is not registered; its family is not available: "
                              "needy/*: needs_dep_for_test could not be imported")
    assert "not_installed_dep_for_test" in message and "toy/corridor" in message


def test_no_entry_points_at_all_points_at_the_install(monkeypatch: pytest.MonkeyPatch) -> None:
    fresh_registry(monkeypatch, entry_points=[])
    with pytest.raises(UnknownEnvError, match="is agentrl installed"):
        make("toy/corridor")


def test_preload_must_be_a_list_of_modules(clean_registry: None) -> None:
    with pytest.raises(TypeError, match="preload of 'x' must be a list of module names"):
        register("x", CorridorEnv, preload="json")
