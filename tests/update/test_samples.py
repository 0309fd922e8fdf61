"""Turn samples and the per-token advantage matrix the loss multiplies (padding gets 0)."""

from __future__ import annotations

from agentrl.core.types import Observation, Task, Trajectory, Turn
from agentrl.update.samples import TurnSample, advantage_matrix, turn_samples


def sample(n_tokens: int, advantage: float | list[float]) -> TurnSample:
    return TurnSample(prompt_ids=[1], action_ids=list(range(n_tokens)),
                      old_logprobs=[0.0] * n_tokens, advantage=advantage, turn_index=0,
                      trajectory_index=0)


def test_advantages_sit_on_the_action_tokens_and_padding_gets_none() -> None:
    micro = [sample(2, 0.5), sample(4, [1.0, 2.0, 3.0, 4.0]), sample(1, -1.0)]
    matrix = advantage_matrix(micro, width=4)
    # right-aligned like the scored log-probs: the shorter rows are padded on the left
    assert matrix.tolist() == [[0.0, 0.0, 0.5, 0.5], [1.0, 2.0, 3.0, 4.0],
                               [0.0, 0.0, 0.0, -1.0]]


def test_turn_samples_skip_errored_trajectories_and_turns_without_tokens() -> None:
    def turn(ids: list[int]) -> Turn:
        return Turn(observation=Observation(text="o", state_key="s"), prompt_ids=[1],
                    action_ids=ids, action_logprobs=[0.0] * len(ids))

    task = Task(id="t", env_id="toy")
    batch = [Trajectory(task=task, turns=[turn([5, 6]), turn([])]),
             Trajectory(task=task, turns=[turn([7])], errored=True)]
    samples = turn_samples(batch, [[[0.1, 0.2], 0.0], [0.0]])
    assert [(s.action_ids, s.advantage, s.turn_index) for s in samples] == [([5, 6], [0.1, 0.2], 0)]
