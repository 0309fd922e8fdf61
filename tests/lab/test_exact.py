"""Exact Q^π / V^π by dynamic programming: values computed by hand on a three-state world,
memoisation, branching by replay, and agreement with sampled episodes on the fork."""

from __future__ import annotations

import math
from functools import partial

import pytest

from agentrl.core.env import Env
from agentrl.core.types import EnvSpec, Observation, StepResult, Task, Trajectory, Turn
from agentrl.lab.exact import GameGraph, NotEnumerable, evaluate, exact_advantages
from agentrl.lab.scorers import TabularScorer, action_reply
from agentrl.policy.tabular import TabularPolicy
from agentrl.rollout.prompts import PromptOptions

# A: left → B (step reward 0.5), right → C.   B: win (R 1), wait (stays).
# C: win (R 1), fail (terminated, R 0), wait (stays).   Horizon: 2 turns.
MOVES = {"A": {"left": "B", "right": "C"}, "B": {"win": "WIN", "wait": "B"},
         "C": {"win": "WIN", "fail": "LOST", "wait": "C"}}


class ThreeStates(Env):
    """The hand-computable world of this module's tests."""

    def __init__(self, max_turns: int = 2) -> None:
        self.spec = EnvSpec(id="test/three", max_turns=max_turns,
                            step_rewards_include_outcome=True)
        self.state, self.turn = "A", 0

    def tasks(self, split: str) -> list[Task]:
        return [Task(id="three", env_id="test/three", split=split, instruction="Win.")]

    def reset(self, task: Task | None = None, *, seed: int | None = None) -> Observation:
        self.state, self.turn = "A", 0
        return self.observation()

    def observation(self) -> Observation:
        actions = sorted(MOVES.get(self.state, {}))
        return Observation(text=f"Win. You are in {self.state}.", available_actions=actions,
                           state_key=self.state)

    def step(self, action: str) -> StepResult:
        self.turn += 1
        self.state = MOVES[self.state].get(action, self.state)
        won, lost = self.state == "WIN", self.state == "LOST"
        reward = 1.0 if won else 0.5 if action == "left" else 0.0
        return StepResult(observation=self.observation(), reward=reward,
                          terminated=won or lost,
                          truncated=not (won or lost) and self.turn >= self.spec.max_turns,
                          info={"success": won})


class NoCopy(ThreeStates):
    """Refuses deep copies, like an env whose engine lives in a subprocess."""

    def __deepcopy__(self, memo: dict) -> ThreeStates:
        raise TypeError("cannot copy an engine")


MARKOV = PromptOptions(history="last_k", k=0, note_omitted_turns=False)


def graph_of(env_class=ThreeStates, **kwargs) -> tuple[GameGraph, str]:
    graph = GameGraph(env_class, MARKOV, reply=action_reply, **kwargs)
    return graph, graph.root(ThreeStates().tasks("train")[0])


def test_uniform_values_match_the_hand_computation() -> None:
    graph, root = graph_of()
    values = evaluate(graph, TabularScorer(TabularPolicy()))
    # V(B, t=1) = ½ (win 1, wait truncates with 0); V(C, t=1) = ⅓; V(A) = (½ + ⅓) / 2
    assert values.q[root] == pytest.approx({"left": 1 / 2, "right": 1 / 3})
    assert values.v[root] == pytest.approx(5 / 12)
    assert len(graph.nodes) == 3  # A at t 0, B and C at t 1


def test_a_policy_that_prefers_left_and_discounted_step_rewards() -> None:
    graph, root = graph_of()
    policy = TabularPolicy(init={"left": math.log(3.0)})  # π(left | A) = ¾
    values = evaluate(graph, TabularScorer(policy))
    assert values.v[root] == pytest.approx(3 / 4 * 1 / 2 + 1 / 4 * 1 / 3)  # 11/24
    rewards = evaluate(graph, TabularScorer(TabularPolicy()), returns="rewards", gamma=0.5)
    # left: r 0.5 + γ V_r(B) = 0.5 + 0.5·½; right: 0 + 0.5·⅓
    assert rewards.q[root] == pytest.approx({"left": 0.75, "right": 1 / 6})
    with pytest.raises(ValueError, match="returns"):
        evaluate(graph, TabularScorer(policy), returns="bogus")


def test_longer_horizon_memoises_revisited_states_and_replay_agrees() -> None:
    copied, root = graph_of(partial(ThreeStates, 3))
    replayed, root_r = graph_of(partial(NoCopy, 3), verify=True)
    assert replayed.branch == "replay" and copied.branch == "copy"
    # A@0, B@1, C@1, B@2 (reached by wait), C@2: five nodes
    assert len(copied.nodes) == len(replayed.nodes) == 5
    scorer = TabularScorer(TabularPolicy())
    v, w = evaluate(copied, scorer), evaluate(replayed, scorer)
    # V(B,2) = ½, V(B,1) = ½·1 + ½·½ = ¾; V(C,2) = ⅓, V(C,1) = ⅓ + ⅓·⅓ = 4/9
    assert v.v[root] == pytest.approx((3 / 4 + 4 / 9) / 2)
    assert w.v[root_r] == pytest.approx(v.v[root])


def test_advantages_follow_a_trajectory_and_refuse_an_unlisted_action() -> None:
    graph, root = graph_of()
    values = evaluate(graph, TabularScorer(TabularPolicy()))
    task = ThreeStates().tasks("train")[0]

    def trajectory(*steps: tuple[str, str]) -> Trajectory:
        turns = [Turn(observation=Observation(text="", state_key=s), action=a, state_key=s)
                 for s, a in steps]
        return Trajectory(task=task, turns=turns, group_id="g")

    rows = exact_advantages(graph, values, [trajectory(("A", "right"), ("C", "win"))], [None])
    assert rows == [pytest.approx([1 / 3 - 5 / 12, 1 - 1 / 3])]
    with pytest.raises(NotEnumerable, match="not a listed admissible action"):
        exact_advantages(graph, values, [trajectory(("A", "jump"))], [None])


def test_a_world_beyond_the_node_budget_is_refused() -> None:
    with pytest.raises(NotEnumerable, match="more than 2 nodes"):
        graph_of(partial(ThreeStates, 3), max_nodes=2)


def test_credit_report_exact_on_the_fork_matches_the_dp(tmp_path) -> None:
    import json

    from agentrl.lab.report import CreditReportOptions, credit_report

    recipe = {"name": "x", "env": {"id": "toy/fork", "kwargs": {"max_turns": 6}},
              "rollout": {"group_size": 4, "prompt": {"history": "last_k", "k": 0,
                                                      "note_omitted_turns": False}}}
    options = CreditReportOptions(tasks=2, draws=20, out=tmp_path, truth="exact",
                                  rows=["grpo", "gigpo"], policy_note="tabular")
    path = credit_report(recipe, [], options, policy=TabularPolicy())
    text = path.read_text()
    assert "exact A = Q − V by DP over" in text and "Markov in the env state" in text
    turns = [json.loads(line) for line in (tmp_path / "credit_turns.jsonl").open()]
    assert sum(t["turn"] == 0 for t in turns) == 8
    # Q(s_t, a_t) = V(s_{t+1}) before the end, so Σ_t A_t = R − V(s_0): the same V(s_0)
    # (the fork's worlds are mirror images) for every episode
    starts = set()
    for episode in {t["episode"] for t in turns}:
        mine = [t for t in turns if t["episode"] == episode]
        starts.add(round(float(mine[0]["success"]) - sum(t["mc"] for t in mine), 9))
    assert len(starts) == 1 and 0 < starts.pop() < 1
