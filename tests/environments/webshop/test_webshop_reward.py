"""WebShop's purchase score on hand-computed cases."""

import math

import pytest

from agentrl.environments.webshop.reward import (
    attribute_matches,
    normalize_color,
    option_matches,
    type_reward,
    webshop_reward,
)


def _product(**overrides):
    product = {
        "query": "office chair",
        "product_category": "Home & Kitchen › Furniture › Chairs",
        "name": "leather office chair",
        "Title": "leather office chair",
        "BulletPoints": [],
        "Description": "",
        "Attributes": [],
    }
    product.update(overrides)
    return product


def _goal(**overrides):
    goal = {
        "query": "office chair",
        "product_category": "Home & Kitchen › Furniture › Chairs",
        "name": "leather office chair",
        "attributes": ["lumbar support", "easy assembly"],
        "goal_options": {"color": "black", "size": "large"},
        "price_upper": 40.0,
    }
    goal.update(overrides)
    return goal


def test_normalize_color_takes_first_color_of_webshop_list():
    assert normalize_color("navy blue") == "blue"
    # 'dark' precedes 'grey' in WebShop's colour list
    assert normalize_color("dark grey") == "dark"
    assert normalize_color("x-large") == "x-large"


def test_type_reward_same_product_is_one():
    match = type_reward(_product(), _goal())
    assert (match.r_type, match.query_match, match.category_match, match.title_score) == (
        1.0,
        True,
        True,
        1.0,
    )


def test_type_reward_category_match_needs_two_shared_levels_in_any_order():
    purchased = _product(product_category="Chairs › Home & Kitchen › Lamps")
    assert type_reward(purchased, _goal()).category_match
    purchased = _product(product_category="Home & Kitchen › Lamps › Desks")
    assert not type_reward(purchased, _goal()).category_match


def test_type_reward_levels_by_noun_overlap():
    other = {"query": "lamp", "product_category": "Lighting › Lamps"}
    # goal nouns: leather office chair kitchen knife set (6); shared: office -> 1/6
    goal = _goal(name="leather office chair and kitchen knife set")
    match = type_reward(_product(name="office desk lamp", **other), goal)
    assert math.isclose(match.title_score, 1 / 6)
    assert match.r_type == 0.5  # no query, category or title (> 0.2) match
    # the same overlap with a query match keeps r_type at 1
    assert type_reward(_product(name="office desk lamp"), goal).r_type == 1.0
    # 11 goal nouns, one shared: 1/11 < 0.1 -> 0.1
    goal = _goal(name="leather office chair, kitchen knife set, glass vase, steel water bottle")
    match = type_reward(_product(name="office desk lamp"), goal)
    assert math.isclose(match.title_score, 1 / 11) and match.r_type == 0.1
    # nothing shared -> 0, even with query and category matching
    assert type_reward(_product(name="garden hose nozzle"), _goal()).r_type == 0.0


def test_attribute_matches_fuzzy_or_in_text():
    goal_attributes = ["tea tree", "essential oils", "natural ingredients"]
    # 'essential oil' vs 'essential oils': token_set_ratio 96 > 85
    assert (
        attribute_matches(_product(Attributes=["tea tree", "essential oil"]), goal_attributes) == 2
    )
    text = _product(
        BulletPoints=["Made with essential oils"], Description="Natural Ingredients only"
    )
    assert attribute_matches(text, goal_attributes) == 2
    unrelated = _product(Attributes=["tea bag", "earl grey"], Title="English breakfast tea")
    assert attribute_matches(unrelated, goal_attributes) == 0


def test_option_matches_normalises_colors_and_is_fuzzy():
    assert option_matches(["pack of 12", "grey", "XL"], ["grey", "XL", "pack of 12"]) == 3
    assert option_matches(["pack of 12", "blue", "XL"], ["grey", "XL", "pack of 12"]) == 2
    # 'powder snow' is a token subset of 'cool powder snow': token_set_ratio 100
    assert option_matches(["powder snow"], ["cool powder snow"]) == 1
    # 'light blue' and 'navy blue' both normalise to 'blue'
    assert option_matches(["light blue"], ["navy blue"]) == 1
    assert option_matches([], ["grey"]) == 0


def test_webshop_reward_perfect_purchase_is_one():
    purchased = _product(Attributes=["lumbar support"], Description="Easy assembly in minutes")
    result = webshop_reward(purchased, _goal(), 35.0, {"color": "black", "size": "large"})
    assert result.total == 1.0
    assert (result.r_att, result.r_option, result.r_price) == (1.0, 1.0, True)


@pytest.mark.parametrize(
    ("attributes", "options", "price", "expected"),
    [
        # (attr 1 + options 2 + price 1) / (2 + 2 + 1)
        (["lumbar support"], {"color": "black", "size": "large"}, 35.0, 4 / 5),
        # (2 + 1 + 0) / 5: one option wrong, over the price bound
        (["lumbar support", "easy assembly"], {"color": "red", "size": "large"}, 45.0, 3 / 5),
        # (0 + 0 + 1) / 5: nothing chosen, nothing matching, price fine
        ([], {}, 10.0, 1 / 5),
    ],
)
def test_webshop_reward_partial_purchases(attributes, options, price, expected):
    result = webshop_reward(_product(Attributes=attributes), _goal(), price, options)
    assert math.isclose(result.total, expected)


def test_webshop_reward_is_scaled_by_type_and_accepts_option_lists():
    purchased = _product(
        name="office desk lamp",
        query="lamp",
        product_category="Lighting › Lamps",
        Attributes=["lumbar support", "easy assembly"],
    )
    goal = _goal(name="leather office chair and kitchen knife set", goal_options=["black"])
    result = webshop_reward(purchased, goal, 35.0, {"color": "black"})
    # (2 + 1 + 1) / (2 + 1 + 1) = 1, times r_type 0.5
    assert math.isclose(result.total, 0.5)
    assert result.components()["r_type"] == 0.5


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        # WebShop leaves its price term None and fails adding it: no price-less score
        ({"price_upper": -1}, "price_upper=-1 must be > 0"),
        # WebShop divides by the number of goal attributes (and skips such goals)
        ({"attributes": []}, "has no attributes"),
    ],
)
def test_webshop_reward_refuses_goals_webshop_cannot_score(overrides, message):
    with pytest.raises(ValueError, match=message):
        webshop_reward(_product(), _goal(**overrides), 10.0, {})


def test_option_matches_compares_a_synthetic_goals_name_value_pair():
    # ('size', 'large') reads as 'size large': 'large' is a token subset, ratio 100
    assert option_matches(["large"], [("size", "large")]) == 1
    # a pair is colour-reduced only when an element is a colour: ('color', 'black') -> 'black'
    assert normalize_color(("color", "black")) == "black"
    assert normalize_color(("color", "navy blue")) == ("color", "navy blue")
    # 'navy blue' -> 'blue', a token of 'color navy blue'
    assert option_matches(["navy blue"], [("color", "navy blue")]) == 1
    # 'peppermint' -> 'mint', which shares no token with 'flavor name peppermint': even the
    # goal's own value misses (as in WebShop); against the text alone both reduce alike
    assert option_matches(["peppermint"], [("flavor name", "peppermint")]) == 0
    assert option_matches(["peppermint"], ["peppermint"]) == 1
