"""rollout.env_workers: the recipe keys, their errors, and which wrapper each value picks
(no Ray started here: tests/rollout/test_ray_env_workers.py runs the real actors)."""

from __future__ import annotations

from functools import partial

import pytest

import agentrl
from agentrl.core.process_env import ProcessEnv
from agentrl.core.registry import env_class
from agentrl.rollout.env_workers import ENV_WORKERS, RayActorOptions, resolve_env_workers
from agentrl.run.preflight import check_recipe, env_factory, env_workers
from agentrl.run.recipe import RecipeError, load_recipe

TOY = {"env": {"id": "toy/corridor"}, "policy": {"model": "tiny:llama"}}


def test_old_env_executor_key_names_its_replacement() -> None:
    with pytest.raises(RecipeError, match=r"^recipe: env\.executor is now rollout\.env_workers "
                                          r"\(auto \| threads \| processes \| ray\)$"):
        load_recipe({"env": {"id": "textworld", "executor": "process"}})
    with pytest.raises(RecipeError, match=r"env\.executor is now rollout\.env_workers"):
        load_recipe({}, ["env.executor=thread"])  # an override is caught the same way


def test_unknown_env_workers_value_lists_the_allowed_ones() -> None:
    with pytest.raises(RecipeError) as error:
        load_recipe({"rollout": {"env_workers": "thread"}})
    assert "rollout.env_workers='thread'" in str(error.value)
    assert "'auto', 'threads', 'processes' or 'ray'" in str(error.value)


def test_ray_actor_options_are_checked_by_name_and_range() -> None:
    with pytest.raises(RecipeError, match=r"unknown key 'rollout\.ray_actor_options\.num_cpu'; "
                                          r"allowed here: num_cpus, num_gpus, memory"):
        load_recipe({"rollout": {"env_workers": "ray", "ray_actor_options": {"num_cpu": 1}}})
    with pytest.raises(RecipeError, match=r"rollout\.ray_actor_options\.num_cpus=-1"):
        load_recipe({"rollout": {"env_workers": "ray", "ray_actor_options": {"num_cpus": -1}}})
    recipe = load_recipe({"rollout": {"env_workers": "ray", "ray_address": "auto",
                                      "ray_actor_options": {"num_cpus": 0.5,
                                                            "resources": {"docker": 1}}}})
    assert recipe.rollout.ray_actor_options.ray_options() == {"num_cpus": 0.5,
                                                             "resources": {"docker": 1.0}}
    assert RayActorOptions().ray_options() == {}  # Ray's own defaults


def test_preflight_rejects_ray_keys_without_ray_workers() -> None:
    recipe = load_recipe({**TOY, "rollout": {"env_workers": "threads",
                                             "ray_actor_options": {"num_cpus": 0.5}}})
    with pytest.raises(RecipeError, match=r"rollout\.ray_actor_options is set but "
                                          r"rollout\.env_workers='threads'; it applies to 'ray'"):
        check_recipe(recipe)
    recipe = load_recipe({**TOY, "rollout": {"ray_address": "auto"}})
    with pytest.raises(RecipeError, match=r"rollout\.ray_address is set but "
                                          r"rollout\.env_workers='auto'"):
        check_recipe(recipe)
    check_recipe(load_recipe({**TOY, "rollout": {"env_workers": "ray"}})).close()


def test_auto_runs_native_engines_in_processes_and_the_rest_in_threads() -> None:
    assert resolve_env_workers("auto", env_class("textworld")) == "processes"
    assert resolve_env_workers("auto", env_class("toy/corridor")) == "threads"
    assert resolve_env_workers("ray", env_class("toy/corridor")) == "ray"
    assert env_workers(load_recipe({"env": {"id": "textworld"}})) == "processes"
    assert env_workers(load_recipe(TOY)) == "threads"
    assert set(ENV_WORKERS) == {"threads", "processes", "ray"}


def test_env_factory_wraps_the_env_where_env_workers_says() -> None:
    threads = env_factory(load_recipe({**TOY, "rollout": {"env_workers": "threads"}}))
    assert isinstance(threads, partial) and threads.func is agentrl.make
    assert threads.args == ("toy/corridor",) and threads.keywords == {}
    processes = env_factory(load_recipe({**TOY, "rollout": {"env_workers": "processes"}}),
                            timeout_s=7.0)
    assert isinstance(processes, partial) and processes.func is ProcessEnv
    assert processes.args[0].args == ("toy/corridor",) and processes.keywords == {"timeout_s": 7.0}
