"""The WebShop text env: pages, actions, episode ends, state keys, registry."""

import json

import pytest

from agentrl.core.registry import make
from agentrl.core.types import StepResult
from agentrl.environments.webshop.env import WebShopEnv
from agentrl.environments.webshop.oracle import Oracle

NUM_PRODUCTS = 500


@pytest.fixture(scope="module")
def env():
    with WebShopEnv(num_products=NUM_PRODUCTS) as shop_env:
        yield shop_env


def _target_page_actions(env, task):
    """Oracle actions up to (not including) Buy Now."""
    env.reset(task)
    oracle = Oracle(env.engine)
    actions = []
    while True:
        action = oracle.next_action(env.session)
        if action == "click[Buy Now]":
            return actions
        env.step(action)
        actions.append(action)


def test_registered_as_webshop_with_webshop_defaults():
    shop_env = make("webshop", num_products=NUM_PRODUCTS)
    assert isinstance(shop_env, WebShopEnv)
    assert shop_env.spec.max_turns == 15
    assert shop_env.spec.splits == ("train", "valid", "heldout")


def test_splits_are_disjoint_deterministic_and_sized_like_webshop(env):
    # 500 goals: heldout and valid get min(500 | 1000, 500 // 10) = 50 each
    sizes = {split: len(env.tasks(split)) for split in ("train", "valid", "heldout")}
    assert sizes == {"train": 400, "valid": 50, "heldout": 50}
    again = WebShopEnv(num_products=NUM_PRODUCTS)
    assert [t.instruction for t in again.tasks("heldout")] == [
        t.instruction for t in env.tasks("heldout")
    ]
    instructions = {split: {t.id for t in env.tasks(split)} for split in sizes}
    assert not instructions["train"] & instructions["heldout"]
    with pytest.raises(ValueError, match="unknown split"):
        env.tasks("test")


def test_search_page_lists_only_the_search_action(env):
    task = env.tasks("heldout")[0]
    observation = env.reset(task)
    assert observation.text == f"WebShop [SEP] Instruction: [SEP] {task.instruction} [SEP] Search"
    assert observation.available_actions == ["search[<your query>]"]


def test_results_pages_paginate_with_prev_and_next(env):
    env.reset(env.tasks("heldout")[0])
    first = env.step("search[black hoodie]").observation  # 'black' is in > 50 products
    assert "[SEP] Back to Search [SEP] Page 1 (Total results: 50) [SEP] Next > [SEP]" in first.text
    assert first.available_actions[:2] == ["click[Back to Search]", "click[Next >]"]
    assert len(first.available_actions) == 2 + 10  # ten product ASINs
    second = env.step("click[next >]").observation  # clicks are case-insensitive
    assert "Page 2 (Total results: 50) [SEP] < Prev [SEP] Next >" in second.text
    back = env.step("click[< Prev]").observation
    assert back.state_key == first.state_key and back.text == first.text


def test_item_page_has_options_subpages_and_buy_now(env):
    env.reset(env.tasks("heldout")[0])
    results = env.step("search[hoodie machine wash]").observation
    asin = results.available_actions[2][len("click[") : -1]
    item = env.step(f"click[{asin}]").observation
    product = env.shop.by_asin[asin]
    option_clicks = [f"click[{v}]" for values in product["options"].values() for v in values]
    assert item.available_actions == [
        "click[Back to Search]",
        "click[< Prev]",
        *option_clicks,
        "click[Description]",
        "click[Features]",
        "click[Reviews]",
        "click[Buy Now]",
    ]
    assert f"[SEP] {product['Title']} [SEP] Price: {product['Price']} [SEP]" in item.text
    description = env.step("click[Description]").observation
    assert description.text.endswith(f"< Prev [SEP] {product['Description']}")
    assert env.step("click[< Prev]").observation.state_key == item.state_key


def test_invalid_actions_are_explained_and_change_nothing(env):
    observation = env.reset(env.tasks("heldout")[1])
    for action in ("click[Buy Now]", "buy it", "jump[now]", "search[]"):
        result = env.step(action)
        assert result.info["action_valid"] is False
        assert result.observation.text.startswith(f"Invalid action {action!r}: ")
        assert result.observation.state_key == observation.state_key
        assert result.reward == 0.0 and not result.terminated
    env.step("search[shampoo]")
    result = env.step("search[lipstick]")  # no search bar on the results page
    assert not result.info["action_valid"] and "no search bar" in result.observation.text


def test_buying_the_target_with_its_options_scores_one(env):
    task = env.tasks("heldout")[2]
    _target_page_actions(env, task)
    result = env.step("click[Buy Now]")
    assert result.terminated and not result.truncated
    assert result.reward == 1.0 and result.info["outcome_reward"] == 1.0
    assert result.info["success"] is True
    components = result.info["reward_components"]
    assert components["r_type"] == 1.0 and components["r_att"] == 1.0
    assert "Your score (min 0.0, max 1.0) [SEP] 1.0" in result.observation.text
    with pytest.raises(RuntimeError):
        env.step("click[Back to Search]")


def test_buying_without_options_scores_hand_computed_fraction(env):
    task = env.tasks("heldout")[2]
    goal = task.metadata["goal"]
    actions = _target_page_actions(env, task)
    env.reset(task)
    for action in actions:
        if action[len("click[") : -1] not in goal["goal_options"].values():
            env.step(action)
    result = env.step("click[Buy Now]")
    n_att, n_opt = len(goal["attributes"]), len(goal["goal_options"])
    # all attributes, no option, price within bound; r_type 1
    assert result.reward == pytest.approx((n_att + 0 + 1) / (n_att + n_opt + 1))
    assert result.info["success"] is False


def test_episode_truncates_after_fifteen_steps_with_zero_outcome(env):
    env.reset(env.tasks("heldout")[0])
    for _ in range(14):
        assert not env.step("click[nothing]").truncated
    last = env.step("click[nothing]")
    assert last.truncated and not last.terminated
    assert last.info["outcome_reward"] == 0.0 and last.info["success"] is False


def test_state_key_tracks_query_item_and_options(env):
    task = env.tasks("heldout")[3]
    env.reset(task)
    a = env.step("search[coffee beans]").observation.state_key
    env.reset(task)
    b = env.step("search[Coffee Beans]").observation.state_key  # queries are lower-cased
    env.reset(task)
    c = env.step("search[herbal tea]").observation.state_key
    assert a == b != c
    item = env.step(f"click[{env.session.hits[0]}]").observation
    first_option = item.available_actions[2]
    chosen = env.step(first_option).observation
    assert chosen.state_key != item.state_key
    assert env.step(first_option).observation.state_key == chosen.state_key


def test_step_results_round_trip_through_json(env):
    env.reset(env.tasks("heldout")[2])
    result = env.step("search[shampoo]")
    assert StepResult.model_validate(json.loads(result.model_dump_json())) == result
    task = env.tasks("train")[0]
    assert type(task).model_validate_json(task.model_dump_json()) == task


def test_check_env_passes():
    check_env = pytest.importorskip("agentrl.core.check_env")
    report = check_env.check_env(WebShopEnv(num_products=NUM_PRODUCTS))
    assert report.ok, str(report)
