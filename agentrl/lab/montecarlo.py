"""Monte-Carlo truth for credit assignment: A^π(s_t, a_t) = Q^π(s_t, a_t) − V^π(s_t).

The env is restored to s_t by replaying the sampled trajectory's first t actions from the
same task and reset seed (envs are deterministic under a seed; each replayed step's
``state_key`` is checked against the recorded one, and an env that diverges is reported as
not replayable). From there K continuations are rolled out with the same (frozen) policy,
prompts built from the same history. With R the trajectory's outcome reward:

    V̂(t) = (1/K) Σ_k R(continuation k from the prefix of t turns),
    Q̂(s_t, a_t) = V̂(t + 1)   (the prefix of t + 1 turns ends with a_t),
    Q̂(s_{T−1}, a_{T−1}) = R of the sampled trajectory (the episode has ended: exact),
    Â^MC_t = Q̂(s_t, a_t) − V̂(t).

Prefixes with equal task and actions share their continuations (the same state and the
same prompts), so a state many trajectories visit is estimated once, with K rollouts.
This is VinePPO's idea (Kazemnejad et al. 2024, §4) used as a measuring stick, not for
training.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agentrl.core.types import Observation, Trajectory
from agentrl.rollout.runner import RolloutRunner, _Episode


class ReplayError(RuntimeError):
    """Replaying a recorded action prefix did not reproduce the recorded states."""


@dataclass(frozen=True)
class Start:
    """A continuation start: the first ``turns`` turns of ``trajectory`` (reset seed
    ``reset_seed``)."""

    trajectory: Trajectory
    reset_seed: int
    turns: int


def prefix_key(trajectory: Trajectory, turns: int) -> tuple[str, tuple[str, ...]]:
    """(task id, the first ``turns`` replies): equal keys are the same state and history."""
    return trajectory.task.id, tuple(turn.response for turn in trajectory.turns[:turns])


def recorded_observation(trajectory: Trajectory, turns: int) -> Observation | None:
    """What the policy saw after ``turns`` turns (the final observation after the last)."""
    if turns < len(trajectory.turns):
        return trajectory.turns[turns].observation
    return trajectory.final_observation


class ContinuationRunner(RolloutRunner):
    """A `RolloutRunner` that starts episodes from replayed prefixes of recorded ones."""

    def continue_from(self, starts: Sequence[Start], copies: int, *, seed: int,
                      chunk: int = 64) -> list[list[Trajectory]]:
        """``copies`` continuations of each start, finished by the policy; ``chunk``
        episodes run in lockstep at a time (their envs are reused between chunks)."""
        episodes = [(start, copy) for start in starts for copy in range(copies)]
        finished: list[Trajectory] = []
        for first in range(0, len(episodes), chunk):
            part = episodes[first : first + chunk]
            finished += self._continue_chunk(part, seed + first)
        return [finished[n * copies : (n + 1) * copies] for n in range(len(starts))]

    def _continue_chunk(self, part: list[tuple[Start, int]], seed: int) -> list[Trajectory]:
        episodes = []
        for slot, (start, _) in enumerate(part):
            source = start.trajectory
            trajectory = Trajectory(task=source.task, group=source.group, group_id=source.group_id,
                                    turns=list(source.turns[: start.turns]))
            episodes.append(_Episode(slot=slot, trajectory=trajectory))
        calls = [(lambda s=start, e=episode: self._replay(e.slot, s))
                 for (start, _), episode in zip(part, episodes, strict=True)]
        for episode, (observation, error) in zip(episodes, self._call_all(calls), strict=True):
            if error is not None:
                raise ReplayError(error)
            episode.observation = observation
        turn_index = 0
        while active := [e for e in episodes if not e.done]:
            generations = self._generate(active, seed + 7_919 * turn_index)
            self._step_all(active, generations, self.policy_version)
            turn_index += 1
        failed = [e.trajectory.error for e in episodes if e.trajectory.errored]
        if failed:
            raise ReplayError(f"a continuation errored: {failed[0]}")
        return [e.trajectory for e in episodes]

    def _replay(self, slot: int, start: Start) -> Observation:
        """Reset the slot's env with the start's seed and replay its prefix; the recorded
        observation of the start (what the policy saw there)."""
        env = self._env(slot)
        source = start.trajectory
        env.reset(source.task, seed=start.reset_seed)
        for t, turn in enumerate(source.turns[: start.turns]):
            if "parse_error" in turn.info:  # the runner did not step the env for it
                continue
            result = env.step(turn.action)
            expected = recorded_observation(source, t + 1)
            if expected is not None and result.observation.state_key != expected.state_key:
                raise ReplayError(
                    f"{env.spec.id} did not replay task {source.task.id!r}: turn {t} "
                    f"reached state {result.observation.state_key!r}, recorded "
                    f"{expected.state_key!r} (the env is not deterministic under its seed)")
        observation = recorded_observation(source, start.turns)
        assert observation is not None
        return observation


def mc_advantages(runner: ContinuationRunner, trajectories: Sequence[Trajectory],
                  reset_seeds: Sequence[int], k: int, *, seed: int) -> list[list[float]]:
    """Â^MC per turn of every trajectory (module docstring); errored ones get empty rows."""
    starts: dict[tuple[str, tuple[str, ...]], Start] = {}
    for trajectory, reset_seed in zip(trajectories, reset_seeds, strict=True):
        if trajectory.errored:
            continue
        for t in range(len(trajectory.turns)):
            starts.setdefault(prefix_key(trajectory, t), Start(trajectory, reset_seed, t))
    keys = list(starts)
    rollouts = runner.continue_from([starts[key] for key in keys], k, seed=seed)
    value = {key: sum(r.outcome_reward for r in runs) / k
             for key, runs in zip(keys, rollouts, strict=True)}
    out: list[list[float]] = []
    for trajectory in trajectories:
        if trajectory.errored:
            out.append([])
            continue
        n = len(trajectory.turns)
        v = [value[prefix_key(trajectory, t)] for t in range(n)] + [trajectory.outcome_reward]
        out.append([v[t + 1] - v[t] for t in range(n)])
    return out
