"""EPO entropy regulariser and the plain entropy bonus: hand-computed values and gradients."""

from __future__ import annotations

import math

import pytest
import torch

from agentrl.algos.epo import EPORegularizer, PlainEntropy, band_penalty, phase_weight
from agentrl.policy.hf import HFPolicy


def test_phase_weight_over_training():
    assert phase_weight(0.0) == 1.0
    # first half, p = 2P: 1 − 0.2 (1 − e^{−2p})
    assert phase_weight(0.25) == pytest.approx(1 - 0.2 * (1 - math.exp(-1.0)))  # 0.873576
    assert phase_weight(0.5) == pytest.approx(0.8270671, abs=1e-7)  # 1 − 0.2 (1 − e^{-2})
    # second half, p = 2P − 1: 0.8 e^{−3p}
    assert phase_weight(0.75) == pytest.approx(0.8 * math.exp(-1.5))  # 0.178504
    assert phase_weight(1.0) == pytest.approx(0.0398297, abs=1e-7)  # 0.8 e^{-3}
    assert phase_weight(1.5) == phase_weight(1.0)


def test_band_penalty_hinge_and_code_forms():
    entropy = torch.tensor([0.5, 0.8, 1.0, 1.5, 3.0])
    lower, upper = torch.tensor(0.8), torch.tensor(1.2)
    hinge = band_penalty(entropy, lower, upper, 0.1)
    assert hinge.tolist() == pytest.approx([0.03, 0.0, 0.0, 0.03, 0.18])
    code = band_penalty(entropy, lower, upper, 0.1, differentiable=False)
    # the code's band is open: 0.8 itself is outside
    assert code.tolist() == pytest.approx([0.1, 0.1, 0.0, 0.1, 0.1])


def history_of_1_5_at_turn_2(**options) -> EPORegularizer:
    """A regulariser whose H̄_2 = mean(1.0, 2.0) = 1.5 after two iterations."""
    reg = EPORegularizer(coef=0.01, max_turns=4, **options)
    for row in ([1.0, 1.0], [3.0, 1.0]):
        reg(torch.tensor([row]), torch.ones(1, 2), torch.tensor([2]), 0.0)
        reg.end_iteration()
    return reg


ENTROPIES = [[0.5, 1.5, 2.0], [1.0, 1.0, 0.0]]
MASK = [[1.0, 1.0, 1.0], [1.0, 1.0, 0.0]]
TURNS = [2, 1]  # turn 1 is before max_turns // 2 = 2: never penalised


def run(reg, progress=0.0, entropies=None):
    entropies = torch.tensor(ENTROPIES) if entropies is None else entropies
    return reg(entropies, torch.tensor(MASK), torch.tensor(TURNS), progress)


def test_history_is_plain_mean_of_iteration_means():
    assert history_of_1_5_at_turn_2().history() == {2: pytest.approx(1.5)}


def test_token_mode_hinge_bonus_by_hand():
    # band at turn 2: [1.2, 1.8]; row 0 penalties 0.1·0.7, 0, 0.1·0.2; 5 real tokens
    # H = 6.0 / 5 = 1.2; P = 0.09 / 5 = 0.018; bonus = 0.01 (1.2 − w · 0.018)
    bonus, metrics = run(history_of_1_5_at_turn_2())
    assert bonus.item() == pytest.approx(0.01 * (1.2 - 0.018))
    assert metrics["entropy/mean"] == pytest.approx(1.2)
    assert metrics["entropy/smooth_penalty"] == pytest.approx(0.018)
    assert metrics["entropy/penalized_frac"] == pytest.approx(2 / 5)
    bonus, metrics = run(history_of_1_5_at_turn_2(), progress=0.75)
    assert metrics["entropy/phase_weight"] == pytest.approx(0.1785041, abs=1e-7)
    assert bonus.item() == pytest.approx(0.01 * (1.2 - 0.1785041 * 0.018))


def test_code_form_and_seq_mode_by_hand():
    # code form: two out-of-band tokens in row 0 → P = 0.2 / 5 = 0.04
    bonus, _ = run(history_of_1_5_at_turn_2(differentiable=False))
    assert bonus.item() == pytest.approx(0.01 * (1.2 - 0.04))
    # seq mode: row 0 mean 4/3 is inside [1.2, 1.8] → no penalty
    bonus, _ = run(history_of_1_5_at_turn_2(mode="seq"))
    assert bonus.item() == pytest.approx(0.012)
    # seq mode with row 0 = [3, 3, 3]: mean 3 is 1.2 above the band → 0.12 on its 3 tokens
    entropies = torch.tensor([[3.0, 3.0, 3.0], [1.0, 1.0, 0.0]])
    bonus, _ = run(history_of_1_5_at_turn_2(mode="seq"), entropies=entropies)
    assert bonus.item() == pytest.approx(0.01 * (11.0 / 5 - 3 * 0.12 / 5))


def test_no_history_means_no_penalty():
    bonus, metrics = run(EPORegularizer(coef=0.01, max_turns=4))
    assert bonus.item() == pytest.approx(0.012)
    assert metrics["entropy/smooth_penalty"] == 0.0


def entropy_gradient(reg) -> list[float]:
    entropies = torch.tensor(ENTROPIES, requires_grad=True)
    bonus, _ = run(reg, entropies=entropies)
    bonus.backward()
    return entropies.grad[0].tolist()


def test_hinge_penalty_has_gradient_and_code_form_has_none():
    plain = 0.01 / 5  # d bonus / d H_token from the entropy term alone
    # below the band the hinge adds +κ, above it −κ (κ = 0.1, w(0) = 1)
    assert entropy_gradient(history_of_1_5_at_turn_2()) == pytest.approx(
        [plain * 1.1, plain, plain * 0.9]
    )
    assert entropy_gradient(history_of_1_5_at_turn_2(differentiable=False)) == pytest.approx(
        [plain, plain, plain]
    )


def test_state_dict_round_trip():
    reg = history_of_1_5_at_turn_2()
    fresh = EPORegularizer(coef=0.01, max_turns=4)
    fresh.load_state_dict(reg.state_dict())
    assert fresh.history() == reg.history()
    assert run(fresh)[0].item() == pytest.approx(run(reg)[0].item())


def test_bad_options_are_clear_errors():
    with pytest.raises(ValueError, match="mode='tok'"):
        EPORegularizer(mode="tok")
    with pytest.raises(ValueError, match="min_ratio <= max_ratio"):
        EPORegularizer(min_ratio=1.5, max_ratio=1.2)


def test_plain_entropy_is_coef_times_token_mean():
    plain = PlainEntropy(coef=0.5)
    bonus, metrics = plain(torch.tensor([[1.0, 2.0], [3.0, 9.0]]),
                           torch.tensor([[1.0, 1.0], [1.0, 0.0]]), torch.tensor([0, 1]), 0.3)
    assert bonus.item() == pytest.approx(1.0)
    assert metrics == {"entropy/mean": pytest.approx(2.0)}
    assert plain.state_dict() == {}


def test_epo_on_tiny_model_backpropagates_into_the_policy():
    policy = HFPolicy.from_name("tiny:llama")
    prompts = [policy.render([{"role": "user", "content": f"step {t}"}]) for t in range(3)]
    actions = [policy.tokenizer(a, add_special_tokens=False)["input_ids"]
               for a in ("go north", "open the door", "look")]
    reg = EPORegularizer(max_turns=2)
    scores = policy.score(prompts, actions)
    reg(scores.entropies.detach(), scores.mask, torch.tensor([0, 1, 2]), 0.0)
    reg.end_iteration()
    scores = policy.score(prompts, actions)
    bonus, metrics = reg(scores.entropies, scores.mask, torch.tensor([0, 1, 2]), 0.6)
    assert bonus.shape == () and math.isfinite(bonus.item())
    assert all(math.isfinite(value) for value in metrics.values())
    bonus.backward()
    grads = [p.grad for p in policy.model.parameters() if p.grad is not None]
    assert grads and any(g.abs().sum() > 0 for g in grads)
