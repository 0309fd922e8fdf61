"""Recipes and preflight: every user mistake is a RecipeError naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentrl.core import registry
from agentrl.core.types import Task
from agentrl.environments.toy.corridor import CorridorEnv
from agentrl.preflight import check_recipe
from agentrl.recipe import Recipe, RecipeError, apply_overrides, load_recipe

TOY = {"env": {"id": "toy/corridor"}, "policy": {"model": "tiny:llama"}}


def test_unknown_top_level_key_names_it_and_the_allowed_keys() -> None:
    with pytest.raises(RecipeError) as error:
        load_recipe({"nmae": "x"})
    message = str(error.value)
    assert "unknown key 'nmae'" in message
    assert "allowed here: name, seed, env, policy, rollout, algorithm, optim, trainer" in message


def test_unknown_nested_key_names_the_dotted_path() -> None:
    with pytest.raises(RecipeError) as error:
        load_recipe({"rollout": {"sampling": {"tempp": 0.5}}})
    message = str(error.value)
    assert "unknown key 'rollout.sampling.tempp'" in message
    assert "temperature, top_p, top_k, max_new_tokens, seed" in message


def test_wrong_type_names_key_and_value() -> None:
    with pytest.raises(RecipeError, match=r"recipe: optim\.lr='fast': "):
        load_recipe({"optim": {"lr": "fast"}})
    with pytest.raises(RecipeError, match=r"rollout\.group_size=0: .*greater than or equal to 1"):
        load_recipe({"rollout": {"group_size": 0}})


def test_overrides_parse_yaml_values() -> None:
    recipe = load_recipe(TOY, ["optim.lr=3e-4", "rollout.group_size=3", "name=x",
                               "algorithm.shaping=[format, gated]", "policy.lora.r=8"])
    assert recipe.optim.lr == 3e-4
    assert recipe.rollout.group_size == 3
    assert recipe.name == "x"
    assert recipe.algorithm.shaping == ["format", "gated"]
    assert recipe.policy.lora is not None and recipe.policy.lora.r == 8


def test_overrides_leave_the_source_dict_untouched() -> None:
    source = {"optim": {"lr": 0.1}}
    assert load_recipe(source, ["optim.lr=0.5"]).optim.lr == 0.5
    assert source == {"optim": {"lr": 0.1}}


def test_invalid_override_syntax() -> None:
    with pytest.raises(RecipeError, match="must look like dotted.key=value"):
        apply_overrides({}, ["optim.lr"])
    with pytest.raises(RecipeError, match="must look like dotted.key=value"):
        apply_overrides({}, ["=3"])
    with pytest.raises(RecipeError, match="'name' is not a section"):
        apply_overrides({"name": "x"}, ["name.first=y"])


def test_recipe_from_yaml_file_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text("env:\n  id: toy/corridor\nseed: 7\n")
    assert load_recipe(path).seed == 7
    with pytest.raises(RecipeError, match="does not exist"):
        load_recipe(tmp_path / "missing.yaml")
    path.write_text("- a list\n")
    with pytest.raises(RecipeError, match="must be a YAML mapping"):
        load_recipe(path)


def _check(*overrides: str) -> None:
    check_recipe(load_recipe(TOY, list(overrides))).close()


def test_preflight_accepts_a_good_recipe() -> None:
    recipe = load_recipe(TOY)
    env = check_recipe(recipe)
    assert env.spec.id == "toy/corridor"
    env.close()
    assert isinstance(recipe, Recipe)


def test_preflight_unknown_env_lists_registered_ids() -> None:
    with pytest.raises(RecipeError, match=r"env.id='nope'.*registered: .*toy/corridor"):
        _check("env.id=nope")


def test_preflight_unknown_advantage_lists_registered_ones() -> None:
    with pytest.raises(RecipeError, match=r"algorithm.advantage='sallt' is not registered; "
                                          r"registered: .*grpo.*salt"):
        _check("algorithm.advantage=sallt")


def test_preflight_unknown_shaping_and_entropy() -> None:
    with pytest.raises(RecipeError, match=r"'fromat', which is not registered; .*format"):
        _check("algorithm.shaping=[fromat]")
    with pytest.raises(RecipeError, match=r"algorithm.entropy='max'; allowed: none, plain, epo"):
        _check("algorithm.entropy=max")


def test_preflight_checks_estimator_and_shaping_options() -> None:
    with pytest.raises(RecipeError, match=r"algorithm.advantage_options.gama: gae has no such "
                                          r"option; options: gamma, lam, outcome, level"):
        _check("algorithm.advantage=gae", "algorithm.advantage_options={gama: 0.9}")
    with pytest.raises(RecipeError, match=r"algorithm.advantage_options.level='tokens'; "
                                          r"allowed: turn, token"):
        _check("algorithm.advantage=gae", "algorithm.advantage_options={level: tokens}")
    with pytest.raises(RecipeError, match=r"algorithm.shaping_options.gated.treshold: gated has "
                                          r"no such option"):
        _check("algorithm.shaping=[gated]", "algorithm.shaping_options={gated: {treshold: 1}}")
    with pytest.raises(RecipeError, match=r"algorithm.shaping_options.gated: 'gated' is not in "
                                          r"algorithm.shaping \(format\)"):
        _check("algorithm.shaping=[format]", "algorithm.shaping_options={gated: {threshold: 1}}")
    _check("algorithm.advantage=gae", "algorithm.advantage_options={gamma: 0.9, level: token}")


def test_preflight_checks_the_critic_options() -> None:
    with pytest.raises(RecipeError, match=r"algorithm.critic_options.lrr: critic has no such "
                                          r"option; options: hidden, lr, batch_size, fit_epochs$"):
        _check("algorithm.advantage=gae", "algorithm.critic_options={lrr: 0.1}")
    with pytest.raises(RecipeError, match=r"critic_options.level: set by "
                                          r"algorithm.advantage_options.level"):
        _check("algorithm.advantage=gae", "algorithm.critic_options={level: token}")
    with pytest.raises(RecipeError, match=r"only advantage 'gae' has a critic, not 'grpo'"):
        _check("algorithm.critic_options={lr: 0.1}")
    _check("algorithm.advantage=gae", "algorithm.critic_options={lr: 0.01, hidden: 8}")


def test_preflight_bad_split_names_the_splits() -> None:
    with pytest.raises(RecipeError, match=r"eval.split='test' is not a split of toy/corridor; "
                                          r"splits: train, valid, heldout"):
        _check("eval.split=test")
    with pytest.raises(RecipeError, match=r"env.train_split='dev'"):
        _check("env.train_split=dev")


def test_preflight_micro_batch_larger_than_minibatch() -> None:
    with pytest.raises(RecipeError, match=r"optim.micro_batch_size=8 is larger than "
                                          r"optim.minibatch_size=4"):
        _check("optim.micro_batch_size=8", "optim.minibatch_size=4")


def test_preflight_group_of_one_with_grpo() -> None:
    with pytest.raises(RecipeError, match=r"rollout.group_size=1: grpo compares rollouts"):
        _check("rollout.group_size=1")
    _check("rollout.group_size=1", "algorithm.advantage=reinforce++")


def test_preflight_unresolvable_model() -> None:
    with pytest.raises(RecipeError, match=r"policy.model='tiny:gpt9'.*unknown tiny architecture"):
        _check("policy.model=tiny:gpt9")
    with pytest.raises(RecipeError, match=r"policy.model='no-such-model'"):
        _check("policy.model=no-such-model")


def test_preflight_igpo_needs_ground_truth() -> None:
    with pytest.raises(RecipeError) as error:
        _check("algorithm.advantage=igpo")
    message = str(error.value)
    assert "igpo" in message and "ground" in message.lower()


def test_warm_start_is_off_by_default_and_an_unknown_key_is_named() -> None:
    assert load_recipe(TOY).warm_start.steps == 0
    with pytest.raises(RecipeError) as error:
        load_recipe({**TOY, "warm_start": {"steps": 4, "epochs": 2}})
    message = str(error.value)
    assert "unknown key 'warm_start.epochs'" in message
    assert "allowed here: steps, lr, batch_size, tasks" in message
    with pytest.raises(RecipeError, match=r"warm_start\.lr=0"):
        load_recipe({**TOY, "warm_start": {"lr": 0}})


class CorridorWithoutExpert(CorridorEnv):
    def demonstration(self, task: Task) -> list[str] | None:
        return None


def test_preflight_warm_start_needs_an_env_with_demonstrations(monkeypatch) -> None:
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    registry.register("test/no-expert", CorridorWithoutExpert)
    recipe = {"env": {"id": "test/no-expert"}, "policy": {"model": "tiny:llama"},
              "warm_start": {"steps": 2}}
    check_recipe(load_recipe(recipe, ["warm_start.steps=0"])).close()
    with pytest.raises(RecipeError, match=r"warm_start\.steps=2: env 'test/no-expert' gives no "
                       r"expert demonstration for its 'train' tasks"):
        check_recipe(load_recipe(recipe))
    check_recipe(load_recipe({**TOY, "warm_start": {"steps": 2}})).close()
