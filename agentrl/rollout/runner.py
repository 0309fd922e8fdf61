"""The batched, lockstep, multi-env rollout runner.

Each turn, every active episode's prompt goes to the policy in ONE batched ``generate``;
the replies are parsed and the envs are stepped in parallel (a thread pool; each env lives
where ``rollout.env_workers`` puts it: `agentrl.rollout.env_workers`); finished episodes
drop out. An env (process, actor) that raises, dies or exceeds its step / episode timeout
marks only its own episode as errored; a fresh env takes its slot for the next episode.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any

from tqdm.auto import tqdm

from agentrl.core.env import Env
from agentrl.core.types import GroupKey, Observation, StepResult, Task, Trajectory, Turn
from agentrl.policy.base import Generation, Policy
from agentrl.policy.multimodal import image_digest, message_images
from agentrl.rollout.options import RolloutOptions
from agentrl.rollout.parsing import parse_reply
from agentrl.rollout.prompts import build_messages
from agentrl.rollout.segments import mark_new_segments


@dataclass
class _Episode:
    slot: int
    trajectory: Trajectory
    observation: Observation | None = None
    done: bool = False
    prompt_images: list[str] = field(default_factory=list)  # digests, of the current prompt


def outcome_of(result: StepResult) -> float:
    """Episode reward R: the env's ``outcome_reward`` if given, else 1 on success."""
    if "outcome_reward" in result.info:
        return float(result.info["outcome_reward"])
    return 1.0 if result.info.get("success") else 0.0


class RolloutRunner:
    """Collects groups of trajectories from envs made by ``make_env`` with ``policy``.

    Every trajectory carries its group's identity (`GroupKey`) and every turn the
    ``policy_version`` the runner holds when the turn's generate call returns: whoever
    updates the sampler's weights sets it (the train loop: the number of updates made; the
    async loop's sampler, under its lock, as it samples)."""

    def __init__(
        self,
        make_env: Callable[[], Env],
        policy: Policy,
        options: RolloutOptions | None = None,
        *,
        on_finish: Callable[[Trajectory], None] | None = None,
    ) -> None:
        self.make_env = make_env
        self.policy = policy
        self.options = options or RolloutOptions()
        self.on_finish = on_finish
        self._envs: list[Env | None] = []
        self._executor = ThreadPoolExecutor(self.options.workers)
        self.policy_version = 0

    def run(
        self, tasks: list[Task], *, group_size: int | None = None, seed: int = 0,
        group_prefix: str = "", progress: bool = True, keys: list[GroupKey] | None = None,
    ) -> list[Trajectory]:
        """Run ``group_size`` episodes of each task; return them in task-major order.

        ``keys`` names each task's group (default `GroupKey.for_tasks(tasks, group_prefix)`);
        give them when ``tasks`` is part of a larger batch (a rank's share, a resampling
        round), so that a repeated task keeps its batch-wide repetition index."""
        size = group_size or self.options.group_size
        keys = GroupKey.for_tasks(tasks, group_prefix) if keys is None else keys
        if [k.task_id for k in keys] != [t.id for t in tasks]:
            raise ValueError(f"RolloutRunner.run: keys {[k.task_id for k in keys]} do not "
                             f"name the tasks {[t.id for t in tasks]} one for one")
        episodes = [
            _Episode(slot=i * size + j, trajectory=Trajectory(task=task, group=key, member=j))
            for i, (task, key) in enumerate(zip(tasks, keys, strict=True))
            for j in range(size)
        ]
        bar = tqdm(total=len(episodes), desc="rollout", unit="ep", disable=not progress,
                   leave=False)
        self._reset_all(episodes, seed)
        for episode in episodes:
            if episode.done:
                bar.update(1)
        turn_index = 0
        while active := [e for e in episodes if not e.done]:
            generations = self._generate(active, seed + turn_index)
            version = self.policy_version  # read after: an async sampler sets it as it samples
            self._step_all(active, generations, version)
            bar.update(sum(e.done for e in active))
            turn_index += 1
        bar.close()
        return [e.trajectory for e in episodes]

    def close(self) -> None:
        """Close the runner's envs and shut down its thread pool without waiting for it."""
        self.close_envs()
        self._executor.shutdown(wait=False, cancel_futures=True)

    def close_envs(self) -> None:
        """Close the envs (and their processes or actors); the next `run` makes fresh ones.
        Between rollouts this frees what they hold, e.g. the Ray resources an eval needs."""
        for env in self._envs:
            if env is not None:
                env.close()
        self._envs = []

    # -- env calls with timeouts -------------------------------------------------------

    def _env(self, slot: int) -> Env:
        while len(self._envs) <= slot:
            self._envs.append(None)
        if self._envs[slot] is None:
            self._envs[slot] = self.make_env()
        env = self._envs[slot]
        assert env is not None
        return env

    def _call_all(self, calls: list[Callable[[], Any]]) -> list[tuple[Any, str | None]]:
        """Run ``calls`` in the pool; each gets (result, None) or (None, error text)."""
        deadline = time.monotonic() + self.options.step_timeout_s
        futures = [self._executor.submit(call) for call in calls]
        outcomes: list[tuple[Any, str | None]] = []
        hung = False
        for future in futures:
            try:
                outcomes.append((future.result(timeout=max(0, deadline - time.monotonic())), None))
            except FutureTimeout:
                hung = True
                outcomes.append((None, f"env call timed out after {self.options.step_timeout_s}s"))
            except Exception as error:  # noqa: BLE001 - an env failure errors its episode only
                outcomes.append((None, f"{type(error).__name__}: {error}"))
        if hung:  # hung threads keep their workers; continue on a fresh pool
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = ThreadPoolExecutor(self.options.workers)
        return outcomes

    def _close_env(self, slot: int) -> None:
        env = self._envs[slot]
        if env is not None:
            try:
                env.close()
            except Exception:  # noqa: BLE001 - the episode is errored either way
                pass

    def _fail(self, episode: _Episode, error: str) -> None:
        episode.trajectory.errored = True
        episode.trajectory.error = error
        self._envs[episode.slot] = None  # never reuse an env that failed; let it go
        self._finish(episode)

    def _finish(self, episode: _Episode) -> None:
        episode.done = True
        trajectory = episode.trajectory
        trajectory.wall_time_s = time.time() - trajectory.started_at
        mark_new_segments(trajectory)  # turns whose prompt a chat template rewrote
        if self.on_finish is not None:
            self.on_finish(trajectory)

    def _reset_all(self, episodes: list[_Episode], seed: int) -> None:
        calls = [
            (lambda e=e: self._env(e.slot).reset(e.trajectory.task, seed=seed + e.slot))
            for e in episodes
        ]
        for episode, (observation, error) in zip(episodes, self._call_all(calls), strict=True):
            episode.trajectory.started_at = time.time()
            if error is not None:
                self._fail(episode, f"reset failed: {error}")
            else:
                episode.observation = observation

    # -- one lockstep turn ---------------------------------------------------------------

    def _generate(self, active: list[_Episode], seed: int) -> list[Generation]:
        batch, tools = [], []
        for episode in active:
            assert episode.observation is not None
            env = self._env(episode.slot)
            batch.append(
                build_messages(
                    episode.trajectory.task, env.spec, episode.trajectory.turns,
                    episode.observation, self.options.prompt,
                )
            )
            episode.prompt_images = [image_digest(i) for i in message_images(batch[-1])]
            tools.append(episode.observation.tools)
        sampling = self.options.sampling.model_copy(update={"seed": seed})
        try:
            return self.policy.generate(batch, sampling, tools=tools)
        except Exception as failure:  # noqa: BLE001 - isolated below, or raised again
            if len(batch) == 1:
                raise
            return self._generate_one_by_one(batch, sampling, tools, failure)

    def _generate_one_by_one(self, batch: list, sampling: Any, tools: list,
                             failure: Exception) -> list[Generation]:
        """A batched `generate` failed: generate each prompt alone, so a prompt that cannot
        be rendered or sampled (a chat template that rejects one program's messages) errors
        its own episode only. When every prompt fails alone too, the policy itself is broken:
        the batch's error is raised again."""
        generations = []
        for messages, episode_tools in zip(batch, tools, strict=True):
            try:
                generations += self.policy.generate([messages], sampling, tools=[episode_tools])
            except Exception as error:  # noqa: BLE001 - becomes this episode's error
                generations.append(Generation(
                    text="", prompt_ids=[], token_ids=[], logprobs=[], finish_reason="error",
                    error=f"{type(error).__name__}: {error}"))
        if all(g.error is not None for g in generations):
            raise failure
        return generations

    def _step_all(self, active: list[_Episode], generations: list[Generation],
                  version: int) -> None:
        prefix = self.options.prompt.response_prefix
        parsed = [
            parse_reply(prefix + g.text, self._env(e.slot).spec.action_format,
                        lenient=self.options.lenient_parsing)
            for e, g in zip(active, generations, strict=True)
        ]
        calls = [
            (lambda e=e, p=p, g=g: self._env(e.slot).step(p.action)
             if p.action is not None and g.error is None else None)
            for e, p, g in zip(active, parsed, generations, strict=True)
        ]
        outcomes = self._call_all(calls)
        for episode, generation, action, (result, error) in zip(
            active, generations, parsed, outcomes, strict=True
        ):
            if generation.error is not None:  # the policy failed; its env is sound: close it
                self._close_env(episode.slot)
                self._fail(episode, f"policy failed: {generation.error}")
                continue
            if error is not None:
                self._fail(episode, f"step failed: {error}")
                continue
            if result is None:  # malformed reply: the env is not stepped
                result = self._invalid_reply_result(episode, action.error or "malformed reply")
            self._record(episode, generation, action.action or "", result, version)

    def _invalid_reply_result(self, episode: _Episode, reason: str) -> StepResult:
        assert episode.observation is not None
        observation = episode.observation.model_copy(
            update={"text": f"Invalid reply: {reason}.\n\n{episode.observation.text}"}
        )
        return StepResult(observation=observation, info={"action_valid": False,
                                                         "parse_error": reason})

    def _record(
        self, episode: _Episode, generation: Generation, action: str, result: StepResult,
        version: int,
    ) -> None:
        assert episode.observation is not None
        trajectory = episode.trajectory
        trajectory.turns.append(
            Turn(
                observation=episode.observation,
                prompt_ids=generation.prompt_ids,
                prompt_images=episode.prompt_images,
                action=action,
                response=self.options.prompt.response_prefix + generation.text,
                action_ids=generation.token_ids,
                action_logprobs=generation.logprobs,
                reward=result.reward,
                info=result.info,
                state_key=episode.observation.state_key,
                policy_version=version,
                token_versions=generation.token_versions,
            )
        )
        episode.observation = result.observation
        max_turns = self.options.max_turns or self._env(episode.slot).spec.max_turns
        out_of_turns = len(trajectory.turns) >= max_turns
        out_of_time = time.time() - trajectory.started_at > self.options.episode_timeout_s
        if result.terminated or result.truncated or out_of_turns:
            trajectory.success = bool(result.info.get("success", False))
            trajectory.outcome_reward = outcome_of(result)
            trajectory.step_rewards_include_outcome = \
                self._env(episode.slot).spec.step_rewards_include_outcome
            trajectory.truncated = not result.terminated
            trajectory.final_observation = result.observation
            self._finish(episode)
        elif out_of_time:
            self._fail(episode, f"episode exceeded {self.options.episode_timeout_s}s")
