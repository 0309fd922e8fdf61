"""Goals (instructions) made the way WebShop makes them, and their splits.

A goal is a dict in WebShop's goal schema: ``asin`` (the product it was written for),
``category``, ``query``, ``name``, ``product_category``, ``instruction_text``,
``attributes``, ``goal_options``, ``price_upper``. Synthetic goals take a product's
instruction and instruction attributes and add one option combination (" with color:
black, and size: large") and a price bound (", and price lower than 40.00 dollars");
human goals take a human-written instruction and its options. The price bound is drawn,
as in WebShop, from the next four multiples of 10 above the product's price.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

from agentrl.environments.webshop.data import Product

Goal = dict[str, Any]
PRICE_RANGE = tuple(10.0 * i for i in range(1, 100))
NO_PRICE_BOUND = 1_000_000.0
SPLIT_SHUFFLE_SEED = 233  # WebShop shuffles its goals with this seed before splitting


def price_bound(price: float, rng: random.Random) -> tuple[float, str]:
    """An upper price above ``price`` and its instruction suffix (none above $990)."""
    above = [bound for bound in PRICE_RANGE if bound > price][:4]
    if len(above) < 2:
        return NO_PRICE_BOUND, ""
    _, upper = sorted(rng.sample(above, 2))
    return upper, f", and price lower than {upper:.2f} dollars"


def _goal(product: Product, instruction: str, attributes: list[str], options: Any) -> Goal:
    return {
        "asin": product["asin"],
        "category": product["category"],
        "query": product["query"],
        "name": product["name"],
        "product_category": product["product_category"],
        "instruction_text": instruction,
        "attributes": attributes,
        "goal_options": options,
    }


def synthetic_goals(
    products: Sequence[Product], prices: Mapping[str, float], seed: int
) -> list[Goal]:
    """One goal per product with an instruction: a random option combination + price bound."""
    rng = random.Random(seed)
    goals = []
    for product in products:
        if not product.get("instruction_text") or not product.get("instruction_attributes"):
            continue
        chosen = {name: rng.choice(values) for name, values in sorted(product["options"].items())}
        option_text = ", and ".join(f"{name}: {value}" for name, value in chosen.items())
        upper, price_text = price_bound(prices[product["asin"]], rng)
        text = product["instruction_text"] + (f" with {option_text}" if option_text else "")
        goal = _goal(product, text + price_text, list(product["instruction_attributes"]), chosen)
        goal["price_upper"] = upper
        goals.append(goal)
    return goals


def human_goals(
    products: Sequence[Product],
    prices: Mapping[str, float],
    human: Mapping[str, Sequence[Mapping[str, Any]]],
    seed: int,
) -> list[Goal]:
    """Goals from ``items_human_ins.json`` records of products present in the catalog."""
    rng = random.Random(seed)
    goals = []
    for product in products:
        for record in human.get(product["asin"], ()):
            attributes = list(record.get("instruction_attributes") or [])
            if not attributes:
                continue  # WebShop skips human goals without attributes
            upper, price_text = price_bound(prices[product["asin"]], rng)
            text = str(record["instruction"]).strip(".") + price_text
            goal = _goal(product, text, attributes, list(record.get("instruction_options") or []))
            goal["price_upper"] = upper
            goals.append(goal)
    return goals


def split_goals(goals: Sequence[Goal], heldout_size: int, valid_size: int) -> dict[str, list[Goal]]:
    """Shuffle with WebShop's seed; the first goals are heldout, the next valid, rest train.

    WebShop's own split is heldout (test) = goals[:500], valid = goals[500:1500].
    """
    shuffled = list(goals)
    random.Random(SPLIT_SHUFFLE_SEED).shuffle(shuffled)
    if heldout_size + valid_size >= len(shuffled):
        raise ValueError(
            f"{len(shuffled)} goals cannot fill heldout_size={heldout_size} and "
            f"valid_size={valid_size} and leave training goals; use a larger catalog"
        )
    return {
        "heldout": shuffled[:heldout_size],
        "valid": shuffled[heldout_size : heldout_size + valid_size],
        "train": shuffled[heldout_size + valid_size :],
    }


def default_split_sizes(num_goals: int) -> tuple[int, int]:
    """WebShop's 500 heldout / 1000 valid, capped at a tenth of the goals each."""
    return min(500, num_goals // 10), min(1000, num_goals // 10)
