"""G-RA gated accumulation and the ungated baseline, computed by hand."""

import pytest

from agentrl.algos import get_shaping

gated = get_shaping("gated")
ungated = get_shaping("ungated")


def _rewards(t):
    return [turn.reward for turn in t.turns]


def test_gate_open_keeps_low_rewards_gate_closed_drops_them(traj):
    win, loss = traj(1.0, [0.3, 0.2]), traj(0.0, [0.3, 0.2])
    shaped_win, shaped_loss = gated([win, loss], threshold=1.0)
    assert _rewards(shaped_win) == pytest.approx([0.3, 0.2])  # r^high = 1 ≥ Δ = 1
    assert shaped_win.outcome_reward == 1.0
    assert _rewards(shaped_loss) == pytest.approx([0.0, 0.0])  # 0.3 − 0.3 + 0, 0.2 − 0.2 + 0
    assert shaped_loss.turns[0].info["reward_components"] == {"gated/low": 0.3, "gated/kept": 0.0}
    assert _rewards(loss) == [0.3, 0.2]  # inputs are not mutated


def test_into_outcome_writes_the_episode_return(traj):
    shaped_win, shaped_loss = gated([traj(1.0, [0.3, 0.2]), traj(0.0, [0.3, 0.2])],
                                    into="outcome")
    assert shaped_win.outcome_reward == pytest.approx(1.0 + 0.3 + 0.2)  # R = r^high + Σ r̃
    assert _rewards(shaped_win) == pytest.approx([0.0, 0.0])
    assert shaped_loss.outcome_reward == pytest.approx(0.0)


def test_components_select_the_low_level_reward(traj):
    t = traj(0.0, [0.5], [{"reward_components": {"edit": 0.3, "compile": 0.2}}])
    (shaped,) = gated([t], components=["edit"], threshold=0.5)
    assert _rewards(shaped) == pytest.approx([0.5 - 0.3 + 0.0])
    components = shaped.turns[0].info["reward_components"]
    assert components == {"edit": 0.3, "compile": 0.2, "gated/low": 0.3, "gated/kept": 0.0}


def test_multi_level_lower_level_counts_only_when_higher_levels_meet_thresholds(traj):
    infos = [{"reward_components": {"compile": 0.1, "edit": 0.3}},
             {"reward_components": {"compile": 0.05, "edit": 0.4}}]
    levels = [{"components": ["compile"], "threshold": 0.2}, {"components": ["edit"]}]
    (shaped,) = gated([traj(1.0, [0.4, 0.45], infos)], threshold=0.5, levels=levels)
    # r^high = 1 ≥ 0.5 opens "compile"; Σ compile = 0.15 < 0.2 closes "edit"
    assert _rewards(shaped) == pytest.approx([0.4 - 0.4 + 0.1, 0.45 - 0.45 + 0.05])
    infos[1]["reward_components"]["compile"] = 0.1  # Σ compile = 0.2 ≥ 0.2 opens "edit"
    (shaped,) = gated([traj(1.0, [0.4, 0.5], infos)], threshold=0.5, levels=levels)
    assert _rewards(shaped) == pytest.approx([0.4, 0.5])


def test_ungated_accumulates_everything(traj):
    (shaped,) = ungated([traj(0.0, [0.3, 0.2])], into="outcome")
    assert shaped.outcome_reward == pytest.approx(0.0 + 0.3 + 0.2)
    (shaped,) = ungated([traj(0.0, [0.3, 0.2])])
    assert _rewards(shaped) == pytest.approx([0.3, 0.2])


def test_high_reward_from_a_component_of_the_last_turn(traj):
    t = traj(0.0, [0.2, 0.1], [{}, {"reward_components": {"tests_pass": 1.0}}])
    (shaped,) = gated([t], high_component="tests_pass", into="outcome")
    assert shaped.outcome_reward == pytest.approx(1.0 + 0.2 + 0.1)


def test_bad_options_are_clear_errors(traj):
    with pytest.raises(KeyError, match=r"reward_components \['edit'\] not found"):
        gated([traj(1.0, [0.1])], components=["edit"])
    with pytest.raises(ValueError, match=r"levels\[0\]"):
        gated([traj(1.0, [0.1])], levels=[{"components": None}, {"components": None}])
    with pytest.raises(ValueError, match="into='episode'"):
        gated([traj(1.0, [0.1])], into="episode")
