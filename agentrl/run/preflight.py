"""Everything about a recipe that can be checked before work starts is checked here."""

from __future__ import annotations

import inspect
import os
import sys
import typing
from collections.abc import Callable
from contextlib import suppress
from functools import partial
from typing import Any, Literal

import torch

from agentrl.core.env import Env
from agentrl.core.env_target import EnvBuildError, EnvTargetError, build_env
from agentrl.core.registry import env_class, make
from agentrl.core.registry_base import UnknownNameError
from agentrl.credit.registry import (
    advantage_needs,
    get_advantage,
    get_shaping,
    list_advantages,
    list_shapings,
    shaping_needs,
)
from agentrl.policy.backends import backend_problems, needs_local_model
from agentrl.policy.resolve import ModelResolutionError, check_resolvable, context_length
from agentrl.rollout.env_workers import env_worker_problems, resolve_env_workers, wrap_env_factory
from agentrl.run.recipe import Recipe, RecipeError
from agentrl.update.entropy import list_entropy_terms


def env_workers(recipe: Recipe) -> str:
    """``rollout.env_workers`` with ``auto`` resolved for the recipe's env
    (`agentrl.rollout.env_workers.resolve_env_workers`)."""
    return resolve_env_workers(recipe.rollout.env_workers, env_class(recipe.env.id))


def env_factory(recipe: Recipe, *, timeout_s: float | None = None) -> Callable[[], Env]:
    """A factory of the recipe's env, each living where `env_workers` says."""
    base = partial(make, recipe.env.id, **recipe.env.kwargs)
    return wrap_env_factory(base, recipe.rollout, env_workers(recipe), timeout_s=timeout_s)


def check_recipe(recipe: Recipe) -> Env:
    """Raise `RecipeError` naming the key for anything wrong; return a built env."""
    _check_names(recipe)
    if needs_local_model(recipe.policy.backend):  # a remote model's name is the server's
        check_model(recipe)
    if problems := backend_problems(recipe.policy) + env_worker_problems(recipe.rollout):
        raise RecipeError("recipe: " + "; ".join(problems))
    try:
        env = build_env(recipe.env.id, kwargs=recipe.env.kwargs,
                        progress=partial(print, file=sys.stderr))
    except (EnvTargetError, EnvBuildError) as error:
        kwargs = f" (env.kwargs={recipe.env.kwargs})" if recipe.env.kwargs else ""
        raise RecipeError(f"recipe: env.id={recipe.env.id!r}{kwargs}: {error}") from None
    try:
        _check_splits(recipe, env)
        _check_requirements(recipe, env)
        _check_warm_start(recipe, env)
    except BaseException:
        with suppress(Exception):  # the check's error is the one to show
            env.close()
        raise
    return env


def check_model(recipe: Recipe) -> None:
    """`RecipeError` unless the model is there (looked for offline), on a device this
    machine has, with a context that holds the longest reply asked for."""
    model = recipe.policy.model
    try:
        check_resolvable(model)
    except ModelResolutionError as error:
        raise RecipeError(f"recipe: policy.model={model!r}: {error}") from None
    _check_device(recipe.policy.device)
    if (context := context_length(model)) is None:
        return
    for key, tokens in (("rollout.sampling.max_new_tokens",
                         recipe.rollout.sampling.max_new_tokens),
                        ("eval.max_new_tokens", recipe.eval.max_new_tokens)):
        if tokens is not None and tokens >= context:
            raise RecipeError(
                f"recipe: {key}={tokens} does not fit the context of policy.model={model!r}, "
                f"{context} tokens, which must hold the prompt as well as the reply; "
                f"ask for fewer than {context} new tokens"
            )


def _check_device(name: str) -> None:
    """A CUDA device must exist here (the rest of torch's device names are its business)."""
    device = torch.device(name)
    if device.type != "cuda":
        return
    if not torch.cuda.is_available():
        raise RecipeError(f"recipe: policy.device={name!r}, but this torch sees no CUDA GPU "
                          f"(torch {torch.__version__}, built for CUDA "
                          f"{torch.version.cuda or 'none'}); use policy.device=cpu")
    if device.index is not None and device.index >= torch.cuda.device_count():
        raise RecipeError(f"recipe: policy.device={name!r}, but this machine has "
                          f"{torch.cuda.device_count()} CUDA GPU(s), numbered from 0")


def _check_splits(recipe: Recipe, env: Env) -> None:
    """Both splits exist and have tasks; the eval split has the tasks eval.num_tasks asks."""
    for key, split in (("env.train_split", recipe.env.train_split),
                       ("eval.split", recipe.eval.split)):
        if split not in env.spec.splits:
            raise RecipeError(
                f"recipe: {key}={split!r} is not a split of {recipe.env.id}; "
                f"splits: {', '.join(env.spec.splits)}"
            )
        if not env.tasks(split):
            raise RecipeError(f"recipe: {key}={split!r}: the split has no tasks")
    available = len(env.tasks(recipe.eval.split))
    if recipe.eval.num_tasks > available:
        raise RecipeError(
            f"recipe: eval.num_tasks={recipe.eval.num_tasks} is more than the {available} "
            f"tasks of split {recipe.eval.split!r} of {recipe.env.id}; set "
            f"eval.num_tasks={available} (or fewer), or evaluate on a larger split"
        )


def _check_names(recipe: Recipe) -> None:
    algorithm = recipe.algorithm
    if algorithm.advantage not in list_advantages():
        raise RecipeError(
            f"recipe: algorithm.advantage={algorithm.advantage!r} is not registered; "
            f"registered: {', '.join(list_advantages())}"
        )
    for name in algorithm.shaping:
        if name not in list_shapings():
            raise RecipeError(
                f"recipe: algorithm.shaping contains {name!r}, which is not registered; "
                f"registered: {', '.join(list_shapings())}"
            )
    _check_options("algorithm.advantage_options", algorithm.advantage,
                   get_advantage(algorithm.advantage), algorithm.advantage_options)
    needs = advantage_needs(algorithm.advantage, algorithm.advantage_options)
    if algorithm.critic_options:
        from agentrl.credit.critic import Critic

        if needs.values is None:
            with_critic = [name for name in list_advantages() if advantage_needs(name).values]
            raise RecipeError(f"recipe: algorithm.critic_options: advantage "
                              f"{algorithm.advantage!r} (with these advantage_options) uses no "
                              f"critic; estimators with one: {', '.join(with_critic)}")
        for fixed, source in (("level", "algorithm.advantage_options.level"), ("seed", "seed")):
            if fixed in algorithm.critic_options:
                raise RecipeError(f"recipe: algorithm.critic_options.{fixed}: set by {source}")
        _check_options("algorithm.critic_options", "critic", Critic.__init__,
                       algorithm.critic_options, fixed=("level", "seed"))
    for name, options in algorithm.shaping_options.items():
        if name not in algorithm.shaping:
            raise RecipeError(
                f"recipe: algorithm.shaping_options.{name}: {name!r} is not in algorithm.shaping "
                f"({', '.join(algorithm.shaping) or 'empty'})"
            )
        _check_options(f"algorithm.shaping_options.{name}", name, get_shaping(name), options)
    if algorithm.entropy not in list_entropy_terms():
        raise RecipeError(f"recipe: algorithm.entropy={algorithm.entropy!r}; allowed: "
                          f"{', '.join(list_entropy_terms())}")
    if recipe.trainer.iterations and recipe.optim.micro_batch_size > recipe.optim.minibatch_size:
        raise RecipeError(
            f"recipe: optim.micro_batch_size={recipe.optim.micro_batch_size} is larger than "
            f"optim.minibatch_size={recipe.optim.minibatch_size}"
        )
    _check_group_size(recipe)


def _check_group_size(recipe: Recipe) -> None:
    """Each method's declared smallest group (`Needs.group_size`) fits rollout.group_size."""
    algorithm = recipe.algorithm
    declared = [(algorithm.advantage, advantage_needs(algorithm.advantage,
                                                      algorithm.advantage_options))]
    declared += [(name, shaping_needs(name, algorithm.shaping_options.get(name, {})))
                 for name in algorithm.shaping]
    for name, needs in declared:
        if needs.group_size > recipe.rollout.group_size:
            raise RecipeError(
                f"recipe: rollout.group_size={recipe.rollout.group_size}: "
                f"{name} compares rollouts of a group; use at least {needs.group_size}"
            )


def _check_options(key: str, name: str, fn: Callable[..., Any], options: dict[str, Any],
                   fixed: tuple[str, ...] = ("context",)) -> None:
    """Each option must be a keyword of ``fn`` (registered as ``name``) other than the
    ``fixed`` ones the trainer sets, and a ``Literal`` option one of its values."""
    parameters = inspect.signature(fn).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return
    allowed = [option for option, p in parameters.items()
               if p.kind is inspect.Parameter.KEYWORD_ONLY and option not in fixed]
    try:
        hints = typing.get_type_hints(fn)
    except (NameError, TypeError):  # an annotation that cannot be resolved: names only
        hints = {}
    for option, value in options.items():
        if option not in allowed:
            raise RecipeError(f"recipe: {key}.{option}: {name} has no such option; "
                              f"options: {', '.join(allowed) or 'none'}")
        choices = typing.get_args(hints.get(option)) \
            if typing.get_origin(hints.get(option)) is Literal else ()
        if choices and value not in choices:
            raise RecipeError(f"recipe: {key}.{option}={value!r}; allowed: "
                              f"{', '.join(map(str, choices))}")


def _check_warm_start(recipe: Recipe, env: Env) -> None:
    """A warm start needs an expert: `Env.demonstration` must answer for the train tasks."""
    if not recipe.warm_start.steps:
        return
    first = env.tasks(recipe.env.train_split)[0]
    if env.demonstration(first) is None:
        raise RecipeError(
            f"recipe: warm_start.steps={recipe.warm_start.steps}: env {recipe.env.id!r} gives "
            f"no expert demonstration for its {recipe.env.train_split!r} tasks "
            "(Env.demonstration returns None); set warm_start.steps=0 or implement it"
        )


def _check_requirements(recipe: Recipe, env: Env) -> None:
    """What the methods declared they need (ground truth, a varying state_key) is there."""
    try:
        from agentrl.credit.advantages.requirements import unmet_requirements
    except ImportError:
        return
    names = [recipe.algorithm.advantage, *recipe.algorithm.shaping]
    try:
        problems = unmet_requirements(names, env, recipe.env.train_split)
    except UnknownNameError as error:
        raise RecipeError(f"recipe: {error}") from None
    if problems:
        raise RecipeError("recipe: " + "; ".join(problems))


def check_trainable(recipe: Recipe) -> None:
    """`RecipeError` when the recipe's sampling backend cannot be trained (``openai``)."""
    if not needs_local_model(recipe.policy.backend):
        raise RecipeError(
            f"recipe: policy.backend={recipe.policy.backend!r} samples from a remote endpoint "
            "that agentrl cannot train; use it with `agentrl eval` or `agentrl play --recipe`, "
            "or train with policy.backend 'hf' or 'vllm'"
        )
    _check_async(recipe)


def _check_async(recipe: Recipe) -> None:
    """``trainer.mode: async`` runs in one process: refused over several ranks (torchrun's
    ``WORLD_SIZE``), never turned into a synchronous run silently."""
    ranks = int(os.environ.get("WORLD_SIZE", "1"))
    if recipe.trainer.mode == "async" and ranks > 1:
        raise RecipeError(
            f"recipe: trainer.mode='async' with {ranks} ranks is not supported: the async "
            "loop keeps one sampler, buffer and version clock in one process. Run it in one "
            "process, or use trainer.mode='sync' with several ranks")
