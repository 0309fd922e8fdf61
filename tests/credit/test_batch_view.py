"""The columnar view of a batch (TurnBatch) and the vectorised codes built on it."""

import random

import numpy as np
import pytest

from agentrl.credit import get_advantage
from agentrl.credit.advantages.batch import TurnBatch, distinct, intern, pair_codes
from agentrl.credit.advantages.gigpo import anchor_codes
from agentrl.credit.advantages.salt import node_codes


@pytest.fixture
def small(traj):
    return [
        traj("a", 1.0, rewards=[0.1, 0.2], keys=["x", "y"], actions=["go", "go"],
             values=[0.5, 0.6]),
        traj("b", 9.0, rewards=[7.0], errored=True),
        traj("b", 0.0, rewards=[0.3], keys=["x"], actions=["go"], values=[0.7]),
        traj("a", 0.5, n=0),
        traj("a", 2.0, rewards=[0.4, 0.5, 0.6], keys=["x", "x", "z"], actions=["go", "stop", "go"],
             values=[0.1, 0.2, 0.3]),
    ]


def test_view_indexes_non_errored_rows_by_group_in_first_appearance_order(small):
    view = TurnBatch.build(small)
    assert view.index.tolist() == [0, 2, 3, 4]
    assert view.group.tolist() == [0, 1, 0, 0] and view.n_groups == 2
    assert view.lengths.tolist() == [2, 1, 0, 3]
    assert view.batch_lengths == [2, 1, 1, 0, 3]
    assert view.mask.tolist() == [[True, True, False], [True, False, False],
                                  [False, False, False], [True, True, True]]
    assert view.n_turns == 6 and view.turn_row.tolist() == [0, 0, 1, 3, 3, 3]
    assert view.outcomes().tolist() == [1.0, 0.0, 0.5, 2.0]


def test_view_reads_turn_columns_row_major(small):
    view = TurnBatch.build(small)
    assert view.rewards.tolist() == pytest.approx([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    assert view.info("value", "t", "").tolist() == pytest.approx([0.5, 0.6, 0.7, 0.1, 0.2, 0.3])
    np.testing.assert_allclose(view.reward_matrix(), [[0.1, 0.2, 0.0], [0.3, 0.0, 0.0],
                                                      [0.0, 0.0, 0.0], [0.4, 0.5, 0.6]])
    keys = view.codes("state_key").tolist()  # x y x x x z
    assert keys[0] == keys[2] == keys[3] == keys[4] and len({keys[0], keys[1], keys[5]}) == 3
    pairs = view.codes("state_key", "action").tolist()  # x,go y,go x,go x,go x,stop z,go
    assert pairs[0] == pairs[2] == pairs[3] and len({pairs[0], pairs[1], pairs[4], pairs[5]}) == 4


def test_view_scatters_rows_and_per_row_values_with_errored_zeros(small):
    view = TurnBatch.build(small)
    matrix = np.arange(12, dtype=float).reshape(4, 3)
    assert view.scatter(matrix) == [[0.0, 1.0], [0.0], [3.0], [], [9.0, 10.0, 11.0]]
    assert view.scatter(np.array([1.0, 2.0, 3.0, 4.0])) == [[1.0, 1.0], [0.0], [2.0], [],
                                                            [4.0, 4.0, 4.0]]


def test_missing_info_key_names_the_turn_and_task(traj):
    view = TurnBatch.build([traj("g", values=[1.0]), traj("h", n=2, infos=[{"value": 1.0}, {}])])
    with pytest.raises(KeyError, match=r"turn 1 of task 'task-h'; do this"):
        view.info("value", "gae", "do this")


def test_empty_and_all_errored_batches(traj):
    for batch in ([], [traj("g", 1.0, errored=True)]):
        view = TurnBatch.build(batch)
        assert view.n_groups == 0 and view.mask.shape == (0, 0) and view.n_turns == 0
        assert view.scatter(np.zeros((0, 0))) == [[0.0] * len(t.turns) for t in batch]


def test_intern_pair_codes_and_distinct():
    codes = intern(["b", "a", "b", "c", "a"]).tolist()
    assert codes == [0, 1, 0, 2, 1]  # dense, in order of first occurrence
    assert pair_codes(np.array([0, 0, 1, 1, 0]), np.array([5, 2, 5, 5, 5])).tolist() == [
        1, 0, 2, 2, 1]
    # a pair space too large for the presence table: the sort path, same numbering
    assert pair_codes(np.array([0, 0, 1, 1]), np.array([0, 10**6, 0, 10**6])).tolist() == [
        0, 1, 2, 3]
    assert distinct(np.array([3, 1, 3, 2, 1])).tolist() == [1, 2, 3]
    assert distinct(np.array([], dtype=np.int64)).tolist() == []


def test_pair_codes_table_and_sort_paths_agree():
    rng = np.random.default_rng(0)
    first, second = rng.integers(0, 7, 500), rng.integers(0, 30, 500)
    expected = np.unique(first * 30 + second, return_inverse=True)[1]
    assert pair_codes(first, second).tolist() == expected.tolist()  # table path
    wide = second * 10**5  # same pairs, spread over a space the table would not take
    assert pair_codes(first, wide).tolist() == expected.tolist()


def random_batch(traj, seed: int) -> list:
    rng = random.Random(seed)
    batch = []
    for i in range(40):
        n = rng.randint(0, 6)
        batch.append(traj(
            f"g{i % 5}", float(rng.random() < 0.5),
            n=n, rewards=[rng.random() for _ in range(n)],
            keys=[rng.choice("xyz") for _ in range(n)],
            actions=[rng.choice("ab") for _ in range(n)],
            errored=rng.random() < 0.1,
        ))
    return batch


def same_partition(a: np.ndarray, b: list[int]) -> bool:
    pairs = set(zip(a.tolist(), b, strict=True))
    return len(pairs) == len(set(a.tolist())) == len(set(b))


def reference_nodes(view: TurnBatch, prefix: bool) -> list[int]:
    """The per-turn dictionary numbering the vectorised codes replace."""
    table: dict[tuple, int] = {}
    codes = []
    for trajectory, group in zip(view.trajectories, view.group.tolist(), strict=True):
        parent: object = ("root", group)
        for turn in trajectory.turns:
            key = (parent if prefix else group, turn.state_key, turn.action)
            parent = table.setdefault(key, len(table))
            codes.append(parent)
    return codes


@pytest.mark.parametrize("seed", range(5))
def test_vectorised_graph_and_anchor_codes_match_a_per_turn_reference(traj, seed):
    view = TurnBatch.build(random_batch(traj, seed))
    for prefix, node in ((False, "state_action"), (True, "prefix")):
        assert same_partition(node_codes(view, node), reference_nodes(view, prefix))
    anchors: dict[tuple, int] = {}
    expected = [anchors.setdefault((g, turn.state_key), len(anchors))
                for t, g in zip(view.trajectories, view.group.tolist(), strict=True)
                for turn in t.turns]
    assert same_partition(anchor_codes(view, None), expected)


@pytest.mark.parametrize("seed", range(3))
def test_vectorised_grpo_and_rloo_match_per_group_reference(traj, seed):
    batch = random_batch(traj, seed)
    grpo, rloo = get_advantage("grpo")(batch), get_advantage("rloo")(batch)
    for i, trajectory in enumerate(batch):
        peers = [t.outcome_reward for t in batch
                 if t.group_id == trajectory.group_id and not t.errored]
        if trajectory.errored:
            assert grpo[i] == rloo[i] == [0.0] * len(trajectory.turns)
            continue
        r, k = trajectory.outcome_reward, len(peers)
        mean = sum(peers) / k
        std = (sum((p - mean) ** 2 for p in peers) / k) ** 0.5
        expected_rloo = r - (sum(peers) - r) / (k - 1) if k > 1 else 0.0
        assert grpo[i] == pytest.approx([(r - mean) / (std + 1e-6)] * len(trajectory.turns))
        assert rloo[i] == pytest.approx([expected_rloo] * len(trajectory.turns))


def test_token_index_of_the_view(traj):
    view = TurnBatch.build([traj("a", tokens=[2, 0]), traj("b", tokens=[1], errored=True),
                            traj("b", tokens=[3])])
    assert view.token_counts.tolist() == [2, 0, 3]  # the errored row is not in the view
    assert view.token_turn.tolist() == [0, 0, 2, 2, 2]
    assert view.first_token.tolist() == [0, 2, 2]
    per_turn = view.split_tokens(np.arange(5.0), np.array([-1.0, -2.0, -3.0]))
    assert per_turn == [[0.0, 1.0], -2.0, [2.0, 3.0, 4.0]]


def test_a_stage_hands_the_view_its_columns(traj):
    view = TurnBatch.build([traj("a", tokens=[2, 1])])
    view.put("value", np.array([0.5, 0.25]))
    view.put("token_kl", np.array([0.1, 0.2, 0.3]), per_token=True)
    assert view.info("value", "test", "").tolist() == [0.5, 0.25]  # not read from the turns
    assert view.token_info("token_kl", "test", "").tolist() == [0.1, 0.2, 0.3]
    with pytest.raises(ValueError, match=r"put\('kl'\): 3 values for 2 turns"):
        view.put("kl", np.zeros(3))
    with pytest.raises(ValueError, match="2 values for 3 action tokens"):
        view.put("token_kl", np.zeros(2), per_token=True)


def test_gc_paused_restores_the_collector_state():
    import gc

    from agentrl.credit.advantages.batch import gc_paused

    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()
