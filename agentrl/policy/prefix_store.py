"""Keys and values kept from one generate call to the next, for prompts that extend an
earlier prompt and its reply (multi-turn rollouts with the full history).

After a call, each row's cache holds the keys / values of its prompt and of its reply
(all but the last sampled token, which was never fed back). On the next call a prompt
that starts with one of those token sequences reuses that many cached positions and is
prefilled from there on (`agentrl.policy.decoding`). Keys carry their rotary positions, so
moving a row's cached positions to another batch layout is exact.

The kept caches belong to the weights that computed them: any change of a parameter (an
optimizer step, a loaded checkpoint, a moved model) empties the store.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from transformers import DynamicCache

from agentrl.policy.kv_cache import ReservedLayer
from agentrl.policy.weights import weights_fingerprint

MIN_REUSED_TOKENS = 32  # below this, prefilling again is as cheap as gathering the cache


@dataclass(frozen=True)
class CachedRows:
    """The cache of one decode call and, per row, which tokens it holds where."""

    cache: DynamicCache
    tokens: list[list[int]]  # per row: the tokens whose keys / values the cache holds
    columns: list[torch.Tensor]  # per row: their cache positions, in token order

    @classmethod
    def from_decode(
        cls, cache: DynamicCache, prompts: Sequence[Sequence[int]], sampled: torch.Tensor,
        mask: torch.Tensor, ended_at: torch.Tensor,
    ) -> CachedRows | None:
        """The rows of a finished decode call; None when its cache layers cannot be moved.

        ``sampled`` [B, T] are the drawn tokens, ``mask`` [B, cache length] the attention
        mask over the cache, ``ended_at`` [B] the number of tokens each row kept (its
        end-of-sequence included; T if it never ended).
        """
        if not all(isinstance(layer, ReservedLayer) for layer in cache.layers):
            return None
        fed = sampled.shape[1] - 1  # the last sampled token never went through the model
        kept = ended_at.clamp(max=fed).tolist()
        tokens = [list(p) + sampled[row, :n].tolist()
                  for row, (p, n) in enumerate(zip(prompts, kept, strict=True))]
        columns = [mask[row].nonzero().squeeze(-1)[: len(t)] for row, t in enumerate(tokens)]
        return cls(cache, tokens, columns)


@dataclass(frozen=True)
class Reuse:
    """Where one prompt's first ``length`` tokens are cached: row ``row`` of ``source``."""

    source: CachedRows | None
    row: int
    length: int


def common_prefix_lengths(prompt: Sequence[int], candidates: torch.Tensor) -> torch.Tensor:
    """For each row of ``candidates`` [R, L] (padded with -1), the length of its common prefix
    with ``prompt``."""
    width = min(len(prompt), candidates.shape[1])
    if width == 0:
        return torch.zeros(candidates.shape[0], dtype=torch.long)
    equal = candidates[:, :width] == torch.tensor(prompt[:width]).unsqueeze(0)
    return equal.long().cumprod(-1).sum(-1)


def plan_reuse(prompts: Sequence[Sequence[int]], kept: Sequence[CachedRows]) -> list[Reuse]:
    """For each prompt, the kept row sharing its longest prefix (at most all but its last
    token, which must be fed to get the next token's logits)."""
    rows = [(source, row, tokens) for source in kept for row, tokens in enumerate(source.tokens)]
    if not rows:
        return [Reuse(None, 0, 0) for _ in prompts]
    width = max(len(tokens) for _, _, tokens in rows)
    candidates = torch.full((len(rows), width), -1, dtype=torch.long)
    for index, (_, _, tokens) in enumerate(rows):
        candidates[index, : len(tokens)] = torch.tensor(tokens, dtype=torch.long)
    plan = []
    for prompt in prompts:
        lengths = common_prefix_lengths(prompt, candidates).clamp(max=len(prompt) - 1)
        best = int(lengths.argmax())
        source, row, _ = rows[best]
        plan.append(Reuse(source, row, int(lengths[best])))
    return plan


def gather_reused(plan: Sequence[Reuse], cache: DynamicCache) -> None:
    """Fill the empty ``cache`` with each row's reused keys / values, right-aligned to the
    longest reused length (rows reusing less are padded on the left with zeros)."""
    width = max(step.length for step in plan)
    template = next(step.source.cache for step in plan if step.source is not None and step.length)
    for index, layer in enumerate(template.layers):
        keys = layer.keys.new_zeros(len(plan), layer.keys.shape[1], width, layer.keys.shape[-1])
        values = torch.zeros_like(keys)
        for row, step in enumerate(plan):
            if step.length and step.source is not None:
                source = step.source.cache.layers[index]
                where = step.source.columns[step.row][: step.length]
                keys[row, :, width - step.length :] = source.keys[step.row][:, where]
                values[row, :, width - step.length :] = source.values[step.row][:, where]
        cache.update(keys, values, index)


class PrefixStore:
    """The rows kept by the latest generate call, while the weights stay as they were."""

    def __init__(self) -> None:
        self._kept: list[CachedRows] = []
        self._weights: tuple[tuple[int, int], ...] | None = None

    def take(self, model: torch.nn.Module) -> list[CachedRows]:
        """The kept rows if ``model``'s weights are unchanged since they were kept (else
        none); the store is emptied either way, for this call's rows."""
        kept, self._kept = self._kept, []
        weights = weights_fingerprint(model)
        valid = weights == self._weights
        self._weights = weights
        return kept if valid else []

    def keep(self, rows: CachedRows | None) -> None:
        """Keep one decode call's rows for the next call."""
        if rows is not None:
            self._kept.append(rows)

    def clear(self) -> None:
        """Forget every kept row (frees their caches)."""
        self._kept, self._weights = [], None
