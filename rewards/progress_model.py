"""SPA-RL's progress estimator: a trainable scalar head over the policy's turn features.

Wang et al. 2025, "SPA-RL: Reinforcing LLM Agents via Stepwise Progress Attribution"
(arXiv 2505.20732), the progress estimator. The estimator reads one feature
vector h_t per turn (the backbone's final hidden state at the turn's last token) and
predicts a progress contribution c_t = f(h_t). It is trained so that the contributions of a
trajectory add up to its outcome:

    L = mean_i ( Σ_t c_{i,t} − R_i )²

Deviation (documented): the paper fine-tunes a copy of the backbone together with the head;
here the backbone is frozen and only the head (linear, or an MLP with ``hidden`` units)
learns, which keeps the estimator cheap enough to retrain every iteration on a CPU.
"""

from __future__ import annotations

from typing import Any

import torch

from agentrl.algos.context import scalar_head


class ProgressEstimator:
    """The head f and its Adam optimizer; ``state_dict`` / ``load_state_dict`` for resume."""

    def __init__(
        self, input_dim: int, *, hidden: int | None = None, lr: float = 1e-3, seed: int = 0
    ) -> None:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.head = scalar_head(input_dim, hidden)
        self.input_dim, self.hidden, self.lr = input_dim, hidden, lr
        self.optimizer = torch.optim.Adam(self.head.parameters(), lr=lr)

    @torch.no_grad()
    def contributions(self, features: torch.Tensor) -> torch.Tensor:
        """c_t for each row of ``features`` [N, H] → [N]."""
        return self.head(features).squeeze(-1)

    def loss(
        self, features: torch.Tensor, trajectory_index: torch.Tensor, outcomes: torch.Tensor
    ) -> torch.Tensor:
        """MSE between Σ_t c_{i,t} (turns grouped by ``trajectory_index``) and R_i."""
        per_turn = self.head(features).squeeze(-1)
        sums = torch.zeros_like(outcomes).index_add(0, trajectory_index, per_turn)
        return torch.mean((sums - outcomes) ** 2)

    def fit(
        self,
        features: torch.Tensor,
        trajectory_index: torch.Tensor,
        outcomes: torch.Tensor,
        *,
        epochs: int = 5,
    ) -> list[float]:
        """``epochs`` full-batch Adam steps on the MSE; the loss before each step."""
        if epochs < 0:
            raise ValueError(f"spa: epochs={epochs} must be >= 0")
        losses = []
        for _ in range(epochs):
            self.optimizer.zero_grad(set_to_none=True)
            loss = self.loss(features, trajectory_index, outcomes)
            loss.backward()
            self.optimizer.step()
            losses.append(loss.item())
        return losses

    def state_dict(self) -> dict[str, Any]:
        """Head weights, optimizer state and the shape options needed to rebuild."""
        return {
            "input_dim": self.input_dim,
            "hidden": self.hidden,
            "lr": self.lr,
            "head": self.head.state_dict(),
            "optimizer": self.optimizer.state_dict(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore from ``state_dict()``; the shapes must match this estimator's."""
        if (state["input_dim"], state["hidden"]) != (self.input_dim, self.hidden):
            raise ValueError(
                f"spa: checkpointed progress head has input_dim={state['input_dim']}, "
                f"hidden={state['hidden']}, but this one has input_dim={self.input_dim}, "
                f"hidden={self.hidden}; resume with the same policy and spa options"
            )
        self.head.load_state_dict(state["head"])
        self.optimizer.load_state_dict(state["optimizer"])

    @classmethod
    def from_state_dict(cls, state: dict[str, Any]) -> ProgressEstimator:
        """A new estimator rebuilt from ``state_dict()``."""
        estimator = cls(state["input_dim"], hidden=state["hidden"], lr=state["lr"])
        estimator.load_state_dict(state)
        return estimator
