"""Prefixes shared by some, not all, prompts of a decode call are prefilled once per group
(`agentrl.policy.prefix_groups`) and sample exactly what each prompt would alone."""

from __future__ import annotations

import pytest
import torch

from agentrl.policy import prefix_groups
from agentrl.policy.base import SamplingParams
from agentrl.policy.hf import HFPolicy
from agentrl.policy.prefix_groups import plan_groups

COMMON = list(range(10, 30))  # 20 tokens every prompt starts with
TASK_A = list(range(200, 230))  # 30 tokens two prompts share
TASK_B = list(range(300, 330))  # 30 tokens three prompts share
OWN = [list(range(400 + 10 * i, 410 + 10 * i)) for i in range(5)]  # 10 tokens per row
PROMPTS = [COMMON + TASK_A + OWN[0], COMMON + TASK_B + OWN[1], COMMON + TASK_A + OWN[2],
           COMMON + TASK_B + OWN[3], COMMON + TASK_B + OWN[4]]
GREEDY = SamplingParams(temperature=0.0, max_new_tokens=5)


@pytest.fixture(scope="module")
def llama() -> HFPolicy:
    return HFPolicy.from_name("tiny:llama")  # fp32


def assert_same(got: list, expected: list) -> None:
    assert [g.token_ids for g in got] == [g.token_ids for g in expected]
    for a, b in zip(got, expected, strict=True):
        torch.testing.assert_close(torch.tensor(a.logprobs), torch.tensor(b.logprobs),
                                   atol=1e-5, rtol=0)


def test_plan_groups_prompts_by_the_prefix_they_share_past_the_common_one() -> None:
    plan = plan_groups(PROMPTS, len(COMMON))
    assert plan is not None
    assert plan.group_of == [0, 1, 0, 1, 1]  # sorted: task A's tokens (200…) come first
    assert plan.shared == [30, 30]
    # pass 2: 2 groups x 30 tokens; pass 3: 5 rows x 10 own tokens
    assert plan.passes([len(p) for p in PROMPTS]) == (60, 50)
    # a lone prompt is a group of its own, its pass-2 row no wider than the groups' (30)
    alone = COMMON + list(range(500, 540))
    plan = plan_groups([*PROMPTS, alone], len(COMMON))
    assert plan is not None and plan.shared == [30, 30, 30] and plan.group_of[-1] == 2


def test_a_pair_sharing_less_than_half_its_length_is_still_grouped() -> None:
    # the pair saves 30 tokens by sharing; a prompt alone saves nothing, whatever its length
    pair = [COMMON + TASK_A + OWN[0] * 4, COMMON + TASK_A + OWN[1] * 4]  # 30 shared + 40 own
    alone = COMMON + list(range(500, 570))
    plan = plan_groups([*pair, alone], len(COMMON))
    assert plan is not None and plan.group_of == [0, 0, 1] and plan.shared == [30, 30]
    assert plan.passes([90, 90, 90]) == (2 * 30, 3 * 40)  # against 3 x 70 in one pass


def test_no_groups_when_prompts_share_too_little_past_the_common_prefix() -> None:
    short = [COMMON + [200 + i] * 3 + OWN[i] for i in range(4)]  # groups would share 3
    assert plan_groups(short, len(COMMON)) is None
    assert plan_groups(PROMPTS[:2], len(COMMON)) is None  # two prompts: only the common one


def test_each_shared_prefix_is_prefilled_once(llama: HFPolicy, forward_shapes) -> None:
    llama.prefix_store.clear()
    shapes = forward_shapes(llama)
    llama.generate_from_ids(PROMPTS, GREEDY)
    # the common prefix once, each task's 30 tokens once, then every row's own 10
    assert shapes[:3] == [(1, 20), (2, 30), (5, 10)]
    assert all(shape == (5, 1) for shape in shapes[3:])  # then one token per step
    prefilled = sum(batch * length for batch, length in shapes[:3])
    assert prefilled == 20 + 2 * 30 + 5 * 10  # against 20 + 5 x 40 without the groups


def test_grouped_decoding_equals_the_ungrouped_path_and_each_prompt_alone(
    llama: HFPolicy, monkeypatch: pytest.MonkeyPatch, forward_shapes
) -> None:
    llama.prefix_store.clear()
    grouped = llama.generate_from_ids(PROMPTS, GREEDY)
    shapes = forward_shapes(llama)
    monkeypatch.setattr(prefix_groups, "MIN_GROUP_PREFIX", 10_000)  # grouping off
    llama.prefix_store.clear()
    ungrouped = llama.generate_from_ids(PROMPTS, GREEDY)
    assert shapes[:2] == [(1, 20), (5, 40)]  # the common prefix, then whole suffixes
    assert_same(grouped, ungrouped)
    alone = []
    for prompt in PROMPTS:
        llama.prefix_store.clear()
        alone += llama.generate_from_ids([prompt], GREEDY)
    assert_same(grouped, alone)


def test_sampled_replies_of_grouped_prompts_score_the_same_in_the_trainer(
    llama: HFPolicy,
) -> None:
    llama.prefix_store.clear()
    prompts = [*PROMPTS, COMMON + list(range(500, 540))]  # with a lone prompt
    sampled = llama.generate_from_ids(prompts, SamplingParams(temperature=0.9,
                                                              max_new_tokens=5, seed=4))
    with torch.no_grad():
        scores = llama.score(prompts, [g.token_ids for g in sampled], temperature=0.9)
    width = scores.logprobs.shape[1]
    for row, generation in enumerate(sampled):
        got = scores.logprobs[row, width - len(generation.token_ids) :]
        torch.testing.assert_close(got, torch.tensor(generation.logprobs), atol=1e-5, rtol=0)
