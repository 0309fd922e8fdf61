"""`agentrl inspect`: one trajectory, turn by turn, with rewards and advantages."""

from __future__ import annotations

from pathlib import Path

import typer

from agentrl.core.env_target import one_line
from agentrl.rollout.writer import read_trajectories


def _trajectory_file(path: Path) -> Path:
    if not path.exists():
        raise typer.BadParameter(f"{path} does not exist")
    if path.is_file():
        return path
    for name in ("samples.jsonl", "rollouts.jsonl", "eval_trajectories.jsonl"):
        if (path / name).exists():
            return path / name
    raise typer.BadParameter(f"{path} holds no samples.jsonl / rollouts.jsonl")


def show_trajectory(path: Path, index: int) -> None:
    """Print trajectory ``index`` (modulo their count) of ``path`` turn by turn.

    ``path`` is a JSONL file or a run folder holding samples.jsonl, rollouts.jsonl or
    eval_trajectories.jsonl; `typer.BadParameter` if there is none, it is empty or it
    holds something else.
    """
    source = _trajectory_file(path)
    try:
        trajectories = list(read_trajectories(source))
    except ValueError as error:  # not UTF-8, not JSON, not a Trajectory
        raise typer.BadParameter(f"{source} is not a trajectories file (JSON lines, one "
                                 f"trajectory each): {one_line(error, limit=300)}") from None
    if not trajectories:
        raise typer.BadParameter(f"{source} is empty")
    trajectory = trajectories[index % len(trajectories)]
    typer.secho(
        f"{source} [{index % len(trajectories)}/{len(trajectories)}] task {trajectory.task.id} "
        f"group {trajectory.group_id}: outcome {trajectory.outcome_reward:.3f}, "
        f"success {trajectory.success}, errored {trajectory.errored}",
        bold=True,
    )
    if trajectory.error:
        typer.secho(f"error: {trajectory.error}", fg=typer.colors.RED)
    typer.echo(f"instruction: {trajectory.task.instruction}")
    for number, turn in enumerate(trajectory.turns):
        # with per-token advantages (REINFORCE++'s KL, token-level GAE) this is their mean
        advantage = "-" if turn.advantage is None else f"{turn.advantage:+.4f}"
        valid = turn.info.get("action_valid", True)
        typer.secho(f"\n-- turn {number}  state {turn.state_key[:8]}  reward {turn.reward:+.3f}  "
                    f"advantage {advantage}" + ("" if valid else "  [invalid]"),
                    fg=typer.colors.CYAN)
        typer.echo(f"obs: {turn.observation.text[:300]}")
        typer.echo(f"reply: {turn.response[:300]}")
        typer.echo(f"action: {turn.action}")
        credit = [f"{label} {turn.info[key]:+.4f}" for key, label in
                  (("value", "critic value"), ("kl", "KL to reference")) if key in turn.info]
        if credit:
            typer.echo("credit: " + ", ".join(credit))
        components = turn.info.get("reward_components")
        if components:
            typer.echo("reward parts: " + ", ".join(f"{k}={v}" for k, v in components.items()))
