"""Prompts of one decode call that share a prefix with some, not all, of the others: each
such prefix is prefilled once and its keys / values are copied to the rows that start with it.

The decoder (`agentrl.policy.decoding`) prefills the prefix common to every prompt once.
Beyond it prompts often fall into groups: several tasks x G rollouts on a later turn share
their task's text but not their histories; tasks of one family share an instruction. Here
the distinct prompts, sorted, are cut into runs of neighbours that share at least
``MIN_GROUP_PREFIX`` tokens past the common prefix (a run is joined while that saves more
prefilled tokens than it loses), and the cache is filled in three passes:

1. the common prefix, once (the caller's pass), repeated to one row per group;
2. each group's shared tokens, one row per group, after the common prefix (a group of one
   prompt takes as many of its tokens as the widest group, leaving it at least one);
3. each prompt's remaining tokens, after its group's row copied to it.

Row layout: ``[common][padding][group's tokens][padding][own tokens]``. The attention mask
hides the padding and position ids count real tokens only, so every row attends to exactly
the keys, at exactly the positions, it would see alone. Grouping is used only when its
padded passes are smaller than the one pass over every prompt's whole suffix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from transformers import DynamicCache, PreTrainedModel

MIN_GROUP_PREFIX = 8  # a group must share this many tokens past the common prefix


@dataclass(frozen=True)
class GroupPlan:
    """How the prompts of a decode call are grouped past their ``common`` prefix."""

    common: int  # tokens every prompt shares (prefilled once by the caller)
    group_of: list[int]  # per prompt: its group
    shared: list[int]  # per group: the tokens past ``common`` its prompts share

    def passes(self, lengths: Sequence[int]) -> tuple[int, int]:
        """Positions (padding included) of pass 2 and pass 3 for prompts of ``lengths``."""
        own = max(n - self.common - self.shared[g] for n, g in zip(lengths, self.group_of,
                                                                     strict=True))
        return len(self.shared) * max(self.shared), len(self.group_of) * own


def _common_length(a: Sequence[int], b: Sequence[int], start: int) -> int:
    """Length of the common prefix of ``a[start:]`` and ``b[start:]``."""
    length, limit = 0, min(len(a), len(b)) - start
    while length < limit and a[start + length] == b[start + length]:
        length += 1
    return length


def _runs(prompts: Sequence[Sequence[int]], common: int) -> tuple[list[list[int]], list[int]]:
    """Cut the sorted prompts into runs; return (each run's prompt indices, its shared
    length past ``common``, at most every member's length - 1 so each keeps a token)."""
    order = sorted(range(len(prompts)), key=lambda i: tuple(prompts[i][common:]))
    runs: list[list[int]] = []
    shared: list[int] = []
    for index in order:
        prompt = prompts[index]
        own_limit = len(prompt) - 1 - common
        if runs:
            first = prompts[runs[-1][0]]
            joined = min(shared[-1], own_limit, _common_length(first, prompt, common))
            members = len(runs[-1])  # a run of k saves (k - 1) x its shared length
            if joined >= MIN_GROUP_PREFIX and members * joined > (members - 1) * shared[-1]:
                runs[-1].append(index)
                shared[-1] = joined
                continue
        runs.append([index])
        shared.append(max(own_limit, 0))
    return runs, shared


def plan_groups(prompts: Sequence[Sequence[int]], common: int) -> GroupPlan | None:
    """The grouping of distinct ``prompts`` past their ``common`` prefix, or None when no
    two share ``MIN_GROUP_PREFIX`` more tokens or grouping would not prefill fewer
    positions than one pass over every suffix."""
    if len(prompts) < 3:  # two distinct prompts share only the common prefix
        return None
    runs, shared = _runs(prompts, common)
    if all(len(run) < 2 for run in runs) or len(runs) in (1, len(prompts)):
        return None  # no group, or one: the common prefix's own pass (the caller's)
    # a lone prompt's pass-2 row need not be wider than the groups' (less padding there)
    widest = max(n for run, n in zip(runs, shared, strict=True) if len(run) > 1)
    shared = [n if len(run) > 1 else min(n, widest) for run, n in zip(runs, shared, strict=True)]
    if common == 0 and min(shared) == 0:
        return None  # a group row with no token at all would attend to nothing
    group_of = [0] * len(prompts)
    for group, run in enumerate(runs):
        for index in run:
            group_of[index] = group
    plan = GroupPlan(common, group_of, shared)
    lengths = [len(p) for p in prompts]
    one_pass = len(prompts) * (max(lengths) - common)
    return plan if sum(plan.passes(lengths)) + MIN_GROUP_PREFIX < one_pass else None


def prefill_groups(
    model: PreTrainedModel,
    cache: DynamicCache,
    plan: GroupPlan,
    prompts: Sequence[Sequence[int]],
    pad_id: int,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Passes 2 and 3 (the module's docstring) into ``cache``, which holds the common
    prefix as one row (or nothing when ``plan.common`` is 0); return (last logits [B, V],
    the attention mask over the cache [B, length], next positions [B, 1]) per prompt."""
    device = next(model.parameters()).device
    groups, common = len(plan.shared), plan.common
    if common:
        cache.batch_repeat_interleave(groups)
    firsts = [plan.group_of.index(group) for group in range(groups)]
    segments = [prompts[i][common : common + n] for i, n in zip(firsts, plan.shared, strict=True)]
    mask = torch.ones(groups, common, dtype=torch.long, device=device)
    start = torch.full((groups,), common, device=device)
    _, mask, start = extend(model, cache, mask, start, segments, pad_id)
    rows = torch.tensor(plan.group_of, device=device)
    cache.batch_select_indices(rows)
    own = [p[common + plan.shared[g] :] for p, g in zip(prompts, plan.group_of, strict=True)]
    logits, mask, start = extend(model, cache, mask[rows], start[rows], own, pad_id)
    return logits, mask, start.unsqueeze(-1)


def extend(
    model: PreTrainedModel,
    cache: DynamicCache,
    mask: torch.Tensor,
    start: torch.Tensor,
    segments: Sequence[Sequence[int]],
    pad_id: int,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Feed each row's ``segments`` (left-padded) after the cached positions that ``mask``
    [B, cache length] marks real, at positions from ``start`` [B]; return (last logits
    [B, V], the mask over the extended cache, the next position of each row [B])."""
    width = max(len(s) for s in segments)
    device = mask.device
    ids = torch.full((len(segments), width), pad_id, dtype=torch.long, device=device)
    own = torch.zeros_like(ids)
    for row, segment in enumerate(segments):
        if segment:
            ids[row, width - len(segment) :] = torch.tensor(segment, device=device)
            own[row, width - len(segment) :] = 1
    positions = start[:, None] + (own.cumsum(-1) - 1).clamp(min=0)
    mask = torch.cat([mask, own], dim=1)
    logits = model(
        input_ids=ids, attention_mask=mask, position_ids=positions,
        past_key_values=cache, use_cache=True, logits_to_keep=1,
    ).logits[:, -1]
    return logits, mask, start + own.sum(-1)
