"""Recipes and preflight: every user mistake is a RecipeError naming the key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from agentrl.core import registry
from agentrl.core.types import Task
from agentrl.environments.toy.corridor import CorridorEnv
from agentrl.run.preflight import check_recipe
from agentrl.run.recipe import Recipe, RecipeError, apply_overrides, load_recipe

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
    with pytest.raises(RecipeError, match=r"algorithm.entropy='max'; allowed: none, epo, plain"):
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
    with pytest.raises(RecipeError, match=r"advantage 'grpo' \(with these advantage_options\) "
                                          r"uses no critic; estimators with one: gae, .*spa"):
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


def test_a_recipe_file_must_name_its_env_but_a_dict_need_not(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text("")
    with pytest.raises(RecipeError, match=r"recipe '.*r\.yaml' is empty: .*env\.id"):
        load_recipe(path)
    assert load_recipe(path, ["env.id=toy/chain"]).env.id == "toy/chain"
    path.write_text("optim: {lrr: 1}\n")  # a typo is named before the missing env.id
    with pytest.raises(RecipeError, match=r"unknown key 'optim\.lrr'"):
        load_recipe(path)
    assert load_recipe({"seed": 3}).env.id == "textworld"  # the Python API keeps defaults


def test_an_override_can_fill_an_optional_section_left_unset() -> None:
    resolved = load_recipe(TOY).model_dump()  # what a run's recipe.yaml holds: lora: null
    assert resolved["policy"]["lora"] is None
    assert load_recipe(resolved, ["policy.lora.r=4"]).policy.lora.r == 4


@pytest.mark.parametrize("name", ["../x", "/abs", "a/b", "a\\b", ".", "..", "  "])
def test_a_run_name_is_one_folder(name: str) -> None:
    with pytest.raises(RecipeError, match=r"name=.*one folder under logging\.run_dir"):
        load_recipe(TOY, [f"name={name!r}"] if name.strip() else ["name='  '"])
    assert load_recipe(TOY, ["name=run-2.b_c"]).name == "run-2.b_c"


def _model_folder(root: Path, context: int) -> Path:
    from transformers import LlamaConfig

    folder = root / "my-model"
    LlamaConfig(max_position_embeddings=context).save_pretrained(folder)
    return folder


def test_max_new_tokens_must_fit_a_local_models_context(tmp_path: Path) -> None:
    folder = _model_folder(tmp_path, 128)
    with pytest.raises(RecipeError, match=r"rollout\.sampling\.max_new_tokens=128 does not fit "
                                          r"the context of policy\.model=.*my-model', 128 tokens"):
        check_recipe(load_recipe(TOY, [f"policy.model={folder}",
                                       "rollout.sampling.max_new_tokens=128"]))
    with pytest.raises(RecipeError, match=r"eval\.max_new_tokens=4096 does not fit .*4096 tok"):
        _check("eval.max_new_tokens=4096")  # tiny:llama
    _check("eval.max_new_tokens=4095")


def test_a_model_folder_without_config_is_refused(tmp_path: Path) -> None:
    (tmp_path / "weights-only").mkdir()
    with pytest.raises(RecipeError, match=r"model folder '.*weights-only' has no config\.json"):
        _check(f"policy.model={tmp_path / 'weights-only'}")


def test_a_hub_id_resolves_from_the_local_cache_only(tmp_path: Path, monkeypatch) -> None:
    from huggingface_hub import constants

    # the cache layout huggingface_hub writes: models--ORG--NAME/{refs/main,snapshots/REV/}
    repo = tmp_path / "models--some-org--some-model"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text("abc123")
    _model_folder(repo / "snapshots", 256).rename(repo / "snapshots" / "abc123")
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path))
    with pytest.raises(RecipeError, match=r"max_new_tokens=300 does not fit .*256 tokens"):
        _check("policy.model=some-org/some-model", "rollout.sampling.max_new_tokens=300")
    with pytest.raises(RecipeError, match=re.escape(f"{tmp_path} has no config.json for it); "
                                                    "models are not downloaded during a run")):
        _check("policy.model=some-org/other-model")


def test_eval_num_tasks_may_not_exceed_the_split() -> None:
    _check("eval.num_tasks=8")  # toy/corridor's heldout split: 8 tasks
    with pytest.raises(RecipeError, match=r"eval\.num_tasks=9 is more than the 8 tasks of "
                                          r"split 'heldout' of toy/corridor; set "
                                          r"eval\.num_tasks=8"):
        _check("eval.num_tasks=9")


def test_an_env_that_raises_while_built_is_named_with_its_kwargs() -> None:
    with pytest.raises(RecipeError, match=r"env\.id='toy/corridor' \(env\.kwargs=\{'mx': 1\}\): "
                                          r"building toy/corridor raised TypeError: .*'mx'"):
        _check("env.kwargs={mx: 1}")


def test_policy_device_must_be_a_torch_device_and_cuda_must_exist() -> None:
    import torch

    with pytest.raises(RecipeError, match=r"policy\.device='tpu': not a torch device"):
        load_recipe(TOY, ["policy.device=tpu"])
    if not torch.cuda.is_available():
        with pytest.raises(RecipeError, match=r"policy\.device='cuda', but this torch sees no "
                                              r"CUDA GPU"):
            _check("policy.device=cuda")


def test_every_recipe_field_has_a_description() -> None:
    """The site's recipe reference is generated from these descriptions; a section (a nested
    model) is described by its class docstring instead."""
    import typing

    from pydantic import BaseModel

    from agentrl.run.recipe import Recipe

    missing: list[str] = []

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, field in model.model_fields.items():
            sections = [t for t in (field.annotation, *typing.get_args(field.annotation))
                        if isinstance(t, type) and issubclass(t, BaseModel)]
            if sections:
                for section in sections:
                    assert section.__doc__, f"{prefix}{name}: {section.__name__} has no docstring"
                    walk(section, f"{prefix}{name}.")
            elif not field.description:
                missing.append(prefix + name)

    walk(Recipe, "")
    assert not missing, f"recipe fields without a description: {missing}"
