"""EPO's entropy term and the plain entropy bonus: values and gradients computed by hand.

Paper: arXiv 2509.22576v2, §3–4 — Eq. 2 (L_H), Eq. 3 (the hinge P), Eq. 4 (L_smooth),
Eq. 5 (β_k), Eq. 6 (L), Algorithm 1 (the history H̄_W), Tables 2–3 (defaults). Code variant:
the authors' repository WujiangXu/EPO (per-turn references, the phase weight w(p)).
"""

from __future__ import annotations

import math

import pytest
import torch

from agentrl.policy.hf import HFPolicy
from agentrl.update.entropy import PlainEntropy, TrainingPhase, make_entropy_regularizer
from agentrl.update.epo import EPOCode, EPOPaper, make_epo, phase_beta, phase_weight
from agentrl.update.loss import aggregate, aggregate_turns

E3 = math.exp(-3.0)


# -- the paper (default) -----------------------------------------------------------------

def test_paper_defaults_are_tables_2_and_3():
    term = make_entropy_regularizer("epo")
    assert isinstance(term, EPOPaper)
    assert (term.coef, term.kappa_low, term.kappa_high, term.alpha, term.gamma) == (
        0.001, 0.0, 2.0, 0.1, 3.0)
    assert term.aggregation == "trajectory"  # Eq. 2


def test_beta_is_eq_5():
    # β_k = 1 + exp(−γ k / k_mid), k_mid = ⌊K/2⌋, γ = 3
    assert phase_beta(0, 150) == 2.0
    assert phase_beta(75, 150) == pytest.approx(1 + E3)  # k = k_mid
    assert phase_beta(150, 150) == pytest.approx(1 + math.exp(-6.0))  # 1.0025 at the end
    assert phase_beta(62, 125) == pytest.approx(1 + E3)  # K odd: k_mid = 62
    assert phase_beta(10, 20, gamma=1.0) == pytest.approx(1 + math.exp(-1.0))
    assert min(phase_beta(k, 150) for k in range(151)) > 1.0  # never below 1


def test_beta_takes_k_from_the_run_or_from_total_steps():
    term = EPOPaper()
    # the train loop reports progress (k + 1) / K: k = 74 of K = 150
    assert term.beta(TrainingPhase(74, 75 / 150)) == pytest.approx(1 + math.exp(-3 * 74 / 75))
    assert EPOPaper(total_steps=10).beta(TrainingPhase(5, 0.0)) == pytest.approx(1 + E3)
    assert term.beta(TrainingPhase(0, 0.0)) == 2.0
    with pytest.raises(ValueError, match="total_steps"):
        term.beta(TrainingPhase(3, 0.0))


def paper_with_history(*means: float, **options) -> EPOPaper:
    """Algorithm 1: each step appends the batch's token-mean entropy (sum / tokens)."""
    term = EPOPaper(**options)
    for mean in means:
        assert term.end_iteration({"sum": 4.0 * mean, "tokens": 4.0}) == {}
    return term


def test_history_is_one_scalar_the_mean_of_past_batch_means():
    term = EPOPaper()
    assert term.reference() is None
    term.end_iteration({"sum": 6.0, "tokens": 4.0})  # H̄_0 = 1.5
    assert term.reference() == 1.5
    term.end_iteration({"sum": 1.0, "tokens": 2.0})  # H̄_1 = 0.5
    assert term.reference() == pytest.approx(1.0)  # H̄_W = (1.5 + 0.5) / 2
    assert term.state_dict() == {"variant": "paper", "history": [1.5, 0.5]}


def test_statistics_are_sums_over_real_tokens():
    stats = EPOPaper().statistics(torch.tensor([[1.0, 2.0, 9.0]]),
                                  torch.tensor([[1.0, 1.0, 0.0]]), torch.tensor([0]))
    assert stats == {"sum": 3.0, "tokens": 2.0}


# three turns: trajectory A's only turn (row 0), trajectory B's two turns (rows 1, 2)
ENTROPIES = [[0.5, 2.5, 3.0], [1.0, 4.0, 0.0], [1.0, 1.0, 1.0]]
MASK = [[1.0, 1.0, 1.0], [1.0, 1.0, 0.0], [1.0, 1.0, 1.0]]
TURN_WEIGHTS = [1.0, 0.5, 0.5]  # 1 / T_i
PHASE = TrainingPhase(2, 3 / 4)  # k = 2 of K = 4: k_mid = 2, β = 1 + e^{−3}


def paper_bonus(term: EPOPaper, entropies: torch.Tensor | None = None) -> torch.Tensor:
    entropies = torch.tensor(ENTROPIES) if entropies is None else entropies
    values, _ = term.token_values(entropies, torch.tensor(MASK), torch.tensor([0, 0, 1]), PHASE)
    if term.aggregation == "trajectory":
        return term.coef * aggregate_turns(values, torch.tensor(MASK),
                                           torch.tensor(TURN_WEIGHTS), normalizer=2.0)
    return term.coef * aggregate(values, torch.tensor(MASK), "token-mean", normalizer=8.0)


def test_first_step_has_no_smoothing_term():
    values, metrics = EPOPaper().token_values(torch.tensor(ENTROPIES), torch.tensor(MASK),
                                              torch.tensor([0, 0, 1]), TrainingPhase())
    assert values.tolist() == ENTROPIES and metrics == {}  # L_smooth = 0 at k = 0


def test_eq_6_with_eq_2_aggregation_by_hand():
    # H̄_W = mean(0.5, 1.5) = 1; κ_l = 0, κ_r = 2: P = [H − 2]_+ = [0, .5, 1], [0, 2], [0, 0, 0]
    # Eq. 2: L_H = ½ (mean row 0 + ½ (mean row 1 + mean row 2)) = ½ (2 + ½ (2.5 + 1)) = 1.875
    # Eq. 4: L_smooth = α ½ (0.5 + ½ (1 + 0)) = 0.1 · 0.5 = 0.05
    # Eq. 6: the bonus λ (L_H − β_k L_smooth)
    term = paper_with_history(0.5, 1.5)
    assert paper_bonus(term).item() == pytest.approx(0.001 * (1.875 - (1 + E3) * 0.05))
    _, metrics = term.token_values(torch.tensor(ENTROPIES), torch.tensor(MASK),
                                   torch.tensor([0, 0, 1]), PHASE)
    assert metrics == {"entropy/smooth_penalty": pytest.approx(0.35),  # α Σ P
                       "entropy/penalized_frac": 3.0}  # tokens with P > 0


def test_token_mean_aggregation_by_hand():
    # the pseudocode's token mean over 8 real tokens: H 14 / 8, α P 0.35 / 8
    term = paper_with_history(0.5, 1.5, aggregation="loss")
    assert paper_bonus(term).item() == pytest.approx(0.001 * (14 / 8 - (1 + E3) * 0.35 / 8))


def test_lower_bound_and_hinge_gradient():
    # κ_l = 0.8: lower 0.8 → token 0.5 is 0.3 below; d v / d H = 1 + β α below, 1 − β α above
    term = paper_with_history(0.5, 1.5, kappa_low=0.8, aggregation="loss", coef=1.0)
    entropies = torch.tensor(ENTROPIES, requires_grad=True)
    paper_bonus(term, entropies).backward()
    beta_alpha = (1 + E3) * 0.1
    assert entropies.grad[0].tolist() == pytest.approx(
        [(1 + beta_alpha) / 8, (1 - beta_alpha) / 8, (1 - beta_alpha) / 8])
    assert entropies.grad[2].tolist() == pytest.approx([1 / 8] * 3)  # inside the band


def test_penalty_acts_on_every_turn():
    term = paper_with_history(1.0)
    late, _ = term.token_values(torch.tensor([[5.0]]), torch.ones(1, 1), torch.tensor([40]),
                                PHASE)
    early, _ = term.token_values(torch.tensor([[5.0]]), torch.ones(1, 1), torch.tensor([0]),
                                 PHASE)
    assert late.item() == early.item() == pytest.approx(5.0 - (1 + E3) * 0.1 * 3.0)


def test_paper_state_dict_round_trip_and_variant_mismatch():
    term = paper_with_history(0.5, 1.5)
    fresh = EPOPaper()
    fresh.load_state_dict(term.state_dict())
    assert fresh.reference() == term.reference()
    with pytest.raises(ValueError, match="variant 'paper'.*variant: paper"):
        EPOCode().load_state_dict(term.state_dict())
    old = {"history_sum": [0.0, 1.0], "history_count": [0, 1]}  # written before variants
    with pytest.raises(ValueError, match="variant: code"):
        EPOPaper().load_state_dict(old)
    EPOCode().load_state_dict(old)


def test_bad_options_are_clear_errors():
    with pytest.raises(ValueError, match="variant 'paper'.*'max_turns'"):
        make_epo(max_turns=3)
    with pytest.raises(ValueError, match="'total_steps'"):
        make_epo(variant="code", total_steps=3)
    with pytest.raises(ValueError, match="variant='authors'"):
        make_epo(variant="authors")
    with pytest.raises(ValueError, match="kappa_low <= kappa_high"):
        make_epo(kappa_low=1.5, kappa_high=1.2)
    with pytest.raises(ValueError, match="aggregation='seq'"):
        make_epo(aggregation="seq")
    with pytest.raises(ValueError, match="mode='tok'"):
        make_epo(variant="code", mode="tok")
    with pytest.raises(ValueError, match="'min_ratio'"):
        make_entropy_regularizer("epo", min_ratio=0.8)
    with pytest.raises(ValueError, match="'none' takes no options"):
        make_entropy_regularizer("none", coef=1.0)


# -- the authors' code (variant: code) ---------------------------------------------------

def test_phase_weight_over_training():
    assert phase_weight(0.0) == 1.0
    # first half, p = 2P: 1 − 0.2 (1 − e^{−2p})
    assert phase_weight(0.25) == pytest.approx(1 - 0.2 * (1 - math.exp(-1.0)))  # 0.873576
    assert phase_weight(0.5) == pytest.approx(0.8270671, abs=1e-7)  # 1 − 0.2 (1 − e^{-2})
    # second half, p = 2P − 1: 0.8 e^{−3p}
    assert phase_weight(0.75) == pytest.approx(0.8 * math.exp(-1.5))  # 0.178504
    assert phase_weight(1.0) == pytest.approx(0.0398297, abs=1e-7)  # 0.8 e^{-3}
    assert phase_weight(1.5) == phase_weight(1.0)


def code_with_history_1_5_at_turn_2(**options) -> EPOCode:
    """H̄_2 = mean(1.0, 2.0) = 1.5 after two iterations (sums and counts of turn 2)."""
    term = make_epo(variant="code", coef=0.01, max_turns=4, **options)
    assert isinstance(term, EPOCode)
    for mean in (1.0, 2.0):
        term.end_iteration({"sum/2": 2 * mean, "tokens/2": 2.0, "sum/0": 0.0, "tokens/0": 0.0})
    return term


CODE_ENTROPIES = [[0.5, 1.5, 2.0], [1.0, 1.0, 0.0]]
CODE_MASK = [[1.0, 1.0, 1.0], [1.0, 1.0, 0.0]]
CODE_TURNS = [2, 1]  # turn 1 is before max_turns // 2 = 2: never penalised


def code_bonus(term: EPOCode, progress: float = 0.0, entropies=None) -> torch.Tensor:
    entropies = torch.tensor(CODE_ENTROPIES) if entropies is None else entropies
    values, _ = term.token_values(entropies, torch.tensor(CODE_MASK), torch.tensor(CODE_TURNS),
                                  TrainingPhase(0, progress))
    return term.coef * aggregate(values, torch.tensor(CODE_MASK), "token-mean", normalizer=5.0)


def test_code_history_is_per_turn_index():
    term = code_with_history_1_5_at_turn_2()
    assert term.history() == {2: pytest.approx(1.5)}  # turn 0 had no tokens: not recorded
    stats = term.statistics(torch.tensor(CODE_ENTROPIES), torch.tensor(CODE_MASK),
                            torch.tensor(CODE_TURNS))
    assert stats == {"sum/2": 4.0, "tokens/2": 3.0, "sum/1": 2.0, "tokens/1": 2.0}


def test_code_form_mask_penalty_by_hand():
    # band at turn 2: (1.2, 1.8); 0.5 and 2.0 are outside: α each; H = 6 / 5
    term = code_with_history_1_5_at_turn_2()
    assert code_bonus(term).item() == pytest.approx(0.01 * (1.2 - 0.2 / 5))
    # w(0.75) = 0.8 e^{−1.5}
    assert code_bonus(term, 0.75).item() == pytest.approx(
        0.01 * (1.2 - 0.8 * math.exp(-1.5) * 0.2 / 5))
    entropies = torch.tensor(CODE_ENTROPIES, requires_grad=True)
    code_bonus(term, entropies=entropies).backward()
    assert entropies.grad[0].tolist() == pytest.approx([0.01 / 5] * 3)  # no gradient from P


def test_code_hinge_and_seq_mode_by_hand():
    # hinge: α (0.7, 0, 0.2) on row 0
    hinge = code_with_history_1_5_at_turn_2(hinge=True)
    assert code_bonus(hinge).item() == pytest.approx(0.01 * (1.2 - 0.09 / 5))
    # seq mode: row 0's mean 4/3 is inside (1.2, 1.8): no penalty
    assert code_bonus(code_with_history_1_5_at_turn_2(mode="seq")).item() == pytest.approx(
        0.012)
    # seq mode, row 0 = [3, 3, 3]: its mean 3 is outside, α on each of its 3 tokens
    entropies = torch.tensor([[3.0, 3.0, 3.0], [1.0, 1.0, 0.0]])
    seq = code_with_history_1_5_at_turn_2(mode="seq")
    assert code_bonus(seq, entropies=entropies).item() == pytest.approx(
        0.01 * (11.0 / 5 - 3 * 0.1 / 5))


def test_code_state_dict_round_trip():
    term = code_with_history_1_5_at_turn_2()
    fresh = EPOCode(coef=0.01, max_turns=4)
    fresh.load_state_dict(term.state_dict())
    assert fresh.history() == term.history()
    assert code_bonus(fresh).item() == pytest.approx(code_bonus(term).item())


# -- plain ------------------------------------------------------------------------------

def test_plain_entropy_is_the_entropy_aggregated_as_the_loss():
    plain = make_entropy_regularizer("plain", coef=0.5)
    assert isinstance(plain, PlainEntropy) and plain.aggregation == "loss"
    entropies = torch.tensor([[1.0, 2.0], [3.0, 9.0]])
    values, metrics = plain.token_values(entropies, torch.ones(2, 2), torch.tensor([0, 1]),
                                         TrainingPhase())
    assert values is entropies and metrics == {}
    assert plain.statistics(entropies, torch.ones(2, 2), torch.tensor([0, 1])) == {}
    assert plain.state_dict() == {}


def test_epo_on_tiny_model_backpropagates_into_the_policy():
    policy = HFPolicy.from_name("tiny:llama")
    prompts = [policy.render([{"role": "user", "content": f"step {t}"}]) for t in range(3)]
    actions = [policy.tokenizer(a, add_special_tokens=False)["input_ids"]
               for a in ("go north", "open the door", "look")]
    term = EPOPaper(kappa_low=1.0, kappa_high=1.0)  # a band of one point: every token pays
    turns = torch.tensor([0, 1, 2])
    with torch.no_grad():
        scores = policy.score(prompts, actions)
        term.end_iteration(term.statistics(scores.entropies, scores.mask, turns))
    scores = policy.score(prompts, actions)
    values, metrics = term.token_values(scores.entropies, scores.mask, turns,
                                        TrainingPhase(1, 0.5))
    bonus = term.coef * aggregate_turns(values, scores.mask, torch.ones(3), 3.0)
    assert math.isfinite(bonus.item()) and metrics["entropy/penalized_frac"] > 0
    bonus.backward()
    grads = [p.grad for p in policy.model.parameters() if p.grad is not None]
    assert grads and any(g.abs().sum() > 0 for g in grads)
