"""Loading WebShop's own files (a small fixture in their format) and playing on them."""

from pathlib import Path

import pytest

from agentrl.environments.webshop.data import (
    load_human_instructions,
    load_products,
    parse_pricing,
    product_prices,
)
from agentrl.environments.webshop.env import WebShopEnv
from agentrl.environments.webshop.oracle import solve

FIXTURES = Path(__file__).parent / "fixtures"
ITEMS = str(FIXTURES / "items_shuffle_fixture.json")
ATTRIBUTES = str(FIXTURES / "items_ins_v2_fixture.json")
HUMAN = str(FIXTURES / "items_human_ins_fixture.json")


@pytest.mark.parametrize(
    ("pricing", "expected"),
    [
        ("$25.99", ([25.99], "$25.99")),
        ("$32.99 - $39.99", ([32.99, 39.99], "$32.99 to $39.99")),
        ("$1,299.00", ([1299.0], "$1299.0")),
        ("", ([100.0], "$100.0")),
        (None, ([100.0], "$100.0")),
    ],
)
def test_parse_pricing_like_webshop(pricing, expected):
    assert parse_pricing(pricing) == expected


def test_load_products_converts_to_engine_schema_and_skips_bad_asins():
    products = load_products(ITEMS, ATTRIBUTES)
    # 8 records: one has asin 'nan', one repeats the first ASIN
    assert [p["asin"] for p in products] == [
        "B09QQP3356",
        "B07X5G7HKT",
        "B08KHZQY1M",
        "B01N5PFAQ3",
        "B09NDT4J2W",
        "B07ZJ5GH6N",
    ]
    hair = products[0]
    assert hair["Title"] == hair["name"].strip()
    assert hair["options"] == {
        "color": ["jet black", "dark brown | medium brown", "blonde"],
        "size": ["16 inch", "20 inch"],
    }
    assert hair["option_to_image"]["blonde"] == "https://example.invalid/Color/2.jpg"
    assert hair["Attributes"] == ["natural looking", "hair extensions", "heat resistant"]
    assert hair["instruction_attributes"] == ["natural looking"]
    assert hair["MainImage"] == "https://example.invalid/hair.jpg"
    assert products[1]["options"] == {} and products[1]["Price"] == "$32.99 to $39.99"
    assert products[5]["Attributes"] == ["DUMMY_ATTR"]  # no items_ins_v2 entry
    assert len(load_products(ITEMS, ATTRIBUTES, num_products=3)) == 3


def test_product_prices_pick_inside_ranges_deterministically():
    products = load_products(ITEMS, ATTRIBUTES)
    prices = product_prices(products, seed=0)
    assert prices["B09QQP3356"] == 25.99
    assert 32.99 <= prices["B07X5G7HKT"] <= 39.99
    assert prices == product_prices(products, seed=0)


def test_missing_or_malformed_files_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.json"):
        load_products(tmp_path / "nothing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="bad.json is not valid JSON"):
        load_human_instructions(bad)


def test_env_on_real_files_uses_human_goals_and_oracle_solves_them():
    env = WebShopEnv(
        num_products=None, items_path=ITEMS, attributes_path=ATTRIBUTES, human_goals_path=HUMAN
    )
    tasks = [task for split in ("heldout", "valid", "train") for task in env.tasks(split)]
    # 14 human records: one has no attributes, one names a product not in the catalog
    assert len(tasks) == 12
    assert [len(env.tasks(s)) for s in ("heldout", "valid", "train")] == [1, 1, 10]
    ottoman = next(t for t in tasks if "ottoman" in t.instruction)
    assert ottoman.metadata["goal"]["goal_options"] == ["blue", "100x45x45cm"]
    assert ottoman.instruction.startswith(
        "im looking for a space-saving ottoman bench to match my blue living room"
    )
    scores = [solve(env, task)[1] for task in tasks]
    assert scores == [1.0] * 12


def test_env_on_real_files_with_synthetic_goals():
    env = WebShopEnv(num_products=None, items_path=ITEMS, attributes_path=ATTRIBUTES)
    goals = [t.metadata["goal"] for s in ("heldout", "valid", "train") for t in env.tasks(s)]
    # five products have an instruction in items_ins_v2; split sizes 5 // 10 = 0
    assert sorted(g["asin"] for g in goals) == sorted(
        ["B09QQP3356", "B07X5G7HKT", "B08KHZQY1M", "B01N5PFAQ3", "B09NDT4J2W"]
    )
    microphone = next(g for g in goals if g["asin"] == "B07X5G7HKT")
    assert microphone["goal_options"] == {}
    assert microphone["instruction_text"].startswith(
        "i want a noise cancelling usb microphone, and"
    )
