"""Monte-Carlo advantages, fidelity statistics by hand, and the credit report end to end on
real envs with the tabular policy."""

from __future__ import annotations

import json
import math
import random

import numpy as np
import pytest

from agentrl.core.types import Task
from agentrl.environments.toy.corridor import CorridorEnv
from agentrl.lab.fidelity import bootstrap, pearson, ranks, sign_agreement, spearman
from agentrl.lab.montecarlo import ContinuationRunner, mc_advantages
from agentrl.lab.report import CreditReportOptions, credit_report
from agentrl.policy.tabular import TabularPolicy, admissible_actions
from agentrl.rollout.runner import RolloutOptions


def test_statistics_against_hand_computed_values() -> None:
    x, y = np.array([1.0, 2.0, 3.0, 4.0]), np.array([2.0, 1.0, 4.0, 3.0])
    # Pearson: cov = (−1.5·−0.5 + −0.5·−1.5 + 0.5·1.5 + 1.5·0.5)/4 = 0.75, var = 1.25 each
    assert pearson(x, y) == pytest.approx(0.6)
    assert ranks(np.array([5.0, 1.0, 5.0, 3.0])).tolist() == [2.5, 0.0, 2.5, 1.0]
    assert spearman(np.array([1.0, 10.0, 100.0]), np.array([3.0, 4.0, 5.0])) == pytest.approx(1)
    # sign: truth ≠ 0 on turns 0, 1, 3; estimate agrees on 0 only (0 counts as wrong)
    assert sign_agreement(np.array([1.0, 1.0, 5.0, 0.0]),
                          np.array([2.0, -1.0, 0.0, 3.0])) == pytest.approx(1 / 3)
    assert math.isnan(pearson(np.ones(3), x[:3]))


def test_bootstrap_resamples_groups_and_brackets_the_value() -> None:
    rng = np.random.default_rng(1)
    truth = rng.normal(size=200)
    estimate = truth + rng.normal(scale=0.5, size=200)
    groups = np.repeat(np.arange(20), 10)
    interval = bootstrap("pearson", estimate, truth, groups, draws=200)
    assert interval.low < interval.value < interval.high
    assert interval.value == pytest.approx(pearson(estimate, truth))


def corridor_runner(policy: TabularPolicy, max_turns: int = 1) -> ContinuationRunner:
    options = RolloutOptions(group_size=8, workers=2)
    options.prompt.history, options.prompt.k = "last_k", 0
    return ContinuationRunner(lambda: CorridorEnv(max_turns=max_turns), policy, options)


def test_mc_advantage_of_a_one_step_coin_is_plus_minus_a_half() -> None:
    """Corridor of 1 cell, 1 turn, uniform policy: V(s0) = 0.5, Q(right) = 1, Q(left) = 0."""
    task = Task(id="c", env_id="toy/corridor", metadata={"length": 1})
    runner = corridor_runner(TabularPolicy())
    trajectories = runner.run([task], seed=0, group_prefix="g/", progress=False)
    truth = mc_advantages(runner, trajectories, list(range(8)), k=400, seed=5)
    for trajectory, row in zip(trajectories, truth, strict=True):
        expected = 0.5 if trajectory.turns[0].action == "right" else -0.5
        assert row == [pytest.approx(expected, abs=0.1)]
    runner.close()


def test_mc_values_replay_the_prefix_and_respect_the_remaining_turns() -> None:
    """Length 2, 2 turns: after 'left' at turn 0 nothing can win (V = 0, A(left) = −V(s0))."""
    task = Task(id="c2", env_id="toy/corridor", metadata={"length": 2})
    runner = corridor_runner(TabularPolicy(), max_turns=2)
    trajectories = runner.run([task], seed=3, group_prefix="g/", progress=False)
    truth = mc_advantages(runner, trajectories, [3 + i for i in range(8)], k=300, seed=1)
    for trajectory, row in zip(trajectories, truth, strict=True):
        if trajectory.turns[0].action == "left":  # V(s0) = 1/4 → A = 0 − 1/4
            assert row[0] == pytest.approx(-0.25, abs=0.1) and row[1] == 0.0
        else:  # right: V = 1/2 after it → A = 1/4; the last turn: R − 1/2
            assert row[0] == pytest.approx(0.25, abs=0.1)
            assert row[1] == pytest.approx(trajectory.outcome_reward - 0.5, abs=0.1)
    runner.close()


class ShiftingCorridor(CorridorEnv):
    """Not deterministic under its seed: a global coin decides whether a step moves."""

    def step(self, action: str):
        return super().step(action if random.random() < 0.5 else "left")


def test_an_env_that_does_not_replay_is_reported_and_skipped(tmp_path) -> None:
    from agentrl.core.registry import register

    register("test/shifting-corridor", ShiftingCorridor, max_turns=4)
    recipe = {"name": "x", "env": {"id": "test/shifting-corridor"},
              "rollout": {"group_size": 4, "prompt": {"history": "last_k", "k": 0}}}
    options = CreditReportOptions(tasks=2, k=2, out=tmp_path, policy_note="tabular")
    random.seed(0)
    path = credit_report(recipe_from(recipe, tmp_path), [], options, policy=TabularPolicy())
    assert "Skipped" in path.read_text() and "did not replay" in path.read_text()


def recipe_from(data: dict, folder) -> str:
    import yaml

    path = folder / "recipe.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


def test_credit_report_on_the_fork_writes_table_plot_and_json(tmp_path) -> None:
    recipe = {"name": "x", "env": {"id": "toy/fork"},
              "rollout": {"group_size": 8, "prompt": {"history": "last_k", "k": 0}}}
    options = CreditReportOptions(tasks=2, k=3, draws=50, out=tmp_path, policy_note="tabular")
    path = credit_report(recipe_from(recipe, tmp_path), [], options, policy=TabularPolicy())
    text = path.read_text()
    for row in ("| grpo |", "| gigpo |", "| gigpo-placebo |", "| grpo@gigpo-rms |"):
        assert row in text
    assert (tmp_path / "credit_report.png").stat().st_size > 10_000
    data = json.loads((tmp_path / "credit_report.json").read_text())
    assert data["info"]["turns_in_non_singleton_step_groups"] > 0.5  # states recur
    rms = data["info"]["rms"]
    assert rms["grpo@gigpo-rms"] == pytest.approx(rms["gigpo"])
    # scale-free: GRPO at GiGPO's RMS correlates exactly as GRPO does
    assert data["rows"]["grpo@gigpo-rms"]["pearson"][0] == pytest.approx(
        data["rows"]["grpo"]["pearson"][0])
    turns = [json.loads(line) for line in (tmp_path / "credit_turns.jsonl").open()]
    assert len(turns) == data["info"]["turns"]
    mc = np.array([t["mc"] for t in turns])
    grpo = np.array([t["estimates"]["grpo"] for t in turns])
    assert data["rows"]["grpo"]["pearson"][0] == pytest.approx(np.corrcoef(grpo, mc)[0, 1])
    first = turns[0]
    assert first["turn"] == 0 and first["action"] and first["state_key"]
    # GRPO gives every turn of an episode the same advantage
    same_episode = [t["estimates"]["grpo"] for t in turns if t["episode"] == first["episode"]]
    assert same_episode == pytest.approx([same_episode[0]] * len(same_episode))


def test_tabular_policy_reads_the_listed_actions_and_scores_them() -> None:
    messages = [{"role": "user", "content": "Hall.\n\nAdmissible actions: go east, look"}]
    assert admissible_actions(messages) == ["go east", "look"]
    policy = TabularPolicy(init={"look": math.log(3.0)})
    from agentrl.policy.base import SamplingParams

    generation = policy.generate([messages], SamplingParams(seed=0))[0]
    scores = policy.score([generation.prompt_ids], [generation.token_ids])
    assert scores.logprobs[0, 0].item() == pytest.approx(generation.logprobs[0])
    assert policy.probabilities(0).tolist() == pytest.approx([0.25, 0.75])
    policy.step([generation.prompt_ids], [[1]], [1.0], lr=1.0)  # ascend log π(look)
    assert policy.probabilities(0)[1] > 0.75


def test_the_command_takes_an_env_id_and_writes_the_report(tmp_path) -> None:
    from typer.testing import CliRunner

    from agentrl.cli import app

    result = CliRunner().invoke(app, ["credit-report", "toy/corridor", "--tabular", "--tasks",
                                      "1", "--k", "2", "--draws", "10", "--rows", "grpo,gigpo",
                                      "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "| gigpo |" in (tmp_path / "credit_report.md").read_text()
    assert "TabularPolicy" in result.output


def test_the_recipe_model_is_warm_started_before_the_report(tmp_path) -> None:
    recipe = {"name": "x", "env": {"id": "toy/corridor", "kwargs": {"max_turns": 3}},
              "policy": {"model": "tiny:llama"},
              "rollout": {"group_size": 2, "lenient_parsing": True,
                          "sampling": {"max_new_tokens": 4},
                          "prompt": {"history": "last_k", "k": 0}},
              "warm_start": {"steps": 2, "batch_size": 2},
              "logging": {"tensorboard": False}}
    options = CreditReportOptions(tasks=1, k=1, draws=10, rows=["grpo"], out=tmp_path,
                                  progress=False)
    text = credit_report(recipe_from(recipe, tmp_path), [], options).read_text()
    assert "Policy (frozen): tiny:llama after 2 SFT warm-start steps." in text
    steps = (tmp_path / "warm_start" / "metrics.jsonl").read_text().splitlines()
    assert len(steps) == 2  # the SFT steps ran (and logged) before the rollout
