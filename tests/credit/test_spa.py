"""SPA: the advantage (GAE over progress rewards, the critic-free group-return form) and the
shaping (estimator fitted once on the warm-started policy's exploration, frozen; or online)."""

import copy
import json
from pathlib import Path

import pytest
import torch

import agentrl
from agentrl.credit import get_advantage
from agentrl.credit.context import ShapingContext
from agentrl.policy.hf import HFPolicy
from agentrl.rewards import spa_explore
from agentrl.rewards.progress_model import STATE_KEY
from agentrl.rollout import RolloutOptions, RolloutRunner
from agentrl.update.trainer import AlgorithmOptions, OptimOptions, Trainer

spa = get_advantage("spa")


def test_gae_mode_over_step_rewards_without_adding_the_outcome(traj, rows_close):
    batch = [traj("g", 1.0, rewards=[0.5, 0.5], values=[0.4, 0.7])]
    delta_1 = 0.5 + 0.0 - 0.7  # -0.2
    delta_0 = 0.5 + 0.7 - 0.4  # 0.8
    rows_close(spa(batch, mode="gae"), [[delta_0 + delta_1, delta_1]])


def test_group_returns_mode_with_positional_baseline(traj):
    batch = [
        traj("g", 1.0, rewards=[0.5, 0.5]),
        traj("g", 0.0, rewards=[0.1]),
        traj("g", 0.0, rewards=[9.0], errored=True),
    ]
    advantages = spa(batch, gamma=0.5, mode="group_returns")
    g_0 = [0.5 + 0.5 * 0.5, 0.5]  # [0.75, 0.5]
    g_1 = [0.1]
    mean_t0 = (g_0[0] + g_1[0]) / 2  # 0.425
    assert advantages[0] == pytest.approx([g_0[0] - mean_t0, 0.0])
    assert advantages[1] == pytest.approx([g_1[0] - mean_t0])
    assert advantages[2] == [0.0]


def test_group_of_one_gets_zero_in_group_returns_mode(traj):
    assert spa([traj("solo", 1.0, rewards=[0.3, 0.2])], mode="group_returns") == [[0.0, 0.0]]


# -- the shaping: an estimator fitted once (the paper's pipeline), or refit online ----------



@pytest.fixture(scope="module")
def corridor_rollouts():
    """A tiny model's corridor episodes, outcomes set by hand so the fit has a spread."""
    policy = HFPolicy.from_name("tiny:llama")
    options = RolloutOptions(group_size=3, lenient_parsing=True)
    options.sampling.max_new_tokens = 4
    env = agentrl.make("toy/corridor", max_turns=3)
    runner = RolloutRunner(lambda: agentrl.make("toy/corridor", max_turns=3), policy, options)
    episodes = runner.run(list(env.tasks("train")[:2]), seed=0, progress=False)
    runner.close()
    for index, episode in enumerate(episodes):
        episode.outcome_reward = float(index % 3 == 0)
    return policy, episodes


def _head(trainer: Trainer) -> list[torch.Tensor]:
    return [p.detach().clone() for p in trainer.context.state[STATE_KEY].head.parameters()]


def _trainer(policy: HFPolicy, **spa_options) -> Trainer:
    algorithm = AlgorithmOptions(advantage="spa", shaping=["spa"],
                                 shaping_options={"spa": spa_options})
    return Trainer(HFPolicy(copy.deepcopy(policy.model), policy.tokenizer, name="tiny:llama"),
                   algorithm, OptimOptions(lr=1e-3, minibatch_size=8, micro_batch_size=4))


def test_offline_default_needs_the_exploration_phase(corridor_rollouts):
    policy, episodes = corridor_rollouts
    shaping = agentrl.credit.get_shaping("spa")
    with pytest.raises(ValueError, match="fit='offline'.*none was fitted"):
        shaping(episodes, context=ShapingContext(policy=policy))
    with pytest.raises(ValueError, match="fit='online' has no exploration"):
        shaping(episodes, context=ShapingContext(policy=policy), fit="online",
                explore={"episodes_per_task": 2})
    with pytest.raises(ValueError, match="bad explore options"):
        shaping(episodes, context=ShapingContext(policy=policy), explore={"episodes": 2})


def test_frozen_estimator_is_not_refit_while_training(corridor_rollouts):
    policy, episodes = corridor_rollouts
    trainer = _trainer(policy)
    options = spa_explore.ExploreOptions(epochs=30, batch_size=2)
    estimator, losses = spa_explore.fit_estimator(trainer.context, episodes, options, {})
    assert losses[-1] < losses[0]  # the fit learned something: the head is not at zero
    trainer.context.state[STATE_KEY] = estimator
    fitted = _head(trainer)
    for iteration in range(2):
        trainer.update([t.model_copy(deep=True) for t in episodes], iteration=iteration)
        assert all(torch.equal(a, b) for a, b in zip(_head(trainer), fitted, strict=True))
    assert any(p.abs().sum() > 0 for p in fitted)


def test_online_option_refits_on_every_batch(corridor_rollouts):
    policy, episodes = corridor_rollouts
    trainer = _trainer(policy, fit="online", epochs=3)
    heads = []
    for iteration in range(2):
        trainer.update([t.model_copy(deep=True) for t in episodes], iteration=iteration)
        heads.append(_head(trainer))
    assert not all(torch.equal(a, b) for a, b in zip(*heads, strict=True))


def test_exploration_file_is_complete_or_ignored(tmp_path: Path, corridor_rollouts):
    """A killed phase leaves only a .tmp (discarded); options changed: redone; complete: read."""
    _, episodes = corridor_rollouts
    path = tmp_path / "spa" / spa_explore.EXPLORATION
    header = {"explore": spa_explore.ExploreOptions().model_dump(), "seed": 3}
    path.parent.mkdir()
    path.with_suffix(".jsonl.tmp").write_text(json.dumps(header) + "\n" + "{torn")
    assert spa_explore.read_exploration(path, header) is None
    assert not path.with_suffix(".jsonl.tmp").exists()
    spa_explore.write_exploration(path, header, episodes)
    assert spa_explore.read_exploration(path, {**header, "seed": 4}) is None  # stale
    assert not path.exists()
    spa_explore.write_exploration(path, header, episodes)
    assert spa_explore.read_exploration(path, header) == episodes


def _spa_recipe(run_dir: Path, iterations: int) -> dict:
    return {
        "name": "spa", "seed": 3,
        "env": {"id": "toy/corridor", "kwargs": {"max_turns": 2}},
        "policy": {"model": "tiny:llama", "dtype": "float32"},  # rescored to 1e-4 below
        "rollout": {"group_size": 2, "lenient_parsing": True,
                    "sampling": {"max_new_tokens": 4}},
        "warm_start": {"steps": 30, "lr": 3e-3, "batch_size": 4},
        "algorithm": {"advantage": "gae", "shaping": ["spa"], "shaping_options": {"spa": {
            "explore": {"episodes_per_task": 4, "tasks": 4, "epochs": 10, "batch_size": 4}}}},
        "optim": {"lr": 1e-3, "minibatch_size": 8, "micro_batch_size": 4},
        "trainer": {"iterations": iterations, "tasks_per_iteration": 2},
        "eval": {"num_tasks": 1},
        "logging": {"run_dir": str(run_dir), "tensorboard": False, "progress": False},
    }


def _checkpoint_head(run: Path) -> dict:
    latest = (run / "checkpoints" / "latest").read_text()
    state = torch.load(run / "checkpoints" / latest / "trainer.pt", weights_only=True)
    return state["trainer"][f"context/{STATE_KEY}"]["head"]


@pytest.mark.slow
def test_train_explores_with_the_warm_started_policy_and_resume_does_not_refit(tmp_path):
    """End to end with a tiny model: warm start, exploration, fit, RL; then two resumes."""
    from agentrl.run.checkpoint import load_checkpoint
    from agentrl.run.loop import load_policy, train
    from agentrl.run.recipe import load_recipe

    run = train(_spa_recipe(tmp_path, 0))  # warm start + exploration + fit, no RL yet
    folder = run / "spa"
    lines = (folder / spa_explore.EXPLORATION).read_text().splitlines()
    episodes = [agentrl.Trajectory.model_validate_json(line) for line in lines[1:]]
    assert len(episodes) == 4 * 4
    assert {e.outcome_reward for e in episodes} == {0.0, 1.0}  # the fit had a spread
    # the episodes were sampled by the warm-started policy (checkpoint 0), not the base one
    recipe = load_recipe(_spa_recipe(tmp_path, 0))
    warm, base = load_policy(recipe), load_policy(recipe)
    load_checkpoint(run / "checkpoints" / "iter-000000", warm,
                    Trainer(warm, recipe.algorithm, recipe.optim))
    turns = [turn for e in episodes for turn in e.turns]
    recorded = torch.tensor([lp for turn in turns for lp in turn.action_logprobs])
    for policy, close in ((warm, True), (base, False)):
        policy.model.eval()
        with torch.no_grad():
            scores = policy.score([t.prompt_ids for t in turns], [t.action_ids for t in turns])
        rescored = scores.logprobs[scores.mask.bool()]
        assert torch.allclose(rescored, recorded, atol=1e-4) is close
    saved = torch.load(folder / spa_explore.ESTIMATOR, weights_only=True)["head"]
    stamps = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    for iterations in (1, 2):  # resume: from checkpoint 0 (the file), then from checkpoint 1
        train(_spa_recipe(tmp_path, iterations))
        assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == stamps
        head = _checkpoint_head(run)
        assert all(torch.equal(head[k], saved[k]) for k in saved)
    assert any(v.abs().sum() > 0 for v in saved.values())
