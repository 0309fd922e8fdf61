"""Paired tabular learning: statistics by hand, and runs that are paired and learn."""

from __future__ import annotations

import math

import pytest

from agentrl.lab.learning import (
    LearningSetup,
    paired_summary,
    sign_test,
    t_quantile_975,
    train_tabular,
)


def test_sign_test_and_paired_interval_by_hand() -> None:
    assert sign_test(8, 0) == pytest.approx(2 / 256)  # two-sided: 2 · 0.5^8
    assert sign_test(3, 3) == 1.0
    summary = paired_summary([0.1, 0.3, -0.1, 0.1])
    # mean 0.1; sd = sqrt((0 + 0.04 + 0.04 + 0) / 3); t(3) = 3.182
    half = 3.182 * math.sqrt(0.08 / 3) / 2
    assert summary["mean"] == pytest.approx(0.1)
    assert (summary["low"], summary["high"]) == pytest.approx((0.1 - half, 0.1 + half))
    assert (summary["wins"], summary["losses"]) == (3, 1)
    assert t_quantile_975(8) == 2.306


def test_runs_of_one_seed_are_paired_and_the_fork_is_learned() -> None:
    setup = LearningSetup(env_id="toy/fork", env_kwargs={"max_turns": 10}, updates=4,
                          tasks_per_update=2, group_size=8, lr=20.0, dynamic_sampling=True,
                          eval_tasks=4, eval_episodes=4)
    first = train_tabular(setup, "grpo", seed=0)
    again = train_tabular(setup, "grpo", seed=0)
    assert first.curve == again.curve and first.heldout == again.heldout
    gigpo = train_tabular(setup, "gigpo", seed=0)
    assert gigpo.curve[0] == first.curve[0]  # same start
    assert gigpo.batch_curve[0] == first.batch_curve[0]  # the same first batch
    assert len(first.curve) == setup.updates + 1  # update 0, then after each update
    assert max(first.curve[1:]) > first.curve[0]  # it learns something
    # the curve is the policy's exact success, not the (dynamic-sampled) batch's: uniform
    # over 3–5 actions in 10 turns, the fork is solved with probability ≈ 0.02 (the DP),
    # while the resampled first batch over-represents successes
    assert first.curve[0] == pytest.approx(0.0198, abs=5e-4)
    assert first.batch_curve[0] > 2 * first.curve[0]


def test_a_batch_shaping_is_what_the_estimator_reads() -> None:
    setup = LearningSetup(env_id="toy/fork", env_kwargs={"max_turns": 10}, updates=1,
                          tasks_per_update=2, group_size=8, lr=20.0, eval_tasks=1,
                          dynamic_sampling=True)
    seen: list[int] = []

    def erase(batch):  # every outcome 0: GRPO's advantages vanish, the policy cannot move
        seen.append(len(batch))
        return [t.model_copy(update={"outcome_reward": 0.0, "success": False}) for t in batch]

    flat = train_tabular(setup, "grpo", seed=0, shape=erase)
    assert seen == [16] and flat.curve == [flat.curve[0]] * 2
    assert train_tabular(setup, "grpo", seed=0).curve != flat.curve  # unshaped, it learns


def test_the_held_out_curve_has_a_point_per_update_and_graphs_are_reused() -> None:
    from agentrl.lab import learning

    setup = LearningSetup(env_id="toy/fork", env_kwargs={"max_turns": 6}, updates=1,
                          tasks_per_update=1, group_size=4, lr=20.0, eval_tasks=1,
                          heldout_curve=True, reuse_graphs=True)
    first = train_tabular(setup, "grpo", seed=0)
    graphs = dict(learning._GRAPHS)
    second = train_tabular(setup, "grpo", seed=0)
    assert len(first.heldout_points) == 2 and first.heldout == first.heldout_points[-1]
    assert second.curve == first.curve and second.heldout_points == first.heldout_points
    assert len(graphs) == 2 and learning._GRAPHS == graphs  # built once, reused
    for graph in graphs.values():
        graph.close()
    learning._GRAPHS.clear()
