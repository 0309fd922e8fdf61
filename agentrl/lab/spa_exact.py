"""SPA's progress estimator against the exact values of the policy it labels.

SPA-RL (Wang et al. 2025, arXiv 2505.20732; `agentrl.rewards.spa`) fits per-turn
contributions c_t with Σ_t c_t ≈ R. On a deterministic world whose values are known exactly
(`agentrl.lab.exact`), what c_t should be is exact too. With Q_t = Q^π(s_t, a_t) the exact
expected return once turn t's action is taken (= V^π(s_{t+1}) before the end):

- **cumulative progress** P_t = Σ_{k≤t} c_k estimates E[R | s_0, a_0 … a_t] = Q_t (the
  minimiser of E(Σ_t c_t − R)² among labels that see only the episode so far);
- **step contribution** c_t estimates Δ_t = Q_t − Q_{t−1}, with Q_{−1} = 0: Δ_0 = Q_0 and,
  the worlds being deterministic, Δ_t = Q^π(s_t, a_t) − V^π(s_t) = A^π(s_t, a_t) for t ≥ 1.

`exact_progress` gives (Q_t, Δ_t) for every turn; `tokenize_turns` writes the prompt and
action token ids an LLM's features need into episodes sampled by a `ScoredPolicy` (which
records none); `unique_turn_features` reads the policy's hidden features once per distinct
(prompt, action) sequence; `group_interval` bootstraps one metric over episode groups.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from agentrl.core.types import Trajectory
from agentrl.credit.context import hidden_features
from agentrl.lab.exact import GameGraph, NodeKey, NotEnumerable, Values
from agentrl.lab.fidelity import Interval
from agentrl.lab.stats import group_resamples
from agentrl.rollout.prompts import PromptOptions, build_messages


def exact_progress(graph: GameGraph, values: Values, trajectories: Sequence[Trajectory],
                   reset_seeds: Sequence[int | None]) -> tuple[list[list[float]],
                                                               list[list[float]]]:
    """(Q_t per turn, Δ_t per turn) of each non-errored trajectory (module docstring);
    errored trajectories get empty rows."""
    q_rows, delta_rows = [], []
    for trajectory, seed in zip(trajectories, reset_seeds, strict=True):
        q_row: list[float] = []
        if not trajectory.errored:
            key: NodeKey | None = graph.root(trajectory.task, seed)
            for t, turn in enumerate(trajectory.turns):
                if key is None or turn.action not in graph.nodes[key].edges:
                    raise NotEnumerable(f"turn {t} of {trajectory.task.id!r}: action "
                                        f"{turn.action!r} is not a listed admissible action")
                q_row.append(values.q[key][turn.action])
                key = graph.nodes[key].edges[turn.action].child
        q_rows.append(q_row)
        delta_rows.append([q - (q_row[t - 1] if t else 0.0) for t, q in enumerate(q_row)])
    return q_rows, delta_rows


def tokenize_turns(policy: Any, trajectories: Sequence[Trajectory], spec: Any,
                   prompt: PromptOptions, continuation: Callable[[str], str]) -> None:
    """Set each turn's ``prompt_ids`` (the prompt the policy saw, rebuilt from the episode
    and rendered by ``policy``) and ``action_ids`` (``continuation(action)`` tokenised)."""
    for trajectory in trajectories:
        for t, turn in enumerate(trajectory.turns):
            messages = build_messages(trajectory.task, spec, trajectory.turns[:t],
                                      turn.observation, prompt)
            turn.prompt_ids = list(policy.render(messages))
            turn.action_ids = policy.tokenizer(continuation(turn.action),
                                               add_special_tokens=False)["input_ids"]


def unique_turn_features(policy: Any, trajectories: Sequence[Trajectory],
                         batch_size: int = 16) -> tuple[torch.Tensor, torch.Tensor,
                                                        torch.Tensor]:
    """What `agentrl.rewards.progress_model.turn_features` returns (features [N, H], owner
    [N], outcomes), reading each distinct prompt + action sequence once (text-only)."""
    sequences = [tuple(turn.prompt_ids + turn.action_ids) for t in trajectories
                 for turn in t.turns]
    distinct = list(dict.fromkeys(sequences))
    index = {s: i for i, s in enumerate(distinct)}
    table = hidden_features(policy, [list(s) for s in distinct], batch_size)
    features = table[torch.tensor([index[s] for s in sequences])]
    owner = torch.tensor([i for i, t in enumerate(trajectories) for _ in t.turns])
    outcomes = torch.tensor([t.outcome_reward for t in trajectories], dtype=torch.float32)
    return features, owner, outcomes


def rmse(estimate: np.ndarray, truth: np.ndarray) -> float:
    """Root mean squared error."""
    return float(np.sqrt(np.mean((np.asarray(estimate) - np.asarray(truth)) ** 2)))


def group_interval(metric: Callable[[np.ndarray, np.ndarray], float], estimate: np.ndarray,
                   truth: np.ndarray, groups: np.ndarray, *, draws: int = 1000,
                   seed: int = 0) -> Interval:
    """``metric`` on all turns with the 2.5 / 97.5 percentiles over resamples of whole
    groups (NaN resamples left out)."""
    value = metric(estimate, truth)
    samples = [metric(estimate[chosen], truth[chosen])
               for chosen in group_resamples(groups, draws=draws, seed=seed)]
    finite = np.asarray([s for s in samples if not np.isnan(s)])
    if np.unique(groups).size < 2 or not finite.size:
        return Interval(value, float("nan"), float("nan"))
    return Interval(value, float(np.percentile(finite, 2.5)),
                    float(np.percentile(finite, 97.5)))
