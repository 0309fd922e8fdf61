"""The PPO critic: a value head V(s_t) on the policy's final hidden state, per turn.

PPO (Schulman et al. 2017, eq. 9) fits V by regression, L^VF = (V(s_t) − V̂_t)², toward
the returns V̂_t the GAE estimator gives (``agentrl.credit.advantages.gae.gae_returns``).
``level="turn"``: the state s_t of turn t is its prompt; V reads the policy's final-layer
hidden state at the prompt's last token (the assistant generation prompt), one value per
turn, ``turn.info["value"]``. ``level="token"``: a value per action token, V(s_{t,j}) with
s_{t,j} = prompt + the action's first j tokens (verl's token-level PPO), written as
``turn.info["token_values"]``, and the first one (= V(s_t)) as ``turn.info["value"]``.

Deviation (documented): the backbone is shared but frozen for the critic — features are
detached and only the head (linear, or an MLP with ``hidden`` units) learns, as a separate
value model would be too costly on a CPU. Sharing gradients with the policy is not offered:
it would need the value loss inside the policy's backward pass.
"""

from __future__ import annotations

from typing import Any, Literal

import torch

from agentrl.core.types import Trajectory, Turn
from agentrl.credit.advantages.returns import check_choice
from agentrl.credit.context import action_token_features, hidden_features, scalar_head
from agentrl.policy.multimodal import trajectory_prompt_images

VALUE_KEY = "value"
TOKEN_VALUES_KEY = "token_values"


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
    """V(s) = head(h(s)), h the policy's frozen final hidden state; per turn or per token."""

    def __init__(
        self,
        policy: Any,
        *,
        level: Literal["turn", "token"] = "turn",
        hidden: int | None = None,
        lr: float = 1e-3,
        batch_size: int = 16,
        fit_epochs: int = 4,
        seed: int = 0,
    ) -> None:
        check_choice("level", level, ("turn", "token"))
        self.policy, self.hidden, self.lr, self.batch_size = policy, hidden, lr, batch_size
        self.level, self.fit_epochs = level, fit_epochs
        input_dim = int(policy.model.config.get_text_config().hidden_size)  # VLMs too
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.head = scalar_head(input_dim, hidden)
        self.optimizer = torch.optim.Adam(self.head.parameters(), lr=lr)
        self._cache: dict[tuple[int, ...], torch.Tensor] = {}

    def _features(self, turns: list[Turn], images: list[list[str]]) -> torch.Tensor:
        """Features of every state of ``turns`` (a row per turn, or per action token; each
        turn's prompt shows ``images[i]``); reuses those read by the last ``annotate``."""
        keys = [(tuple(turn.prompt_ids), tuple(turn.action_ids) if self.level == "token" else (),
                 tuple(turn.prompt_images)) for turn in turns]
        shown = dict(zip(keys, images, strict=True))
        missing = [key for key in dict.fromkeys(keys) if key not in self._cache]
        if missing:
            prompts = [list(prompt) for prompt, _, _ in missing]
            seen = [shown[key] for key in missing]
            if self.level == "turn":
                read = list(hidden_features(self.policy, prompts, self.batch_size, seen))
            else:
                actions = [list(action) for _, action, _ in missing]
                flat = action_token_features(self.policy, prompts, actions, self.batch_size,
                                             seen)
                read = list(flat.split([len(action) for action in actions]))
            self._cache.update(zip(missing, read, strict=True))
        rows = [self._cache[key] for key in keys]
        return torch.cat(rows) if self.level == "token" else torch.stack(rows)

    @staticmethod
    def _turns(trajectories: list[Trajectory]) -> tuple[list[Turn], list[list[str]]]:
        """The turns of non-errored trajectories, and the images of each one's prompt."""
        kept = [t for t in trajectories if not t.errored]
        return ([turn for t in kept for turn in t.turns],
                [row for t in kept for row in trajectory_prompt_images(t)])

    def annotate(self, trajectories: list[Trajectory]) -> list[float]:
        """Write the values (see the module docstring) on every turn of non-errored
        trajectories, in place; return them flat, row-major (per turn, or per action token
        with ``level="token"``). One batched feature read."""
        turns, images = self._turns(trajectories)
        self._cache = {}
        if not turns:
            return []
        with torch.no_grad():
            values = self.head(self._features(turns, images)).squeeze(-1).tolist()
        if self.level == "turn":
            for turn, value in zip(turns, values, strict=True):
                turn.info[VALUE_KEY] = value
            return values
        start = 0
        for turn in turns:
            row, start = values[start : start + len(turn.action_ids)], start + len(turn.action_ids)
            turn.info[TOKEN_VALUES_KEY] = row
            turn.info[VALUE_KEY] = row[0] if row else 0.0
        return values

    def fit(
        self, trajectories: list[Trajectory], returns: list[list[float | list[float]]], *,
        epochs: int | None = None,
    ) -> dict[str, float]:
        """Regress V toward ``returns`` (per turn one float, or with ``level="token"`` one
        list per turn with a return per action token; errored trajectories skipped).

        ``epochs`` (default ``fit_epochs``) full-batch Adam steps on the MSE. Metrics:
        ``loss/value`` (MSE before the last step) and ``train/explained_variance`` of the
        values before fitting.
        """
        if len(returns) != len(trajectories):
            raise ValueError(
                f"critic.fit: {len(returns)} return rows for {len(trajectories)} trajectories"
            )
        turns, images = self._turns(trajectories)
        targets = [
            g for t, row in zip(trajectories, returns, strict=True) if not t.errored
            for g in _targets(t, row, self.level)
        ]
        if not turns or not targets:
            return {}
        features = self._features(turns, images)
        target = torch.tensor(targets, dtype=torch.float32)
        with torch.no_grad():
            before = self.head(features).squeeze(-1).tolist()
        loss = torch.tensor(float("nan"))
        for _ in range(self.fit_epochs if epochs is None else epochs):
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


def _targets(trajectory: Trajectory, row: list[Any], level: str) -> list[float]:
    """The regression targets of one trajectory, in the order ``_features`` reads states."""
    if len(row) != len(trajectory.turns):
        raise ValueError(
            f"critic.fit: task {trajectory.task.id!r} has {len(trajectory.turns)} turns but "
            f"{len(row)} returns"
        )
    if level == "turn":
        return [float(g) for g in row]
    targets: list[float] = []
    for t, (turn, entry) in enumerate(zip(trajectory.turns, row, strict=True)):
        if not turn.action_ids:
            continue  # no action token, no state read, nothing to fit
        if not isinstance(entry, list) or len(entry) != len(turn.action_ids):
            raise ValueError(
                f"critic.fit: turn {t} of task {trajectory.task.id!r} needs a return per "
                f"action token ({len(turn.action_ids)}), got {entry!r}")
        targets += map(float, entry)
    return targets
