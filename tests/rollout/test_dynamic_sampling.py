"""Dynamic sampling: all-equal groups are resampled until mixed, up to the round limit."""

from __future__ import annotations

import random
from typing import Any

from agentrl.core.types import Task
from agentrl.environments.toy.corridor import CorridorEnv
from agentrl.policy.base import Generation, Messages, SamplingParams
from agentrl.rollout.dynamic_sampling import DynamicSamplingOptions, collect_groups, is_mixed
from agentrl.rollout.runner import RolloutOptions, RolloutRunner


class CoinPolicy:
    """Says 'right' (wins a 1-cell corridor) or 'left' (loses it) by a coin seeded with the
    call's sampling seed and the conversation's position; ``always`` fixes the reply."""

    def __init__(self, always: str | None = None) -> None:
        self.always = always

    def generate(self, batch: list[Messages], sampling: SamplingParams, *,
                 tools: Any = None) -> list[Generation]:
        out = []
        for position, _ in enumerate(batch):
            coin = random.Random((sampling.seed or 0) * 1_000 + position).random() < 0.5
            move = self.always or ("right" if coin else "left")
            out.append(Generation(text=f"<action>{move}</action>", prompt_ids=[1],
                                  token_ids=[7], logprobs=[-0.7]))
        return out

    def score(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError


def tasks(n: int) -> list[Task]:
    return [Task(id=f"t{i}", env_id="toy/corridor", metadata={"length": 1}) for i in range(n)]


def runner(policy: CoinPolicy, group_size: int = 2) -> RolloutRunner:
    return RolloutRunner(lambda: CorridorEnv(max_turns=1), policy,
                         RolloutOptions(group_size=group_size, workers=2))


def test_disabled_is_one_plain_round_with_the_mixed_fraction_logged() -> None:
    run = runner(CoinPolicy())
    batch, metrics = collect_groups(run, tasks(6), seed=3, group_prefix="it0/", progress=False,
                                    options=DynamicSamplingOptions())
    again = run.run(tasks(6), seed=3, group_prefix="it0/", progress=False)
    assert [(t.group_id, t.outcome_reward, [turn.action for turn in t.turns]) for t in batch] \
        == [(t.group_id, t.outcome_reward, [turn.action for turn in t.turns]) for t in again]
    groups = [batch[k * 2 : k * 2 + 2] for k in range(6)]
    assert metrics["rollout/mixed_group_fraction"] == sum(map(is_mixed, groups)) / 6
    assert metrics["rollout/resampled_groups"] == 0.0


def test_enabled_replaces_all_equal_groups_until_every_group_is_mixed() -> None:
    batch, metrics = collect_groups(runner(CoinPolicy()), tasks(6), seed=3, group_prefix="it0/",
                                    progress=False,
                                    options=DynamicSamplingOptions(enabled=True, max_rounds=20))
    assert metrics["rollout/mixed_group_fraction_first"] < 1.0  # something to resample
    assert metrics["rollout/mixed_group_fraction"] == 1.0
    assert metrics["rollout/resampled_groups"] >= 1
    assert len(batch) == 12
    assert [t.group_id for t in batch] == [f"it0/t{k}" for k in range(6) for _ in range(2)]
    assert all(is_mixed(batch[k * 2 : k * 2 + 2]) for k in range(6))


def test_groups_still_equal_after_the_limit_stay_and_every_round_is_counted() -> None:
    batch, metrics = collect_groups(runner(CoinPolicy(always="right")), tasks(3), seed=0,
                                    group_prefix="", progress=False,
                                    options=DynamicSamplingOptions(enabled=True, max_rounds=2))
    assert len(batch) == 6 and all(t.success for t in batch)
    assert metrics["rollout/resampled_groups"] == 6.0  # 3 groups x 2 rounds
    assert metrics["rollout/dynamic_rounds"] == 2.0
    assert metrics["rollout/mixed_group_fraction"] == 0.0


def test_train_logs_dynamic_sampling_and_whitens(tmp_path) -> None:
    import json

    from agentrl.run.loop import train

    recipe = {
        "name": "ds", "seed": 3, "env": {"id": "toy/corridor", "kwargs": {"max_turns": 2}},
        "policy": {"model": "tiny:llama"},
        "rollout": {"group_size": 2, "lenient_parsing": True, "sampling": {"max_new_tokens": 4},
                    "dynamic_sampling": {"enabled": True, "max_rounds": 2}},
        "algorithm": {"advantage": "grpo", "advantage_whitening": True},
        "optim": {"lr": 1e-3, "minibatch_size": 8, "micro_batch_size": 4},
        "trainer": {"iterations": 1, "tasks_per_iteration": 2},
        "eval": {"num_tasks": 1},
        "logging": {"run_dir": str(tmp_path), "tensorboard": False, "progress": False},
    }
    run = train(recipe)
    row = json.loads((run / "metrics.jsonl").read_text().splitlines()[0])
    # the random tiny model loses every corridor episode: both groups resampled twice
    assert row["rollout/resampled_groups"] == 4.0 and row["rollout/dynamic_rounds"] == 2.0
    assert row["rollout/mixed_group_fraction"] == 0.0
