"""GiGPO: hand-computed episode + anchor-state step advantages."""

import math

import pytest

from agentrl.credit import get_advantage

gigpo = get_advantage("gigpo")


def _group(traj):
    # T0 succeeds via A→B, T1 fails via A→C→D; only state A is shared.
    return [
        traj("g", 1.0, keys=["A", "B"]),
        traj("g", 0.0, keys=["A", "C", "D"]),
    ]


def test_mean_norm_episode_stats_over_step_samples(traj):
    advantages = gigpo(_group(traj), gamma=0.5)
    # step returns (γ = 0.5, R on the last turn): T0 [0.5, 1.0], T1 [0, 0, 0]
    # episode samples, one per step: [1, 1, 0, 0, 0] → mean 0.4
    a_e0, a_e1 = 1.0 - 0.4, 0.0 - 0.4
    # anchor group A: returns [0.5, 0.0] → mean 0.25; B, C, D are singletons → 0
    a_s0, a_s1 = 0.5 - 0.25, 0.0 - 0.25
    assert advantages[0] == pytest.approx([a_e0 + a_s0, a_e0])
    assert advantages[1] == pytest.approx([a_e1 + a_s1, a_e1, a_e1])


def test_episode_stats_per_trajectory_and_omega(traj):
    advantages = gigpo(_group(traj), gamma=0.5, episode_stats="trajectory", omega=2.0)
    a_e0, a_e1 = 1.0 - 0.5, 0.0 - 0.5
    assert advantages[0] == pytest.approx([a_e0 + 2.0 * 0.25, a_e0])
    assert advantages[1] == pytest.approx([a_e1 + 2.0 * -0.25, a_e1, a_e1])


def test_mean_std_norm_uses_unbiased_std(traj):
    advantages = gigpo(_group(traj), gamma=0.5, mode="mean_std_norm")
    std_e = math.sqrt((0.6**2 * 2 + 0.4**2 * 3) / (5 - 1))  # sqrt(0.3)
    std_a = math.sqrt((0.25**2 + 0.25**2) / (2 - 1))  # sqrt(0.125)
    a_e0, a_e1 = 0.6 / (std_e + 1e-6), -0.4 / (std_e + 1e-6)
    a_s0, a_s1 = 0.25 / (std_a + 1e-6), -0.25 / (std_a + 1e-6)
    assert advantages[0] == pytest.approx([a_e0 + a_s0, a_e0])
    assert advantages[1] == pytest.approx([a_e1 + a_s1, a_e1, a_e1])


def test_single_sample_group_uses_mean_zero_as_verl_agent(traj, rows_close):
    # one trajectory of one turn: the episode statistic has one sample → mean 0, std 1
    rows_close(gigpo([traj("solo", 1.0, keys=["A"])]), [[1.0]])


def test_all_equal_rewards_and_errored_excluded(traj, rows_close):
    batch = [
        traj("g", 1.0, keys=["A", "B"]),
        traj("g", 1.0, keys=["A", "B"]),
        traj("g", 0.0, keys=["A", "B"], errored=True),
    ]
    rows_close(gigpo(batch), [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]])


def test_step_groups_never_cross_episode_groups(traj, rows_close):
    batch = [traj("a", 1.0, keys=["A"]), traj("b", 0.0, keys=["A"]), traj("b", 1.0, keys=["B"])]
    advantages = gigpo(batch, gamma=0.5)
    # group a: one sample → A^E = 1 - 0; group b: mean 0.5 → ∓0.5; every state a singleton
    rows_close(advantages, [[1.0], [-0.5], [0.5]])


def test_fuzzy_anchor_merge_on_similar_observations(traj, rows_close):
    batch = [traj("g", 1.0, keys=["kitchen-1"]), traj("g", 0.0, keys=["kitchen-2"])]
    exact = gigpo(batch)
    rows_close(exact, [[0.5], [-0.5]])
    # "obs kitchen-1" vs "obs kitchen-2": ratio 2·12/26 ≈ 0.923 ≥ 0.9 → one anchor group
    fuzzy = gigpo(batch, similarity_threshold=0.9)
    rows_close(fuzzy, [[0.5 + 0.5], [-0.5 - 0.5]])


class _Script:
    """Replies the next action of ``actions``, one per call (one episode at a time)."""

    def __init__(self, actions: list[str]) -> None:
        self.actions = iter(actions)

    def generate(self, batch, sampling, *, tools=None):
        from agentrl.policy.base import Generation

        return [Generation(text=f"<action>{next(self.actions)}</action>", prompt_ids=[1],
                           token_ids=[2], logprobs=[-0.1]) for _ in batch]


def _fork_group() -> list:
    """Two real toy/fork episodes of one task (corridor 1, 4 turns): S plays the oracle
    [go side, take key, go north, unlock door] and wins (reward 1 on the last step, outcome
    1); F plays the same but looks instead of unlocking, and is cut after 4 turns."""
    from agentrl.core.registry import make
    from agentrl.rollout.runner import RolloutOptions, RolloutRunner

    env = make("toy/fork", corridor=1)
    task = env.tasks("train")[0]
    oracle = env.demonstration(task)
    episodes = []
    for actions in (oracle, [*oracle[:-1], "look"]):
        runner = RolloutRunner(lambda: make("toy/fork", corridor=1), _Script(actions),
                               RolloutOptions(group_size=1, max_turns=4, workers=1))
        episodes += runner.run([task], progress=False)
        runner.close()
    return episodes


def test_fork_success_is_counted_once_by_default_and_twice_with_add():
    """toy/fork pays 1 on the success step and its outcome is 1: by default (outcome
    'auto', the env declares step_rewards_include_outcome) the last turn's return is 1, not 2.
    Hand computation, γ = 0.5: S's rewards [0, 0, 0, 1] → returns [1/8, 1/4, 1/2, 1]; F's
    all 0. S and F visit the same four states, so every anchor group is {S_t, F_t}: A^S =
    ±G^S_t / 2. Episode samples per step: four of R = 1, four of R = 0 → A^E = ±1/2."""
    from agentrl.credit.advantages.batch import TurnBatch
    from agentrl.credit.advantages.returns import reward_matrix

    success, failure = batch = _fork_group()
    assert success.success and success.outcome_reward == 1.0 and not failure.success
    assert [turn.reward for turn in success.turns] == [0.0, 0.0, 0.0, 1.0]
    assert success.step_rewards_include_outcome  # copied from the env's spec by the runner
    assert [t.state_key for t in success.turns] == [t.state_key for t in failure.turns]
    assert reward_matrix(TurnBatch.build(batch))[0, -1] == 1.0
    assert reward_matrix(TurnBatch.build(batch), "add")[0, -1] == 2.0
    default = gigpo(batch, gamma=0.5)
    returns = [0.125, 0.25, 0.5, 1.0]
    assert default[0] == pytest.approx([0.5 + g / 2 for g in returns])
    assert default[1] == pytest.approx([-0.5 - g / 2 for g in returns])
    # outcome='add' (the old default) doubles the last reward: returns [1/4, 1/2, 1, 2]
    doubled = gigpo(batch, gamma=0.5, outcome="add")
    assert doubled[0] == pytest.approx([0.5 + g for g in returns])
    assert doubled[0][-1] == pytest.approx(1.5)  # the step term weighs twice the episode's
    assert gigpo(batch, gamma=0.5, outcome="ignore") == default


def test_placebo_follows_the_declaration_too():
    """γ = 1: every S turn's return is 1 by default (2 with 'add'), every F turn's 0. A
    shuffled anchor group of two turns gives A^S = 0 (same trajectory) or ±G/2 (one of each),
    so |A − A^E| is at most 1/2 by default and reaches 1 with 'add'; A^E = ±1/2."""
    placebo = get_advantage("gigpo-placebo")
    batch = _fork_group()
    step_terms = {
        mode: [a - e for row, e in zip(placebo(batch, gamma=1.0, outcome=mode), (0.5, -0.5),
                                       strict=True) for a in row]
        for mode in ("auto", "add")
    }
    assert {round(abs(x), 9) for x in step_terms["auto"]} == {0.0, 0.5}
    assert {round(abs(x), 9) for x in step_terms["add"]} == {0.0, 1.0}
    assert placebo(batch, gamma=1.0) == placebo(batch, gamma=1.0, outcome="ignore")


def _members(traj) -> list:
    """Two episode groups; group g's members carry their index (as the runner sets it)."""
    batch = [traj("g", 1.0, keys=["h", "h", "k", "d"]), traj("g", 0.0, keys=["h", "w", "w"]),
             traj("g", 0.0, keys=["h", "w", "x"]), traj("q", 1.0, keys=["h", "z"]),
             traj("q", 0.0, keys=["z", "z"])]
    for member, trajectory in enumerate(batch[:3]):
        trajectory.member = member
    return batch


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_placebo_depends_on_no_batch_position(traj, seed):
    """Reversing the batch, or dropping another group, leaves each trajectory's advantages:
    a group's draw comes from its group_id and the seed, over its members by index (g) or,
    without one (q, as in old files), by content."""
    placebo = get_advantage("gigpo-placebo")
    batch = _members(traj)
    plain = placebo(batch, seed=seed)
    assert placebo(batch[::-1], seed=seed)[::-1] == plain
    assert placebo(batch[:3][::-1], seed=seed)[::-1] == plain[:3]
    assert placebo(batch[3:][::-1], seed=seed)[::-1] == plain[3:]


def test_placebo_keeps_each_groups_anchor_sizes_and_moves_some(traj):
    from agentrl.credit.advantages.batch import TurnBatch
    from agentrl.credit.advantages.gigpo import anchor_codes
    from agentrl.credit.advantages.gigpo_placebo import placebo_codes

    view = TurnBatch.of(_members(traj))
    codes = anchor_codes(view, None)
    groups = [g for g, n in zip(view.group, view.lengths, strict=True) for _ in range(n)]
    moved = False
    for seed in range(5):
        shuffled = placebo_codes(view, seed)
        for g in (0, 1):  # the same codes, each as often: the group's step-group sizes
            own = [i for i, x in enumerate(groups) if x == g]
            assert sorted(shuffled[own].tolist()) == sorted(codes[own].tolist())
        moved |= bool((shuffled != codes).any())
    assert moved, "no seed moved an anchor code: the placebo would be GiGPO"


def test_placebo_orders_members_by_their_index_not_their_place(traj):
    """Trading two members' indices is a different member order, so some seed draws
    other advantages for them (the index, not the position, decides)."""
    placebo = get_advantage("gigpo-placebo")
    batch = _members(traj)
    traded = [t.model_copy(deep=True) for t in batch]
    traded[0].member, traded[1].member = 1, 0
    assert any(placebo(traded, seed=seed) != placebo(batch, seed=seed) for seed in range(5))
