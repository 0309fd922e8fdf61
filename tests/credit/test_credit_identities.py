"""Two facts a reviewer checks before reading a credit-assignment table, and the placebo.

1. GiGPO with all-distinct anchors is GRPO: A^S = 0 for singleton step groups, so
   A = A^E = R_i − mean_group R (Dr.GRPO, exactly), or with the std its unbiased version
   (= GRPO × sqrt((G−1)/G)).
2. SALT with Markov prompts (merged steps have identical prompts and actions) gives the same
   policy gradient as GRPO before clipping: Σ_{i,t} A_{i,t} ∇ log π(a_{i,t} | s_{i,t}) sums,
   over each merged node, n_node × mean(Â_j) ∇ log π(node) = Σ_j Â_j ∇ log π(node) — GRPO's
   sum (count="occurrence"; also count="trajectory" when no trajectory repeats a node).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from agentrl.credit import get_advantage
from agentrl.credit.advantages.batch import TurnBatch
from agentrl.credit.advantages.gigpo import anchor_codes
from agentrl.credit.advantages.gigpo_placebo import shuffled_within_groups


def distinct_anchor_batch(traj):
    """Two groups, varied lengths, no state recurring anywhere (a key per trajectory, turn)."""
    lengths = [("g1", 1.0, 3), ("g1", 0.0, 1), ("g1", 0.0, 2), ("g1", 1.0, 4),
               ("g2", 0.5, 2), ("g2", 0.0, 5), ("g2", 1.0, 1)]
    return [traj(group, outcome, keys=[f"{i}-{t}" for t in range(n)])
            for i, (group, outcome, n) in enumerate(lengths)]


def test_gigpo_with_distinct_anchors_equals_dr_grpo_exactly(traj):
    batch = distinct_anchor_batch(traj)
    gigpo = get_advantage("gigpo")(batch, mode="mean_norm", episode_stats="trajectory")
    grpo = get_advantage("grpo")(batch, normalize_std=False)
    assert gigpo == grpo  # exactly, not approximately
    # by hand, group g1: mean 0.5 → +0.5, −0.5, −0.5, +0.5 on every turn
    assert gigpo[0] == [0.5] * 3 and gigpo[1] == [-0.5]


def test_gigpo_std_mode_with_distinct_anchors_is_grpo_times_bessel_factor(traj):
    batch = distinct_anchor_batch(traj)
    gigpo = get_advantage("gigpo")(batch, mode="mean_std_norm", episode_stats="trajectory",
                                   eps=0.0)
    grpo = get_advantage("grpo")(batch, eps=0.0)
    for i, (g, r) in enumerate(zip(gigpo, grpo, strict=True)):
        size = 4 if i < 4 else 3
        assert g == pytest.approx([a * math.sqrt((size - 1) / size) for a in r])


def markov_batch(traj):
    """One group of 4: all start in s0; two take 'a' (to s1), two take 'b' (to s2); the
    s1 branch then shares (s1, 'c'). Outcomes 1, 0, 0, 0 — so the node (s0, a) is shared
    by a winner and a loser, and (s1, c) by both too."""
    return [
        traj("g", 1.0, keys=["s0", "s1", "s3"], actions=["a", "c", "d"]),
        traj("g", 0.0, keys=["s0", "s1", "s4"], actions=["a", "c", "e"]),
        traj("g", 0.0, keys=["s0", "s2"], actions=["b", "f"]),
        traj("g", 0.0, keys=["s0", "s2", "s5"], actions=["b", "f", "g"]),
    ]


def policy_gradient(batch, advantages, prompt_of) -> torch.Tensor:
    """∇_θ Σ_{i,t} A_{i,t} log softmax(θ[prompt])[action] for a tabular softmax policy."""
    prompts = sorted({prompt_of(traj, t) for traj in batch for t in range(len(traj.turns))})
    actions = sorted({turn.action for traj in batch for turn in traj.turns})
    theta = torch.zeros(len(prompts), len(actions), dtype=torch.float64, requires_grad=True)
    objective = torch.zeros((), dtype=torch.float64)
    for trajectory, row in zip(batch, advantages, strict=True):
        for t, (turn, advantage) in enumerate(zip(trajectory.turns, row, strict=True)):
            logp = torch.log_softmax(theta[prompts.index(prompt_of(trajectory, t))], dim=0)
            objective = objective + advantage * logp[actions.index(turn.action)]
    objective.backward()
    return theta.grad


def markov_prompt(trajectory, t):
    return trajectory.turns[t].state_key


def history_prompt(trajectory, t):
    return "|".join(f"{turn.state_key}:{turn.action}" for turn in trajectory.turns[:t]) + \
        trajectory.turns[t].state_key + f"#{id(trajectory)}"


@pytest.mark.parametrize("count", ["occurrence", "trajectory"])
def test_salt_with_markov_prompts_has_grpos_policy_gradient(traj, count):
    batch = markov_batch(traj)
    salt = get_advantage("salt")(batch, count=count)
    grpo = get_advantage("grpo")(batch)
    assert salt != grpo  # the per-turn advantages differ ...
    # by hand: Â = (3, −1, −1, −1)/√3; node (s0,a) mean (3−1)/2/√3 = 1/√3
    assert salt[0][0] == pytest.approx(1 / math.sqrt(3), rel=1e-5)
    assert salt[2][0] == pytest.approx(-1 / math.sqrt(3), rel=1e-5)
    # ... but the policy gradient they give a Markov policy is the same
    torch.testing.assert_close(policy_gradient(batch, salt, markov_prompt),
                               policy_gradient(batch, grpo, markov_prompt))


def test_salt_gradient_differs_from_grpo_when_prompts_carry_the_history(traj):
    batch = markov_batch(traj)
    salt = get_advantage("salt")(batch)
    grpo = get_advantage("grpo")(batch)
    gap = policy_gradient(batch, salt, history_prompt) - policy_gradient(batch, grpo,
                                                                          history_prompt)
    assert gap.abs().max() > 0.1


def test_salt_trajectory_count_differs_when_a_trajectory_repeats_a_node(traj):
    batch = [traj("g", 1.0, keys=["s0", "s0"], actions=["look", "look"]),
             traj("g", 0.0, keys=["s0", "s1"], actions=["look", "x"])]
    salt = get_advantage("salt")(batch, node="state_action", count="trajectory")
    grpo = get_advantage("grpo")(batch)
    # node (s0, look): trajectories 1, 2 once each: mean(Â) = 0 on all three occurrences
    assert salt[0] == pytest.approx([0.0, 0.0]) and salt[1][0] == pytest.approx(0.0)
    assert not torch.allclose(policy_gradient(batch, salt, markov_prompt),
                              policy_gradient(batch, grpo, markov_prompt))


def test_placebo_keeps_the_step_group_size_histogram_and_breaks_membership(traj):
    batch = [traj("g", 1.0, keys=["h", "h", "k", "d"]), traj("g", 0.0, keys=["h", "w", "w"]),
             traj("g", 0.0, keys=["h", "w", "x"]), traj("q", 1.0, keys=["h", "z"])]
    view = TurnBatch.of(batch)
    codes = anchor_codes(view, None)
    groups = np.repeat(view.group, view.lengths)
    sizes = {g: sorted(np.bincount(codes[groups == g]).tolist()) for g in (0, 1)}
    moved = False
    for seed in range(5):
        shuffled = shuffled_within_groups(codes, groups, np.random.default_rng(seed))
        for g in (0, 1):
            counts = np.bincount(shuffled[groups == g])
            assert sorted(counts.tolist()) == sizes[g]
        assert (np.sort(shuffled[groups == 0]) == np.sort(codes[groups == 0])).all()
        moved |= bool((shuffled != codes).any())
    assert moved
    placebo = get_advantage("gigpo-placebo")(batch, seed=1)
    assert placebo == get_advantage("gigpo-placebo")(batch, seed=1)  # seeded: pure
    assert [len(r) for r in placebo] == [4, 3, 3, 2]
