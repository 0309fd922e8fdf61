"""Catalog generation, goals (instructions) and the BM25 index."""

import random

import pytest

from agentrl.environments.webshop.catalog import generate_catalog, make_asin
from agentrl.environments.webshop.data import products_from_records
from agentrl.environments.webshop.instructions import (
    NO_PRICE_BOUND,
    default_split_sizes,
    price_bound,
    split_goals,
    synthetic_goals,
)
from agentrl.environments.webshop.search import SearchIndex, document_text


def test_catalog_is_deterministic_and_prefix_stable():
    items, attributes = generate_catalog(300, seed=7)
    assert generate_catalog(300, seed=7) == (items, attributes)
    bigger, _ = generate_catalog(400, seed=7)
    assert bigger[:300] == items
    assert generate_catalog(300, seed=8)[0] != items


def test_catalog_uses_webshop_file_schema_with_unique_asins():
    items, attributes = generate_catalog(2000, seed=0)
    assert len({item["asin"] for item in items}) == 2000
    item = items[0]
    assert set(item) >= {
        "asin",
        "name",
        "category",
        "query",
        "product_category",
        "full_description",
        "small_description",
        "pricing",
        "customization_options",
        "images",
    }
    assert item["category"] in {"beauty", "electronics", "fashion", "food", "furniture"}
    assert item["pricing"].startswith("$")
    record = attributes[item["asin"]]
    assert set(record) == {"attributes", "instruction", "instruction_attributes"}
    assert set(record["instruction_attributes"]) <= set(record["attributes"])


def test_make_asin_looks_like_an_amazon_asin():
    assert make_asin(0, 0) == "B000000000"
    # index 1: 2654435761 in base 36 is "17WDRQP", zero-padded to 8 characters
    assert make_asin(1, 0) == "B0017WDRQP"
    assert len({make_asin(i, 3) for i in range(10_000)}) == 10_000


@pytest.mark.parametrize(
    ("price", "choices"),
    [
        # next four multiples of 10 above 35 are 40, 50, 60, 70; the bound is the larger
        # of two of them, so it is never 40
        (35.0, {50.0, 60.0, 70.0}),
        (979.0, {990.0}),  # only 980 and 990 lie above
    ],
)
def test_price_bound_draws_like_webshop(price, choices):
    for seed in range(20):
        upper, text = price_bound(price, random.Random(seed))
        assert upper in choices
        assert text == f", and price lower than {upper:.2f} dollars"


def test_price_bound_is_absent_near_the_top_of_the_range():
    assert price_bound(985.0, random.Random(0)) == (NO_PRICE_BOUND, "")


def test_synthetic_goal_adds_options_and_price_to_the_instruction():
    product = {
        "asin": "B000000001",
        "category": "food",
        "query": "herbal tea",
        "name": "Kindred Tea",
        "product_category": "Grocery › Tea",
        "instruction_text": "i need caffeine free herbal tea",
        "instruction_attributes": ["caffeine free"],
        "options": {"size": ["12 count"], "flavor name": ["honey"]},
    }
    (goal,) = synthetic_goals([product], {"B000000001": 12.5}, seed=0)
    upper = goal["price_upper"]
    assert upper in {30.0, 40.0, 50.0}
    assert goal["instruction_text"] == (
        "i need caffeine free herbal tea with flavor name: honey, and size: 12 count, "
        f"and price lower than {upper:.2f} dollars"
    )
    assert goal["goal_options"] == {"flavor name": "honey", "size": "12 count"}
    assert goal["attributes"] == ["caffeine free"]


def test_split_goals_follows_webshop_order_and_sizes():
    goals = [{"id": i} for i in range(30)]
    splits = split_goals(goals, heldout_size=3, valid_size=5)
    assert [len(splits[s]) for s in ("heldout", "valid", "train")] == [3, 5, 22]
    assert splits == split_goals(goals, 3, 5)
    assert sorted(g["id"] for part in splits.values() for g in part) == list(range(30))
    assert default_split_sizes(12_087) == (500, 1000)  # WebShop's human goals
    assert default_split_sizes(500) == (50, 50)
    with pytest.raises(ValueError, match="larger catalog"):
        split_goals(goals, 20, 10)


def test_document_text_matches_webshop_index_contents():
    product = {
        "Title": "Wireless Headphones",
        "Description": "Noise Cancelling",
        "BulletPoints": ["Forty Hour Battery", "unused"],
        "options": {"color": ["black", "red"], "size": ["small | medium"]},
    }
    assert document_text(product) == (
        "wireless headphones noise cancelling forty hour battery "
        "color: black, red, and size: small | medium"
    )


def test_search_index_ranks_the_exact_title_first_and_round_trips(tmp_path):
    items, attributes = generate_catalog(300, seed=1)
    products = products_from_records(items, attributes)
    index = SearchIndex.build(products)
    for product in products[:20]:
        assert index.search(product["Title"])[0] == product["asin"]
    assert len(index.search("black red white grey pink")) == 50  # WebShop's cap
    assert index.search("qwertyuiop zzyzx") == []
    index.save(tmp_path / "bm25")
    loaded = SearchIndex.load(tmp_path / "bm25")
    assert loaded.search("organic coffee beans") == index.search("organic coffee beans")
