"""IGPO shaping: information-gain arithmetic by hand, answer probabilities on a tiny model.

Sources: arXiv 2510.14967v1 §3 (p = exp of the mean log-prob of the answer tokens;
r_t = p_t − p_{t−1} for t < T, the outcome on T) and the authors' code GuoqingWang1/IGPO @
bff163b (``scrl/llm_agent/generation.py``: the pseudo-reply prefix before the answer).
"""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from agentrl.core.types import Observation, Task, Trajectory, Turn
from agentrl.credit.context import ShapingContext
from agentrl.credit.registry import SHAPINGS
from agentrl.policy.hf import HFPolicy
from agentrl.rewards.igpo import CODE_ANSWER_PREFIX, answer_probabilities, igpo, information_gain


@pytest.fixture(scope="module")
def policy() -> HFPolicy:
    return HFPolicy.from_name("tiny:llama")


def search_episode(
    policy: HFPolicy, replies: list[str], outcome: float, *, answer: str | None = "Paris",
    errored: bool = False, keep_ids: bool = True,
) -> Trajectory:
    """A search-QA episode whose turns carry the tiny model's real prompts."""
    messages = [{"role": "user", "content": "Question: what is the capital of France?"}]
    turns = []
    for t, reply in enumerate(replies):
        turns.append(Turn(
            observation=Observation(text=messages[-1]["content"], state_key=f"s{t}"),
            prompt_messages=[dict(m) for m in messages],
            prompt_ids=policy.render(messages) if keep_ids else [],
            action=reply,
            action_ids=policy.tokenizer(reply, add_special_tokens=False)["input_ids"],
            state_key=f"s{t}",
        ))
        messages += [{"role": "assistant", "content": reply},
                     {"role": "user", "content": f"<result>doc {t}: France, capital</result>"}]
    task = Task(id="capital", env_id="tools/search-qa", ground_truth=answer)
    return Trajectory(task=task, turns=turns, outcome_reward=outcome, errored=errored,
                      group_id="g")


def test_information_gain_is_difference_of_consecutive_probabilities():
    # p_0 = 0.1, p_1 = 0.3, p_2 = 0.25; the third (final) turn gets the outcome
    assert information_gain([0.1, 0.3, 0.25], 1.0) == pytest.approx([0.2, -0.05, 1.0])
    assert information_gain([0.4], 0.5) == [0.5]


def test_information_gain_needs_p0():
    with pytest.raises(ValueError, match="p_0"):
        information_gain([], 1.0)


def test_igpo_is_registered():
    assert SHAPINGS.get("igpo") is igpo


def test_answer_probability_is_exp_mean_logprob_of_answer_tokens(policy):
    context = policy.render([{"role": "user", "content": "Capital of France?"}])
    answer = policy.tokenizer("Paris", add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        logits = policy.model(torch.tensor([context + answer])).logits[0].float()
    logprobs = F.log_softmax(logits[len(context) - 1 : -1], dim=-1)
    expected = math.exp(logprobs.gather(-1, torch.tensor(answer)[:, None]).mean().item())
    assert answer_probabilities(policy, [context], [answer]) == pytest.approx([expected], rel=1e-4)


def test_batched_scoring_matches_one_at_a_time(policy):
    contexts = [policy.render([{"role": "user", "content": text}])
                for text in ("Hi", "A longer question about rivers in France?", "Why?")]
    answers = [policy.tokenizer(a, add_special_tokens=False)["input_ids"]
               for a in ("Paris", "the Seine river", "no")]
    batched = answer_probabilities(policy, contexts, answers, batch_size=3)
    single = answer_probabilities(policy, contexts, answers, batch_size=1)
    assert batched == pytest.approx(single, rel=1e-4)


def test_turn_rewards_are_information_gains_then_outcome(policy):
    episodes = [search_episode(policy, ["search France", "search capital", "answer"], 1.0),
                search_episode(policy, ["answer"], 0.0),
                search_episode(policy, ["x"], 0.0, errored=True)]
    shaped = igpo(episodes, context=ShapingContext(policy=policy))
    answer = policy.tokenizer("Paris", add_special_tokens=False)["input_ids"]

    def probabilities(prefix_text):
        prefix = policy.tokenizer(prefix_text, add_special_tokens=False)["input_ids"]
        contexts = [turn.prompt_ids + prefix for turn in episodes[0].turns]
        return answer_probabilities(policy, contexts, [answer] * 3)

    p = probabilities(CODE_ANSWER_PREFIX)  # the default: the authors' pseudo-reply prefix
    rewards = [turn.reward for turn in shaped[0].turns]
    # a random tiny model gives p ≈ 1/vocab, so compare relatively, not to a loose abs
    assert p[0] != p[1] != p[2]
    assert rewards == pytest.approx([p[1] - p[0], p[2] - p[1], 1.0], rel=1e-4, abs=1e-12)
    short = igpo(episodes, context=ShapingContext(policy=policy), answer_prefix="<answer>")
    q = probabilities("<answer>")
    assert [turn.reward for turn in short[0].turns] == pytest.approx(
        [q[1] - q[0], q[2] - q[1], 1.0], rel=1e-4, abs=1e-12)
    assert q != pytest.approx(p, rel=1e-3)  # the prefix matters
    components = [turn.info["reward_components"] for turn in shaped[0].turns]
    assert [sorted(c) for c in components] == [["info_gain"], ["info_gain"], ["outcome"]]
    assert [turn.reward for turn in shaped[1].turns] == [0.0]  # one turn: just the outcome
    assert shaped[2] == episodes[2]  # errored: unchanged
    assert [turn.reward for turn in episodes[0].turns] == [0.0] * 3  # originals untouched


def test_prompt_messages_stand_in_for_missing_prompt_ids(policy):
    replies = ["search France", "answer"]
    with_ids = igpo([search_episode(policy, replies, 1.0)], context=ShapingContext(policy=policy))
    rendered = igpo([search_episode(policy, replies, 1.0, keep_ids=False)],
                    context=ShapingContext(policy=policy))
    assert [t.reward for t in rendered[0].turns] == pytest.approx(
        [t.reward for t in with_ids[0].turns], rel=1e-4, abs=1e-12
    )


def test_missing_ground_truth_is_a_clear_error(policy):
    episode = search_episode(policy, ["search", "answer"], 1.0, answer=None)
    with pytest.raises(ValueError, match="ground_truth=None .*capital"):
        igpo([episode], context=ShapingContext(policy=policy))
