"""Exact values on the card's larger worlds: a small TextWorld game against a brute-force
enumeration written here, and search-QA cut to a menu of replies against a hand value."""

from __future__ import annotations

import json
from functools import partial

import pytest

from agentrl.core.registry import make
from agentrl.lab.exact import GameGraph, evaluate
from agentrl.lab.menu import MenuEnv, answer_label, reply_label
from agentrl.lab.scorers import TabularScorer, action_reply
from agentrl.policy.tabular import TabularPolicy
from agentrl.rollout.prompts import PromptOptions

MARKOV = PromptOptions(history="last_k", k=0, note_omitted_turns=False)


def brute_force(env, task, prefix: list[str], horizon: int) -> tuple[float, float]:
    """(P[success], E[Σ rewards]) of the uniform policy over the listed actions, from the
    state ``prefix`` reaches: every action sequence, each replayed from a reset."""
    observation = env.reset(task)
    for action in prefix:
        observation = env.step(action).observation
    actions = list(observation.available_actions)
    success = reward = 0.0
    for action in actions:
        env.reset(task)
        for earlier in prefix:
            env.step(earlier)
        result = env.step(action)
        if result.terminated or result.truncated or len(prefix) + 1 >= horizon:
            later = (float(result.info.get("success", False)), 0.0)
        else:
            later = brute_force(env, task, [*prefix, action], horizon)
        success += later[0] / len(actions)
        reward += (result.reward + later[1]) / len(actions)
    return success, reward


@pytest.mark.parametrize("memo", ["state", "history"])
def test_a_textworld_game_by_dp_equals_every_action_sequence(memo: str) -> None:
    make_env = partial(make, "textworld")
    env = make_env()
    task = env.tasks("train")[0]
    success, reward = brute_force(env, task, [], horizon=2)
    graph = GameGraph(make_env, MARKOV, reply=action_reply, max_turns=2, memo=memo,
                      verify=memo == "state")
    try:
        root = graph.root(task)
        assert graph.branch == "replay"  # TextWorld's interpreter is never deep-copied
        scorer = TabularScorer(TabularPolicy())
        assert evaluate(graph, scorer, returns="success").v[root] == pytest.approx(success)
        assert evaluate(graph, scorer, returns="rewards").v[root] == pytest.approx(reward)
        first = len(graph.nodes[root].actions)
        assert len(graph.nodes) == 1 + first if memo == "history" else len(graph.nodes) <= 1 + first
    finally:
        graph.close()
        env.close()


def test_the_history_memo_keeps_paths_apart() -> None:
    make_env = partial(MenuEnv, "tools/search-qa", {"max_hops": 1, "max_turns": 3})
    state = GameGraph(make_env, MARKOV, reply=action_reply, memo="state")
    history = GameGraph(make_env, MARKOV, reply=action_reply, memo="history")
    task = state._env.tasks("train")[0]
    try:
        keys = [state.root(task), history.root(task)]
        assert json.loads(keys[1][4])[0] == []  # the prefix is part of the key
        scorer = TabularScorer(TabularPolicy())
        values = [evaluate(g, scorer).v[k] for g, k in zip((state, history), keys, strict=True)]
        assert values[0] == pytest.approx(values[1])
    finally:
        state.close()
        history.close()


def test_search_qa_cut_to_a_menu_has_the_hand_computed_value() -> None:
    env = MenuEnv("tools/search-qa", {"max_hops": 1, "max_turns": 3}, others=1)
    task = env.tasks("train")[0]
    menu = env.menu(task)
    # own demonstration (search, open, answer) + the next task's: 6 labels, 2 of them answers
    assert len(menu) == 6 and answer_label(task.ground_truth) in menu
    assert sum(label.startswith("answer: ") for label in menu) == 2
    assert reply_label(f"<answer>{task.ground_truth}</answer>") == answer_label(
        task.ground_truth)
    graph = GameGraph(lambda: MenuEnv("tools/search-qa", {"max_hops": 1, "max_turns": 3}),
                      MARKOV, reply=action_reply)
    try:
        root = graph.root(task)
        values = evaluate(graph, TabularScorer(TabularPolicy()))
        # uniform over 6: each turn ends right w.p. 1/6, goes on w.p. 4/6; 3 turns
        v0 = (1 / 6) * (1 + 4 / 6 + (4 / 6) ** 2)
        assert values.v[root] == pytest.approx(v0)
        assert values.q[root][answer_label(task.ground_truth)] - v0 == pytest.approx(1 - v0)
        assert len(graph.nodes) == 1 + 4 + 16
    finally:
        graph.close()
        env.close()


def test_the_command_runs_exact_on_search_qa_through_a_menu(tmp_path) -> None:
    from typer.testing import CliRunner

    from agentrl.cli import app

    result = CliRunner().invoke(app, [
        "credit-report", "tools/search-qa", "--tabular", "--exact", "--menu", "1",
        "--share-seeds", "--tasks", "1", "--draws", "10", "--rows", "grpo,gigpo",
        "--out", str(tmp_path), "env.kwargs.max_hops=1", "env.kwargs.max_turns=3",
        "rollout.group_size=4", "rollout.prompt.history=last_k", "rollout.prompt.k=0",
        "rollout.prompt.note_omitted_turns=false"])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "credit_report.md").read_text()
    assert "exact A = Q − V by DP over 21 nodes" in text and "menu" in text


def test_a_world_too_large_is_refused_with_the_reason(tmp_path) -> None:
    from agentrl.lab.exact import NotEnumerable

    graph = GameGraph(lambda: MenuEnv("tools/search-qa", {"max_hops": 1, "max_turns": 6}),
                      MARKOV, reply=action_reply, max_nodes=50)
    try:
        with pytest.raises(NotEnumerable, match="more than 50 nodes .*max_turns"):
            graph.root(graph._env.tasks("train")[0])
    finally:
        graph.close()
