"""G-RA gated accumulation and the ungated baseline, computed by hand.

Source: Sun et al. 2025 (arXiv 2508.10548v1), the method as its abstract and secondary
renderings of its method section state it (the paper's own section was not readable):
r̃_t = r^low_t · 1[r^high ≥ Δ] for t = 0 … T−1, R(τ) = r^high + Σ_t r̃_t (G-RA);
R(τ) = r^high + Σ_t r^low_t (D-RA); the multi-level form gates a lower-priority channel on
every higher-priority one meeting its threshold.
"""

import pytest

from agentrl.credit import get_advantage, get_shaping
from tests.credit.conftest import build_trajectory

gated = get_shaping("gated")
ungated = get_shaping("ungated")


def _rewards(t):
    return [turn.reward for turn in t.turns]


def test_default_writes_the_gated_episode_return_into_the_outcome(traj):
    win, loss = traj(1.0, [0.3, 0.2]), traj(0.0, [0.3, 0.2])
    shaped_win, shaped_loss = gated([win, loss])  # Δ = 1
    assert shaped_win.outcome_reward == pytest.approx(1.0 + 0.3 + 0.2)  # gate open: R = 1.5
    assert shaped_loss.outcome_reward == pytest.approx(0.0)  # gate closed: R = r^high = 0
    assert _rewards(shaped_win) == pytest.approx([0.0, 0.0])  # r^low left the turns
    assert shaped_loss.turns[0].info["reward_components"] == {"gated/low": 0.3, "gated/kept": 0.0}
    assert shaped_win.turns[1].info["reward_components"] == {"gated/low": 0.2, "gated/kept": 0.2}
    assert _rewards(loss) == [0.3, 0.2] and loss.outcome_reward == 0.0  # inputs not mutated


def test_threshold_is_inclusive(traj):
    (shaped,) = gated([traj(0.5, [0.25])], threshold=0.5)  # r^high = Δ opens the gate
    assert shaped.outcome_reward == pytest.approx(0.75)
    (shaped,) = gated([traj(0.49, [0.25])], threshold=0.5)
    assert shaped.outcome_reward == pytest.approx(0.49)


def test_outcome_level_estimators_see_the_gated_return():
    # GRPO (DeepSeekMath §4.1.2) on R = [1 + 0.5, 0, 1 + 0.1, 0] (two wins, two losses)
    batch = [build_trajectory("g", 1.0, rewards=[0.3, 0.2]),
             build_trajectory("g", 0.0, rewards=[0.3, 0.2]),
             build_trajectory("g", 1.0, rewards=[0.1, 0.0]),
             build_trajectory("g", 0.0, rewards=[0.9, 0.9])]
    returns = [1.5, 0.0, 1.1, 0.0]
    mean = sum(returns) / 4
    std = (sum((r - mean) ** 2 for r in returns) / 4) ** 0.5
    expected = [(r - mean) / (std + 1e-6) for r in returns]
    grpo = get_advantage("grpo")
    advantages = grpo(gated(batch))
    assert [row[0] for row in advantages] == pytest.approx(expected)
    # with into="turn" r̃ stays on the turns, which GRPO never reads: plain GRPO on r^high
    assert grpo(gated(batch, into="turn")) == grpo(batch)


def test_into_turn_keeps_the_kept_rewards_on_their_turns(traj):
    win, loss = traj(1.0, [0.3, 0.2]), traj(0.0, [0.3, 0.2])
    shaped_win, shaped_loss = gated([win, loss], threshold=1.0, into="turn")
    assert _rewards(shaped_win) == pytest.approx([0.3, 0.2])  # r^high = 1 ≥ Δ = 1
    assert shaped_win.outcome_reward == 1.0
    assert _rewards(shaped_loss) == pytest.approx([0.0, 0.0])  # 0.3 − 0.3 + 0, 0.2 − 0.2 + 0


def test_components_select_the_low_level_reward(traj):
    t = traj(0.0, [0.5], [{"reward_components": {"edit": 0.3, "compile": 0.2}}])
    (shaped,) = gated([t], components=["edit"], threshold=0.5, into="turn")
    assert _rewards(shaped) == pytest.approx([0.5 - 0.3 + 0.0])
    components = shaped.turns[0].info["reward_components"]
    assert components == {"edit": 0.3, "compile": 0.2, "gated/low": 0.3, "gated/kept": 0.0}
    (shaped,) = gated([t], components=["edit"], threshold=0.0)  # gate open, into outcome
    assert shaped.outcome_reward == pytest.approx(0.0 + 0.3)
    assert _rewards(shaped) == pytest.approx([0.5 - 0.3])  # the unnamed part stays


def test_multi_level_lower_level_counts_only_when_higher_levels_meet_thresholds(traj):
    infos = [{"reward_components": {"compile": 0.1, "edit": 0.3}},
             {"reward_components": {"compile": 0.05, "edit": 0.4}}]
    levels = [{"components": ["compile"], "threshold": 0.2}, {"components": ["edit"]}]
    (shaped,) = gated([traj(1.0, [0.4, 0.45], infos)], threshold=0.5, levels=levels)
    # r^high = 1 ≥ 0.5 opens "compile"; S_compile = 0.15 < 0.2 keeps "edit" closed
    assert shaped.outcome_reward == pytest.approx(1.0 + 0.1 + 0.05)
    infos[1]["reward_components"]["compile"] = 0.1  # S_compile = 0.2 ≥ 0.2 opens "edit"
    (shaped,) = gated([traj(1.0, [0.4, 0.5], infos)], threshold=0.5, levels=levels)
    assert shaped.outcome_reward == pytest.approx(1.0 + 0.1 + 0.1 + 0.3 + 0.4)
    (shaped,) = gated([traj(1.0, [0.4, 0.5], infos)], threshold=0.5, levels=levels,
                      into="turn")
    assert _rewards(shaped) == pytest.approx([0.4, 0.5])
    (shaped,) = gated([traj(0.4, [0.4, 0.5], infos)], threshold=0.5, levels=levels)
    assert shaped.outcome_reward == pytest.approx(0.4)  # r^high < Δ closes every level


def test_ungated_accumulates_everything(traj):
    (shaped,) = ungated([traj(0.0, [0.3, 0.2])])
    assert shaped.outcome_reward == pytest.approx(0.0 + 0.3 + 0.2)
    (shaped,) = ungated([traj(0.0, [0.3, 0.2])], into="turn")
    assert _rewards(shaped) == pytest.approx([0.3, 0.2]) and shaped.outcome_reward == 0.0


def test_high_reward_from_a_component_of_the_last_turn(traj):
    t = traj(0.0, [0.2, 0.1], [{}, {"reward_components": {"tests_pass": 1.0}}])
    (shaped,) = gated([t], high_component="tests_pass")
    assert shaped.outcome_reward == pytest.approx(1.0 + 0.2 + 0.1)


def test_bad_options_are_clear_errors(traj):
    with pytest.raises(KeyError, match=r"reward_components \['edit'\] not found"):
        gated([traj(1.0, [0.1])], components=["edit"])
    with pytest.raises(ValueError, match=r"levels\[0\]"):
        gated([traj(1.0, [0.1])], levels=[{"components": None}, {"components": None}])
    with pytest.raises(ValueError, match="into='episode'"):
        gated([traj(1.0, [0.1])], into="episode")
