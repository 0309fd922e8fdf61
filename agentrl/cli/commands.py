"""The `agentrl` command: train, eval, compare, view, credit-report, envs, play, check-env,
inspect, report."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated

import typer

from agentrl.cli.credit import credit_report_command
from agentrl.cli.env_kwargs import EnvKwargs, parse_env_kwargs

app = typer.Typer(
    help="Train LLM agents with reinforcement learning on multi-turn tasks.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

Overrides = Annotated[
    list[str] | None, typer.Argument(help="Recipe overrides: dotted.key=value …")
]


def _fail(message: str) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(2)


@app.command()
def train(
    recipe: Annotated[Path, typer.Argument(help="Recipe YAML file.")],
    overrides: Overrides = None,
    nproc: Annotated[int, typer.Option(
        min=1, help="Ranks on this machine (data parallel; launches torchrun). Several "
        "machines: torchrun --nnodes … -m agentrl train RECIPE.")] = 1,
) -> None:
    """Train with a recipe; resumes from the run's last checkpoint if there is one."""
    if nproc > 1:
        from agentrl.parallel import launch

        raise typer.Exit(launch(nproc, ["train", str(recipe), *(overrides or [])]))
    from torch.distributed.elastic.multiprocessing.errors import record

    from agentrl.run.errors import RunFolderError
    from agentrl.run.loop import train as run_training
    from agentrl.run.recipe import RecipeError

    try:
        record(run_training)(recipe, overrides or [])  # under torchrun: error in its summary
    except (RecipeError, RunFolderError) as error:
        _fail(str(error))


@app.command("eval")
def evaluate(
    recipe: Annotated[Path, typer.Argument(help="Recipe YAML file.")],
    overrides: Overrides = None,
    checkpoint: Annotated[
        Path | None, typer.Option(help="Checkpoint folder; the run's latest when omitted.")
    ] = None,
) -> None:
    """Evaluate the recipe's policy on its eval split (success rate with a 95 % CI)."""
    from agentrl.run.errors import RunFolderError
    from agentrl.run.loop import eval_only
    from agentrl.run.recipe import RecipeError

    try:
        result = eval_only(recipe, overrides or [], checkpoint)
    except (RecipeError, RunFolderError) as error:
        _fail(str(error))
        return
    from agentrl.eval.tables import eval_tables

    typer.echo(
        f"{result.split}: success {result.success_rate:.1%} "
        f"(95% CI {result.ci_low:.1%}-{result.ci_high:.1%}) over {result.episodes} episodes"
    )
    typer.echo("\n".join(eval_tables(result)))


@app.command()
def compare(
    run_a: Annotated[Path, typer.Argument(help="Run folder or eval.json (A, the baseline).")],
    run_b: Annotated[Path, typer.Argument(help="Run folder or eval.json (B).")],
    json_out: Annotated[Path | None, typer.Option(
        "--json", help="Also write the comparison as JSON here.")] = None,
) -> None:
    """Compare two evals on the same tasks, paired: B − A success with a paired bootstrap
    CI and McNemar's test, overall and per category."""
    from agentrl.eval.compare import CompareError, compare_results, format_comparison, load_eval

    try:
        comparison = compare_results(load_eval(run_a), load_eval(run_b),
                                     name_a=run_a.name, name_b=run_b.name)
    except CompareError as error:
        _fail(f"compare: {error}")
        return
    typer.echo(format_comparison(comparison))
    if json_out is not None:
        json_out.write_text(comparison.model_dump_json(indent=2))


@app.command()
def view(
    run_dir: Annotated[Path, typer.Argument(help="Run folder.")],
    port: Annotated[int, typer.Option(help="Port to serve on (0: any free one).")] = 8765,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
) -> None:
    """Serve a local web page over a run: learning curves, eval tables, trajectories by
    group side by side, with filters (Ctrl-C stops)."""
    from agentrl.eval.viewer import make_server

    try:
        server = make_server(run_dir, host=host, port=port)
    except (FileNotFoundError, OSError) as error:
        _fail(f"view: {error}")
        return
    typer.echo(f"viewing {run_dir} at http://{host}:{server.server_address[1]}/  (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@app.command()
def envs() -> None:
    """List the registered environments."""
    from agentrl.core.registry import registered

    for env_id in registered():
        typer.echo(env_id)


@app.command()
def play(
    env_id: Annotated[str, typer.Argument(help="Registered env id or module:Class.")],
    split: Annotated[str, typer.Option(help="Task split.")] = "train",
    task: Annotated[int, typer.Option(help="Task index in the split.")] = 0,
    seed: Annotated[int, typer.Option(help="Reset seed.")] = 0,
    recipe: Annotated[Path | None, typer.Option(
        help="Let this recipe's policy play (e.g. policy.backend=openai) instead of you.")] = None,
    overrides: Overrides = None,
    kwarg: EnvKwargs = None,
) -> None:
    """Play an env yourself in the terminal (type 'quit' to stop), or watch a recipe's
    policy play one episode (``--recipe R.yaml [dotted.key=value …]``)."""
    from agentrl.cli.play import PlayError, play_in_terminal, play_with_recipe
    from agentrl.run.recipe import RecipeError

    try:
        kwargs = parse_env_kwargs(kwarg)
        if recipe is None:
            play_in_terminal(env_id, split=split, task_index=task, seed=seed, kwargs=kwargs)
        else:
            play_with_recipe(str(recipe), overrides or [], env_id=env_id, split=split,
                             task_index=task, seed=seed, kwargs=kwargs)
    except (PlayError, RecipeError) as error:
        _fail(str(error))


@app.command("check-env")
def check_env(
    target: Annotated[str, typer.Argument(help="Registered env id or module:Class (the "
                                          "module is looked for in the current directory "
                                          "first, then on the Python path).")],
    isolate: Annotated[bool, typer.Option(
        help="Run the env in a child process, so a native crash is reported, not fatal."
    )] = True,
    timeout: Annotated[float, typer.Option(
        min=1, help="Seconds the env may take to import and construct; longer is reported "
        "as a violation.")] = 300.0,
    kwarg: EnvKwargs = None,
) -> None:
    """Run an env through the episode-API contract; list every violation.

    Exit status: 0 when the env keeps the contract, 1 when the report lists violations
    (an object that is not an env, or whose constructor raises or hangs, included), 2 when
    TARGET names no env.
    """
    from agentrl.core.check_env import check_env_target
    from agentrl.core.env_target import EnvTargetError

    try:
        report = check_env_target(target, isolate=isolate, construct_timeout_s=timeout,
                                  progress=partial(typer.echo, err=True),
                                  kwargs=parse_env_kwargs(kwarg))
    except EnvTargetError as error:
        _fail(f"check-env {target}: {error}")
        return
    typer.echo(str(report))
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def inspect(
    path: Annotated[Path, typer.Argument(help="Run folder or trajectories JSONL file.")],
    index: Annotated[int, typer.Option(help="Which trajectory of the file.")] = 0,
) -> None:
    """Show one trajectory turn by turn: action, reward, reward parts, advantage."""
    from agentrl.cli.inspect import show_trajectory

    show_trajectory(path, index)


@app.command()
def report(run_dir: Annotated[Path, typer.Argument(help="Run folder.")]) -> None:
    """Write the run's report.md and learning-curve plot."""
    from agentrl.eval.report import write_report

    if not (run_dir / "metrics.jsonl").exists():
        _fail(f"{run_dir} has no metrics.jsonl; is it a run folder?")
    typer.echo(str(write_report(run_dir)))


app.command("credit-report")(credit_report_command)


def main() -> None:  # pragma: no cover - console entry
    """Console entry point of the ``agentrl`` command: on tcmalloc where the machine has it
    (`agentrl.core.allocator`), then the commands."""
    from agentrl.core.allocator import run_under_tcmalloc

    run_under_tcmalloc()
    app(prog_name="agentrl")
