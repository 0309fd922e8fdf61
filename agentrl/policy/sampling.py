"""Drawing the next token of every row: greedy, or the tempered distribution restricted by
top-k / top-p, by a two-level inverse CDF."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from agentrl.policy.base import SamplingParams


def sample_next(
    logits: torch.Tensor, sampling: SamplingParams, generator: torch.Generator | None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Draw one token per row of ``logits`` [B, V]; return (tokens, their log-probs) [B].

    Greedy when temperature is 0 (log-probs then at T = 1). Otherwise the draw is
    ``min{i : CDF(i) > u · CDF(V)}`` with ``u ~ U[0, 1)`` over the (top-k / top-p restricted)
    probabilities of ``softmax(logits / T)``; zero-probability tokens are never drawn.
    """
    greedy = sampling.temperature == 0
    scaled = logits.float()
    if not greedy and sampling.temperature != 1.0:
        scaled = scaled / sampling.temperature
    top = scaled.amax(-1, keepdim=True)
    weights = (scaled - top).exp_()  # unnormalised probabilities, largest = 1
    log_normaliser = top + weights.sum(-1, keepdim=True).log()
    if greedy:
        tokens = scaled.argmax(-1)
    else:
        if sampling.top_k:
            kth = weights.topk(min(sampling.top_k, weights.shape[-1]), dim=-1).values[:, -1:]
            weights = weights.masked_fill(weights < kth, 0.0)
        if sampling.top_p < 1.0:
            weights = _nucleus(weights, sampling.top_p)
        tokens = inverse_cdf_draw(weights, generator)
    index = tokens.unsqueeze(-1)
    return tokens, (scaled.gather(-1, index) - log_normaliser).squeeze(-1)


def inverse_cdf_draw(
    weights: torch.Tensor, generator: torch.Generator | None, block: int = 256
) -> torch.Tensor:
    """One index per row, drawn with probability proportional to ``weights`` [B, V] (≥ 0).

    Two-level inverse CDF: pick a block of ``block`` entries from the cumulative block
    masses, then the entry inside it, so the full-vocabulary cumulative sum (slow on a CPU
    for a batch) is never formed. Block masses are summed in float32, cumulated in float64.
    """
    rows, size = weights.shape
    spare = (-size) % block
    padded = (F.pad(weights, (0, spare)) if spare else weights).view(rows, -1, block)
    block_cdf = padded.sum(-1).double().cumsum(-1)
    draw = torch.rand(rows, 1, generator=generator, dtype=torch.float64, device=weights.device)
    target = draw * block_cdf[:, -1:]
    chosen = torch.searchsorted(block_cdf, target, right=True).clamp(max=block_cdf.shape[1] - 1)
    before = torch.where(chosen > 0, block_cdf.gather(-1, (chosen - 1).clamp(min=0)), 0.0)
    inside = padded.gather(1, chosen.unsqueeze(-1).expand(rows, 1, block)).squeeze(1)
    inside_cdf = inside.double().cumsum(-1)
    # Rescale the remainder onto this block's own cumulative sum (robust to rounding).
    share = (target - before) / (block_cdf.gather(-1, chosen) - before)
    offset = torch.searchsorted(inside_cdf, share * inside_cdf[:, -1:], right=True)
    return (chosen * block + offset.clamp(max=block - 1)).squeeze(-1)


def _nucleus(weights: torch.Tensor, top_p: float) -> torch.Tensor:
    """Keep the smallest set of most likely tokens whose share of the mass reaches ``top_p``."""
    ordered, order = weights.sort(-1, descending=True)
    mass_before = (ordered.cumsum(-1) - ordered) / ordered.sum(-1, keepdim=True)
    ordered = ordered.masked_fill(mass_before >= top_p, 0.0)
    return torch.zeros_like(weights).scatter(-1, order, ordered)
