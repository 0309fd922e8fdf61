"""The shipped envs declare task categories (``Task.metadata["category"]``) for the
per-category eval tables: ALFWorld's six task types, WebShop's product categories,
TextWorld's difficulty, SWE's project."""

from __future__ import annotations

from collections import Counter

import pytest

from agentrl.core.registry import make
from agentrl.eval.evaluate import category_of


def categories(env_id: str, split: str, **kwargs: object) -> Counter[str | None]:
    env = make(env_id, **kwargs)
    try:
        return Counter(category_of(task) for task in env.tasks(split))
    finally:
        env.close()


@pytest.mark.slow
def test_alfworld_tasks_are_categorised_by_the_papers_six_task_types() -> None:
    pytest.importorskip("alfworld")
    found = categories("alfworld", "heldout")
    assert set(found) == {"pick_and_place", "pick_clean_then_place", "pick_heat_then_place",
                          "pick_cool_then_place", "look_at_obj_in_light",
                          "pick_two_obj_and_place"}


@pytest.mark.slow
def test_webshop_tasks_are_categorised_by_product_category() -> None:
    pytest.importorskip("bm25s")
    found = categories("webshop", "heldout", num_products=200)
    assert None not in found
    assert set(found) <= {"beauty", "electronics", "fashion", "food", "furniture"}
    assert len(found) >= 3


def test_textworld_tasks_are_categorised_by_difficulty() -> None:
    assert categories("textworld", "heldout", difficulty="easy") == Counter({"easy": 16})


def test_swe_tasks_are_categorised_by_project() -> None:
    found = categories("swe", "heldout")
    assert None not in found and len(found) >= 2
    assert not any(str(name).startswith("agentrl-projects/") for name in found)
