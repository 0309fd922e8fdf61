"""SPA-RL's progress estimator: a trainable scalar head over the policy's turn features.

Wang et al. 2025, "SPA-RL: Reinforcing LLM Agents via Stepwise Progress Attribution"
(arXiv 2505.20732), the progress estimator (§3; read in the authors' code,
WangHanLinHenry/SPA-RL-Agent @ ed20087, ``prm/train_our_progress_model.py``). The estimator
reads one feature vector h_t per turn (the backbone's final hidden state at the turn's last
token) and predicts a progress contribution c_t = f(h_t). It is trained so that the
contributions of a trajectory add up to its outcome:

    L = mean_i ( Σ_t c_{i,t} − R_i )²

Deviation (documented): the paper fine-tunes a copy of the backbone together with the head
(the code: a linear head on the last-turn-token logits, one epoch, Adam lr 3e-6); here the
backbone is frozen and only the head (linear, or an MLP with ``hidden`` units) learns on its
hidden states, which keeps the estimator cheap enough to fit on a CPU.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from agentrl.core.types import Trajectory
from agentrl.credit.context import hidden_features, scalar_head
from agentrl.policy.multimodal import trajectory_prompt_images

STATE_KEY = "spa"
"""The estimator's key in ``ShapingContext.state`` (and so in checkpoints)."""


def turn_features(
    policy: Any, trajectories: Sequence[Trajectory], batch_size: int = 16
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(h_t of every turn [N, H], the index of each turn's trajectory [N], R per trajectory)
    for ``trajectories`` (non-errored, with turns: the caller picks them), turns in order.

    h_t: the policy's final hidden state at the last token of prompt_t + action_t.
    """
    sequences = [turn.prompt_ids + turn.action_ids for t in trajectories for turn in t.turns]
    images = [row for t in trajectories for row in trajectory_prompt_images(t)]
    owner = torch.tensor([i for i, t in enumerate(trajectories) for _ in t.turns])
    outcomes = torch.tensor([t.outcome_reward for t in trajectories], dtype=torch.float32)
    return hidden_features(policy, sequences, batch_size, images), owner, outcomes


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

    def _step(self, features: torch.Tensor, trajectory_index: torch.Tensor,
              outcomes: torch.Tensor) -> float:
        self.optimizer.zero_grad(set_to_none=True)
        loss = self.loss(features, trajectory_index, outcomes)
        loss.backward()
        self.optimizer.step()
        return loss.item()

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
        return [self._step(features, trajectory_index, outcomes) for _ in range(epochs)]

    def fit_minibatches(
        self,
        features: torch.Tensor,
        trajectory_index: torch.Tensor,
        outcomes: torch.Tensor,
        *,
        epochs: int,
        batch_size: int,
        seed: int = 0,
    ) -> list[float]:
        """``epochs`` passes over the trajectories in shuffled minibatches of ``batch_size``
        trajectories, one Adam step each (the offline fit); the mean loss of each pass."""
        if epochs < 0 or batch_size < 1:
            raise ValueError(f"spa: epochs={epochs} must be >= 0 and batch_size={batch_size} "
                             ">= 1")
        generator = torch.Generator().manual_seed(seed)
        n = outcomes.shape[0]
        losses = []
        for _ in range(epochs):
            order = torch.randperm(n, generator=generator)
            passes = []
            for start in range(0, n, batch_size):
                chosen = order[start : start + batch_size]
                renumber = torch.full((n,), -1, dtype=torch.long)
                renumber[chosen] = torch.arange(chosen.numel())
                rows = renumber[trajectory_index] >= 0
                passes.append(self._step(features[rows], renumber[trajectory_index][rows],
                                         outcomes[chosen]))
            losses.append(sum(passes) / max(1, len(passes)))
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
