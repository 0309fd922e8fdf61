"""An oracle shopper: searches with the goal's words, opens the target, picks the goal's
options and buys. It reads the goal (privileged) and acts only through actions, so its
action strings are valid demonstrations (SFT warm-starts) and its score is the ceiling.
"""

from __future__ import annotations

import re

from thefuzz import fuzz

from agentrl.core.types import Task
from agentrl.environments.webshop.engine import (
    BACK_TO_SEARCH,
    BUY_NOW,
    NEXT_PAGE,
    PREV_PAGE,
    PRODUCT_WINDOW,
    Engine,
    Session,
)
from agentrl.environments.webshop.env import WebShopEnv
from agentrl.environments.webshop.instructions import Goal
from agentrl.environments.webshop.reward import goal_option_values

_PRICE_TEXT = re.compile(r",? and price lower than [\d.]+ dollars$")


def goal_query(goal: Goal) -> str:
    """The instruction without its price clause: the words a careful shopper would type."""
    return _PRICE_TEXT.sub("", goal["instruction_text"]).strip()


class Oracle:
    """Chooses the next action for a session, remembering the queries it has tried."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.queries: list[str] = []

    def next_action(self, session: Session) -> str:
        """The oracle's action on the session's current page."""
        target = session.goal["asin"]
        if session.page == "search":
            # First the goal's words; if the target is not among the hits, its exact title.
            query = goal_query(session.goal) if not self.queries else session.goal["name"]
            self.queries.append(query)
            return f"search[{query}]"
        if session.page == "results":
            return self._on_results(session, target)
        if session.page == "item" and session.asin == target:
            return self._on_target(session)
        return f"click[{PREV_PAGE}]"  # a sub-page, or the wrong item

    def _on_results(self, session: Session, target: str) -> str:
        if target not in session.hits:
            return f"click[{BACK_TO_SEARCH}]"
        wanted_page = session.hits.index(target) // PRODUCT_WINDOW + 1
        if wanted_page > session.page_num:
            return f"click[{NEXT_PAGE}]"
        if wanted_page < session.page_num:
            return f"click[{PREV_PAGE}]"
        return f"click[{target}]"

    def _on_target(self, session: Session) -> str:
        product = self.engine.shop.by_asin[session.goal["asin"]]
        chosen = set(session.options.values())
        for wanted in goal_option_values(session.goal["goal_options"]):
            value = _closest_option(product["options"], wanted)
            if value is not None and value not in chosen:
                return f"click[{value}]"
        return f"click[{BUY_NOW}]"


def _closest_option(options: dict[str, list[str]], wanted: str) -> str | None:
    """The product's option value equal to ``wanted``, else the best fuzzy match > 85."""
    values = [value for group in options.values() for value in group]
    if wanted.lower() in values:
        return wanted.lower()
    scored = [(fuzz.token_set_ratio(value, wanted), value) for value in values]
    best = max(scored, default=(0, None))
    return best[1] if best[0] > 85 else None


def solve(env: WebShopEnv, task: Task) -> tuple[list[str], float]:
    """Run the oracle on ``task`` in ``env``; return its actions and the final score."""
    env.reset(task)
    session = env.session
    assert session is not None
    oracle = Oracle(env.engine)
    actions: list[str] = []
    while True:
        action = oracle.next_action(session)
        actions.append(action)
        result = env.step(action)
        if result.terminated or result.truncated:
            return actions, float(result.info["outcome_reward"])
