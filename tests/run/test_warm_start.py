"""SFT warm start: examples match the runner's prompts, the loss falls, resume skips it."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import torch
from safetensors.torch import load_file

import agentrl.run.loop
from agentrl.core.env import Env
from agentrl.environments.calculator.env import PythonToolEnv
from agentrl.environments.toy.corridor import CorridorEnv
from agentrl.policy.base import Generation
from agentrl.policy.hf import HFPolicy
from agentrl.rollout.prompts import PromptOptions
from agentrl.rollout.runner import RolloutOptions, RolloutRunner
from agentrl.run.warm_start import (
    demonstration_examples,
    expert_reply,
    sft_loss,
    tokenize,
)


class ScriptedPolicy:
    """Replies with given texts in order and records every prompt it was asked."""

    def __init__(self, replies: list[str]) -> None:
        self.replies = list(replies)
        self.prompts: list[tuple[list[dict[str, Any]], Any]] = []

    def generate(self, batch, sampling, *, tools=None) -> list[Generation]:
        assert len(batch) == 1
        self.prompts.append((batch[0], (tools or [None])[0]))
        return [Generation(text=self.replies.pop(0), prompt_ids=[], token_ids=[], logprobs=[])]


@pytest.mark.parametrize(
    ("make_env", "prompt"),
    [
        (lambda: CorridorEnv(), PromptOptions(history="full")),
        (lambda: CorridorEnv(), PromptOptions(history="last_k", k=1, response_prefix="<action>")),
        (lambda: PythonToolEnv(backend=None, tasks_per_split=2), PromptOptions(history="full")),
    ],
    ids=["corridor-full", "corridor-last1-prefix", "calculator-tools"],
)
def test_examples_have_exactly_the_prompts_the_runner_builds(make_env, prompt) -> None:
    env: Env = make_env()
    task = next(t for t in env.tasks("train") if len(env.demonstration(t)) > 1)
    examples = demonstration_examples(env, task, prompt)
    assert len(examples) == len(env.demonstration(task))

    policy = ScriptedPolicy([example.target for example in examples])
    runner = RolloutRunner(lambda: make_env(), policy, RolloutOptions(group_size=1, prompt=prompt))
    [trajectory] = runner.run([task], progress=False)
    runner.close()
    assert trajectory.success
    assert [messages for messages, _ in policy.prompts] == [e.messages for e in examples]
    assert [tools for _, tools in policy.prompts] == [e.tools for e in examples]
    env.close()


def test_target_is_the_reply_after_the_forced_prefix() -> None:
    env = CorridorEnv()
    task = env.tasks("train")[0]
    [first, *_] = demonstration_examples(env, task, PromptOptions(response_prefix="<action>"))
    assert first.target == "right</action>"
    assert first.messages[-1] == {"role": "assistant", "content": "<action>"}
    [plain, *_] = demonstration_examples(env, task, PromptOptions())
    assert plain.target == "<action>right</action>"
    call = '<tool_call>{"name": "calculator"}</tool_call>'
    assert expert_reply(call, "tool_call") == call


def test_an_expert_cut_by_the_turn_limit_gives_no_examples() -> None:
    env = CorridorEnv()
    task = next(t for t in env.tasks("train") if t.metadata["length"] > 1)
    assert demonstration_examples(env, task, PromptOptions(), max_turns=1) == []


@pytest.fixture(scope="module")
def tiny_policy() -> HFPolicy:
    torch.manual_seed(0)
    return HFPolicy.from_name("tiny:llama")


def test_tokenize_renders_the_prompt_and_ends_the_reply_with_eos(tiny_policy) -> None:
    env = CorridorEnv()
    [example, *_] = demonstration_examples(env, env.tasks("train")[0],
                                           PromptOptions(response_prefix="<action>"))
    [(prompt_ids, reply_ids, images)] = tokenize(tiny_policy, [example])
    assert images == []
    assert prompt_ids == tiny_policy.render(example.messages)
    assert reply_ids[-1] in tiny_policy.eos_ids
    assert tiny_policy.tokenizer.decode(reply_ids[:-1]) == "right</action>"


def test_sft_loss_falls_over_a_few_steps_on_a_fixed_batch(tiny_policy) -> None:
    env = CorridorEnv()
    examples = [e for task in env.tasks("train")[:3]
                for e in demonstration_examples(env, task, PromptOptions())]
    batch = tokenize(tiny_policy, examples)
    optimizer = torch.optim.AdamW(list(tiny_policy.trainable_parameters()), lr=1e-3)
    losses = []
    for _ in range(5):
        loss, accuracy = sft_loss(tiny_policy, batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        assert 0.0 <= accuracy <= 1.0
    assert all(later < earlier for earlier, later in pairwise(losses)), losses
    assert losses[-1] < losses[0] - 0.5, losses


def toy_recipe(run_dir: Path, iterations: int) -> dict[str, Any]:
    return {
        "name": "warm",
        "seed": 1,
        "env": {"id": "toy/corridor", "kwargs": {"max_turns": 3}},
        "policy": {"model": "tiny:llama"},
        "rollout": {"group_size": 2, "lenient_parsing": True, "sampling": {"max_new_tokens": 4}},
        "warm_start": {"steps": 3, "lr": 1e-3, "batch_size": 4, "tasks": 4},
        "optim": {"lr": 1e-3, "minibatch_size": 8, "micro_batch_size": 4},
        "trainer": {"iterations": iterations, "tasks_per_iteration": 2},
        "eval": {"num_tasks": 1},
        "logging": {"run_dir": str(run_dir), "tensorboard": False, "progress": False},
    }


@pytest.mark.slow
def test_warm_start_runs_once_and_a_resumed_run_skips_it(tmp_path, monkeypatch) -> None:
    run = agentrl.run.loop.train(toy_recipe(tmp_path, iterations=1))
    steps = [json.loads(line) for line in (run / "warm_start" / "metrics.jsonl").open()]
    assert [row["iteration"] for row in steps] == [0, 1, 2]
    assert all("sft/loss" in row and "sft/token_accuracy" in row for row in steps)
    first = json.loads((run / "metrics.jsonl").open().readline())
    assert first["iteration"] == 0 and first["sft/loss"] == steps[-1]["sft/loss"]

    def forbidden(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("warm start ran again on resume")

    monkeypatch.setattr(agentrl.run.loop, "warm_start", forbidden)
    agentrl.run.loop.train(toy_recipe(tmp_path, iterations=2))
    assert (run / "checkpoints" / "latest").read_text() == "iter-000002"


@pytest.mark.slow
def test_a_run_killed_right_after_warm_start_resumes_without_it(tmp_path, monkeypatch) -> None:
    run = agentrl.run.loop.train(toy_recipe(tmp_path, iterations=0))  # SFT, checkpoint, eval
    assert (run / "checkpoints" / "latest").read_text() == "iter-000000"
    monkeypatch.setattr(agentrl.run.loop, "warm_start", None)  # calling it would fail
    agentrl.run.loop.train(toy_recipe(tmp_path, iterations=1))
    assert (run / "checkpoints" / "latest").read_text() == "iter-000001"


@pytest.mark.slow
def test_kl_reference_of_a_warm_started_run_is_the_fine_tuned_policy(tmp_path) -> None:
    recipe = toy_recipe(tmp_path, iterations=0)
    recipe["algorithm"] = {"kl_coef": 0.05}
    run = agentrl.run.loop.train(recipe)
    checkpoint = run / "checkpoints" / "iter-000000"
    trainer_state = torch.load(checkpoint / "trainer.pt", weights_only=True)["trainer"]
    fine_tuned = load_file(checkpoint / "model" / "model.safetensors")  # the policy after SFT
    reference = trainer_state["reference"]
    assert fine_tuned and set(fine_tuned) <= set(reference)
    for name, weights in fine_tuned.items():
        torch.testing.assert_close(reference[name], weights)
