"""The PPO critic: a value head V(s_t) on the policy's final hidden state, per turn.

PPO (Schulman et al. 2017, eq. 9) fits V by regression, L^VF = (V(s_t) − V̂_t)², toward
the returns V̂_t the GAE estimator gives (``agentrl.algos.advantages.gae.gae_returns``).
The state s_t of turn t is its prompt; V reads the policy's final-layer hidden state at the
prompt's last token (the assistant generation prompt), so one value per turn.

Deviation (documented): the backbone is shared but frozen for the critic — features are
detached and only the head (linear, or an MLP with ``hidden`` units) learns, as a separate
value model would be too costly on a CPU. Sharing gradients with the policy is not offered:
it would need the value loss inside the policy's backward pass.
"""

from __future__ import annotations

from typing import Any

import torch

from agentrl.algos.context import hidden_features, scalar_head
from agentrl.core.types import Trajectory

VALUE_KEY = "value"


def explained_variance(predicted: list[float], targets: list[float]) -> float:
    """1 − Var(targets − predicted) / Var(targets) (population variances); NaN if Var = 0."""
    n = len(targets)
    if n == 0:
        return float("nan")
    mean = sum(targets) / n
    variance = sum((y - mean) ** 2 for y in targets) / n
    residuals = [y - v for y, v in zip(targets, predicted, strict=True)]
    residual_mean = sum(residuals) / n
    residual_variance = sum((r - residual_mean) ** 2 for r in residuals) / n
    return float("nan") if variance == 0 else 1.0 - residual_variance / variance


class Critic:
    """V(s_t) = head(h(prompt_t)), h the policy's frozen final hidden state."""

    def __init__(
        self,
        policy: Any,
        *,
        hidden: int | None = None,
        lr: float = 1e-3,
        batch_size: int = 16,
        seed: int = 0,
    ) -> None:
        self.policy, self.hidden, self.lr, self.batch_size = policy, hidden, lr, batch_size
        input_dim = int(policy.model.config.hidden_size)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.head = scalar_head(input_dim, hidden)
        self.optimizer = torch.optim.Adam(self.head.parameters(), lr=lr)
        self._cache: dict[tuple[int, ...], torch.Tensor] = {}

    def _features(self, prompts: list[list[int]]) -> torch.Tensor:
        """Features of each prompt; reuses those read by the last ``annotate``."""
        missing = [p for p in dict.fromkeys(map(tuple, prompts)) if p not in self._cache]
        if missing:
            read = hidden_features(self.policy, [list(p) for p in missing], self.batch_size)
            self._cache.update(zip(missing, read, strict=True))
        return torch.stack([self._cache[tuple(p)] for p in prompts])

    @staticmethod
    def _prompts(trajectories: list[Trajectory]) -> list[list[int]]:
        return [turn.prompt_ids for t in trajectories if not t.errored for turn in t.turns]

    def annotate(self, trajectories: list[Trajectory]) -> list[Trajectory]:
        """Write ``turn.info["value"] = V(s_t)`` on every turn of non-errored trajectories.

        Modifies the trajectories in place (and returns them); one batched feature read.
        """
        prompts = self._prompts(trajectories)
        self._cache = {}
        if not prompts:
            return trajectories
        with torch.no_grad():
            values = self.head(self._features(prompts)).squeeze(-1).tolist()
        turns = [turn for t in trajectories if not t.errored for turn in t.turns]
        for turn, value in zip(turns, values, strict=True):
            turn.info[VALUE_KEY] = value
        return trajectories

    def fit(
        self, trajectories: list[Trajectory], returns: list[list[float]], *, epochs: int = 4
    ) -> dict[str, float]:
        """Regress V toward ``returns`` (one per turn; errored trajectories skipped).

        ``epochs`` full-batch Adam steps on the MSE. Metrics: ``loss/value`` (MSE before the
        last step) and ``train/explained_variance`` of the values before fitting.
        """
        if len(returns) != len(trajectories):
            raise ValueError(
                f"critic.fit: {len(returns)} return rows for {len(trajectories)} trajectories"
            )
        prompts = self._prompts(trajectories)
        targets = [
            float(g) for t, row in zip(trajectories, returns, strict=True) if not t.errored
            for g in _checked_row(t, row)
        ]
        if not prompts:
            return {}
        features = self._features(prompts)
        target = torch.tensor(targets, dtype=torch.float32)
        with torch.no_grad():
            before = self.head(features).squeeze(-1).tolist()
        loss = torch.tensor(float("nan"))
        for _ in range(epochs):
            self.optimizer.zero_grad(set_to_none=True)
            loss = torch.mean((self.head(features).squeeze(-1) - target) ** 2)
            loss.backward()
            self.optimizer.step()
        return {
            "loss/value": loss.item(),
            "train/explained_variance": explained_variance(before, targets),
        }

    def state_dict(self) -> dict[str, Any]:
        """Head weights and optimizer state."""
        return {"head": self.head.state_dict(), "optimizer": self.optimizer.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore from ``state_dict()`` (same ``hidden`` and policy width)."""
        self.head.load_state_dict(state["head"])
        self.optimizer.load_state_dict(state["optimizer"])


def _checked_row(trajectory: Trajectory, row: list[float]) -> list[float]:
    if len(row) != len(trajectory.turns):
        raise ValueError(
            f"critic.fit: task {trajectory.task.id!r} has {len(trajectory.turns)} turns but "
            f"{len(row)} returns"
        )
    return row
