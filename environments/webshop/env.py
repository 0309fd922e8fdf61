"""The WebShop text env: WebShop's text-mode pages and actions over an offline catalog."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from agentrl.core.env import Env, digest_state, quote_action
from agentrl.core.types import EnvSpec, Observation, StepResult, Task
from agentrl.environments.webshop.engine import Engine, Session
from agentrl.environments.webshop.shop import SPLITS, Shop, load_shop

ENV_ID = "webshop"
DEFAULT_NUM_PRODUCTS = 2000  # size of the generated catalog when none is given
DESCRIPTION = (
    "You are shopping on WebShop. Find and buy the product that matches the instruction. "
    "Actions: search[keywords] on the search page; click[name] to click a button, a "
    "product ASIN or an option value shown on the page (e.g. click[Buy Now], click[Next >], "
    "click[< Prev], click[Back to Search], click[Description])."
)


class WebShopEnv(Env):
    """WebShop (Yao et al. 2022) in text mode, offline.

    Args:
        num_products: size of the generated catalog (None: 2000), or how many products
            to read from ``items_path`` (None: all).
        seed: seed of the generated catalog, the goals' options and price bounds.
        items_path: WebShop's ``items_shuffle*.json``; None generates a catalog.
        attributes_path: WebShop's ``items_ins_v2*.json`` (attributes + instructions).
        human_goals_path: WebShop's ``items_human_ins.json``; goals come from it if given.
        max_turns: step limit (WebShop's usual 15).
    """

    def __init__(
        self,
        num_products: int | None = None,
        seed: int = 0,
        items_path: str | None = None,
        attributes_path: str | None = None,
        human_goals_path: str | None = None,
        max_turns: int = 15,
    ) -> None:
        if items_path is None and num_products is None:
            num_products = DEFAULT_NUM_PRODUCTS
        self.spec = EnvSpec(id=ENV_ID, max_turns=max_turns, splits=SPLITS, description=DESCRIPTION,
                            step_rewards_include_outcome=True)  # the buy step pays the score R
        self.shop: Shop = load_shop(
            num_products, seed, items_path, attributes_path, human_goals_path
        )
        self.engine = Engine(self.shop)
        self._session: Session | None = None
        self._turn = 0

    @property
    def session(self) -> Session | None:
        """The running episode's shopping session (read by the oracle)."""
        return self._session

    def tasks(self, split: str) -> Sequence[Task]:
        """The goals of ``split`` as tasks; ``metadata['goal']`` holds WebShop's goal dict."""
        if split not in self.shop.goals:
            raise ValueError(f"unknown split {split!r}; splits: {', '.join(self.spec.splits)}")
        return [
            Task(
                id=f"webshop-{split}-{index}",
                env_id=ENV_ID,
                split=split,
                instruction=goal["instruction_text"],
                ground_truth=goal["asin"],
                metadata={"goal": goal, "category": goal.get("category") or "other"},
            )
            for index, goal in enumerate(self.shop.goals[split])
        ]

    def reset(self, task: Task | None = None, *, seed: int | None = None) -> Observation:
        """Open the search page for ``task`` (a train goal picked by ``seed`` when None)."""
        if task is None:
            train = self.shop.goals["train"]
            goal = train[(seed or 0) % len(train)]
        elif "goal" in task.metadata:
            goal = task.metadata["goal"]
        else:
            raise ValueError(f"task {task.id!r} has no metadata['goal']; use env.tasks(split)")
        self._session = Session(goal=dict(goal))
        self._turn = 0
        return self._observation()

    def step(self, action: str) -> StepResult:
        """Apply ``search[...]`` or ``click[...]``; the episode ends on Buy Now or the limit."""
        session = self._session
        if session is None or session.done or self._turn >= self.spec.max_turns:
            raise RuntimeError("step() called before reset() or after the episode ended")
        self._turn += 1
        outcome = self.engine.act(session, action)
        shown = quote_action(action)
        prefix = "" if outcome.valid else f"Invalid action {shown}: {outcome.error}.\n"
        score = session.reward.total if session.reward else 0.0
        success = session.reward is not None and math.isclose(score, 1.0)
        truncated = not session.done and self._turn >= self.spec.max_turns
        info: dict[str, Any] = {
            "success": success,
            "action_valid": outcome.valid,
            "reward_components": session.reward.components() if session.reward else {},
        }
        if session.done or truncated:
            info["outcome_reward"] = score
        return StepResult(
            observation=self._observation(prefix),
            reward=score if session.done else 0.0,
            terminated=session.done,
            truncated=truncated,
            info=info,
        )

    def demonstration(self, task: Task) -> list[str] | None:
        """The oracle shopper's actions, found by playing ``task`` with it (resets)."""
        from agentrl.environments.webshop.oracle import solve  # the oracle imports this module

        return solve(self, task)[0]

    def _observation(self, prefix: str = "") -> Observation:
        session = self._session
        assert session is not None
        return Observation(
            text=prefix + self.engine.text(session),
            available_actions=self.engine.available_actions(session),
            state_key=state_key(session),
        )


def state_key(session: Session) -> str:
    """Page type + page identity (query, results page, item, chosen options, sub-page),
    with the instruction: everything the agent can know about where it is."""
    return digest_state(
        session.goal["instruction_text"],
        session.page,
        session.keywords.lower(),
        None if session.page == "search" else session.page_num,
        session.asin,
        session.options,
        session.sub_page,
        round(session.reward.total, 6) if session.reward else None,
    )
