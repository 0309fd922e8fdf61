"""`agentrl play`: a person plays an env in the terminal."""

from __future__ import annotations

import typer

from agentrl.core.registry import make


def play_in_terminal(env_id: str, *, split: str, task_index: int, seed: int) -> None:
    """Play task ``task_index`` (modulo the split's size) of env ``env_id`` from stdin.

    Stops when the episode ends, on 'quit' / 'exit' or at end of input; closes the env.
    `typer.BadParameter` if ``split`` has no tasks.
    """
    env = make(env_id)
    try:
        tasks = env.tasks(split)
        if not tasks:
            raise typer.BadParameter(f"split {split!r} of {env_id} has no tasks")
        task = tasks[task_index % len(tasks)]
        observation = env.reset(task, seed=seed)
        typer.secho(f"[{env_id}] task {task.id}: {task.instruction}", bold=True)
        total, turn = 0.0, 0
        while True:
            typer.echo("\n" + observation.text)
            if observation.available_actions:
                typer.secho("actions: " + " | ".join(observation.available_actions[:40]),
                            fg=typer.colors.CYAN)
            try:
                action = input("> ")
            except EOFError:
                break
            if action.strip() in {"quit", "exit"}:
                break
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
    finally:
        env.close()
