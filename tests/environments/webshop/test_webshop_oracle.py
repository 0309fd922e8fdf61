"""The oracle shopper solves generated goals."""

from agentrl.environments.webshop.env import WebShopEnv
from agentrl.environments.webshop.oracle import goal_query, solve


def test_goal_query_drops_the_price_clause():
    goal = {
        "instruction_text": "i need vegan lipstick with color: red"
        ", and price lower than 30.00 dollars"
    }
    assert goal_query(goal) == "i need vegan lipstick with color: red"


def test_oracle_scores_one_on_every_goal_of_every_split_within_fifteen_steps():
    # Every generated goal must be reachable: option values holding a colour inside a word
    # (peppermint -> mint, rustic -> rust) could not score 1 under WebShop's own matching.
    env = WebShopEnv(num_products=500)
    results = [solve(env, task) for split in env.spec.splits for task in env.tasks(split)]
    assert [score for _, score in results] == [1.0] * len(results)
    assert max(len(actions) for actions, _ in results) <= 15
    assert all(actions[-1] == "click[Buy Now]" for actions, _ in results)


def test_demonstration_replays_the_oracle_to_a_purchase_scoring_one():
    env = WebShopEnv(num_products=500)
    task = env.tasks("train")[0]
    actions = env.demonstration(task)
    assert actions == solve(env, task)[0]
    env.reset(task)
    results = [env.step(action) for action in actions]
    assert results[-1].terminated and results[-1].info["outcome_reward"] == 1.0
