"""`agentrl play`: a person plays an env in the terminal, or a recipe's policy plays it."""

from __future__ import annotations

import base64
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import typer

from agentrl.core.env import Env
from agentrl.core.env_target import EnvBuildError, EnvTargetError, build_env
from agentrl.core.types import Observation, Trajectory


def save_screenshots(observation: Observation, folder: Path, turn: int) -> list[Path]:
    """Write the observation's images as PNG files for a person to open; their paths."""
    paths = []
    if observation.images:
        folder.mkdir(parents=True, exist_ok=True)
    for index, image in enumerate(observation.images):
        path = folder / f"turn{turn:02d}-{index}.png"
        path.write_bytes(base64.b64decode(image))
        paths.append(path)
    return paths


class PlayError(RuntimeError):
    """`agentrl play` cannot go on: the env cannot be found or built, or it raised; the
    message names the env, the call and the cause."""


def open_env(env_id: str, **kwargs: Any) -> Env:
    """Build ``env_id`` for play (a long construction is announced on stderr); `PlayError`
    when it names nothing, is not an env or its constructor raises."""
    try:
        return build_env(env_id, kwargs=kwargs, progress=partial(typer.echo, err=True))
    except (EnvTargetError, EnvBuildError) as error:
        raise PlayError(f"play {env_id}: {error}") from None


@contextmanager
def env_calls(env_id: str, env: Env) -> Iterator[list[str]]:
    """Close ``env`` at the end; an exception raised by the env inside (the block keeps the
    current call's name in ``stage[0]``) becomes one `PlayError`, and a failing
    ``close()`` after it is not allowed to hide it."""
    stage = ["tasks()"]
    failed = False
    try:
        yield stage
    except (typer.BadParameter, PlayError):
        failed = True
        raise
    except Exception as error:  # noqa: BLE001 - the env's own code raised
        failed = True
        raise PlayError(f"play: env {env_id} raised {type(error).__name__} in "
                        f"{stage[0]}: {error}") from None
    finally:
        try:
            env.close()
        except Exception as error:  # noqa: BLE001 - reported unless an earlier error is
            if not failed:
                raise PlayError(f"play: env {env_id} raised {type(error).__name__} in "
                                f"close(): {error}") from None


def play_in_terminal(env_id: str, *, split: str, task_index: int, seed: int,
                     kwargs: dict[str, Any] | None = None) -> None:
    """Play task ``task_index`` (modulo the split's size) of env ``env_id``, built with
    ``kwargs``, from stdin.

    Stops when the episode ends, on 'quit' / 'exit' or at end of input; closes the env.
    `typer.BadParameter` if ``split`` has no tasks; `PlayError` when the env cannot be
    built or raises.
    """
    env = open_env(env_id, **(kwargs or {}))
    with env_calls(env_id, env) as stage:
        tasks = env.tasks(split)
        if not tasks:
            raise typer.BadParameter(f"split {split!r} of {env_id} has no tasks")
        task = tasks[task_index % len(tasks)]
        stage[0] = "reset()"
        observation = env.reset(task, seed=seed)
        typer.secho(f"[{env_id}] task {task.id}: {task.instruction}", bold=True)
        total, turn = 0.0, 0
        folder = Path(tempfile.gettempdir()) / f"agentrl-play-{os.getpid()}"
        while True:
            show_observation(observation, folder, turn)
            try:
                action = input("> ")
            except EOFError:
                break
            if action.strip() in {"quit", "exit"}:
                break
            stage[0] = f"step({action!r})"
            result = env.step(action)
            turn += 1
            total += result.reward
            observation = result.observation
            valid = result.info.get("action_valid", True)
            typer.secho(f"reward {result.reward:+.3f} (total {total:.3f})"
                        + ("" if valid else "  [invalid action]"), fg=typer.colors.YELLOW)
            if result.terminated or result.truncated:
                typer.echo("\n" + observation.text)
                outcome = "success" if result.info.get("success") else "episode over"
                typer.secho(f"{outcome} after {turn} turns, total reward {total:.3f}", bold=True)
                break


def show_observation(observation: Observation, folder: Path, turn: int) -> None:
    """Print an observation: its text, where its screenshots were saved, its actions."""
    typer.echo("\n" + observation.text)
    for path in save_screenshots(observation, folder, turn):
        typer.secho(f"screenshot: {path}", fg=typer.colors.GREEN)
    if observation.available_actions:
        typer.secho("actions: " + " | ".join(observation.available_actions[:40]),
                    fg=typer.colors.CYAN)


def play_with_recipe(recipe_path: str, overrides: list[str], *, env_id: str, split: str,
                     task_index: int, seed: int,
                     kwargs: dict[str, Any] | None = None) -> Trajectory:
    """The recipe's policy (any ``policy.backend``: hf, vllm, openai) plays one episode of
    task ``task_index`` of ``env_id`` (the recipe's env kwargs apply when it names the same
    env, updated by ``kwargs``); each turn is printed: observation, reply, action, reward.
    Returns the trajectory (errored, with its error, when the policy or env failed)."""
    from agentrl.policy.backends import needs_local_model
    from agentrl.rollout.runner import RolloutRunner
    from agentrl.run.loop import load_policy, load_sampler
    from agentrl.run.preflight import check_model, env_factory
    from agentrl.run.recipe import load_recipe

    recipe = load_recipe(recipe_path, overrides)
    if recipe.env.id != env_id:
        recipe = recipe.model_copy(update={"env": recipe.env.model_copy(
            update={"id": env_id, "kwargs": {}})})
    if kwargs:
        recipe = recipe.model_copy(update={"env": recipe.env.model_copy(
            update={"kwargs": {**recipe.env.kwargs, **kwargs}})})
    env = open_env(env_id, **recipe.env.kwargs)
    with env_calls(env_id, env):
        tasks = env.tasks(split)
        if not tasks:
            raise typer.BadParameter(f"split {split!r} of {env_id} has no tasks")
        task = tasks[task_index % len(tasks)]
    if needs_local_model(recipe.policy.backend):
        check_model(recipe)
    policy = load_policy(recipe) if needs_local_model(recipe.policy.backend) else None
    sampler = load_sampler(recipe, policy)
    runner = RolloutRunner(env_factory(recipe, timeout_s=recipe.rollout.step_timeout_s),
                           sampler, recipe.rollout)
    try:
        trajectory = runner.run([task], group_size=1, seed=seed, progress=False)[0]
    finally:
        runner.close()
        sampler.close()
    typer.secho(f"[{env_id}] task {task.id}: {task.instruction}", bold=True)
    for number, turn in enumerate(trajectory.turns, 1):
        typer.echo(f"\n--- turn {number}\n{turn.observation.text}")
        typer.secho(f"reply: {turn.response}", fg=typer.colors.CYAN)
        typer.secho(f"action: {turn.action!r}  reward {turn.reward:+.3f}",
                    fg=typer.colors.YELLOW)
    if trajectory.errored:
        typer.secho(f"errored: {trajectory.error}", fg=typer.colors.RED)
    else:
        outcome = "success" if trajectory.success else "episode over"
        typer.secho(f"{outcome} after {len(trajectory.turns)} turns, outcome reward "
                    f"{trajectory.outcome_reward:.3f}", bold=True)
    return trajectory
