"""Exact Q^π and V^π by dynamic programming over an env's own ``reset`` / ``step``.

For a small deterministic world and a policy that can score each admissible action
(`agentrl.lab.scorers`), the episode tree is enumerated once (`GameGraph`) and the values
are backed up exactly (`evaluate`), with no Monte-Carlo noise.

- **Nodes.** A node is what the policy faces before turn t: the key (task id, reset seed,
  t, ``state_key``, the prompt's text). Equal keys are one node (memoised): the env's future
  must be a function of (task, seed, ``state_key``, t) — what ``state_key`` promises within
  an episode, "equal keys mean the same situation" (across tasks it need not: the toy
  worlds reuse room ids) — and the prompt's future a function of the prompt (true for every
  `PromptOptions` history mode: the kept turns of the next prompt are in the current one).
  ``share_seeds=True`` drops the seed from the key, for envs whose ``reset(task, seed)``
  ignores the seed (the toy worlds): one tree per task instead of one per episode.
  ``verify=True`` re-steps every revisited node and checks that claim one step deep.
  ``memo='history'`` adds the node's action prefix to the key: no two paths merge, so the
  graph is the plain episode tree — exact for any deterministic env, whatever its
  ``state_key`` leaves out (TextWorld's key covers the player's room and inventory, not
  what was left in another room), at the price of a tree's size.
- **Branching.** From a node each listed admissible action is stepped on a deep copy of
  the env (``branch='copy'``), or on a fresh env reset with the task and seed and
  replayed along the node's first action prefix (``branch='replay'``, for envs that do
  not deep-copy: engines in subprocesses); ``'auto'`` copies when the env allows it and
  does not declare a ``native_engine`` (TextWorld's interpreter: replayed).
- **Policy support.** π(· | node) is over the actions the prompt lists (the env's
  ``available_actions`` up to ``max_actions_shown``): the tabular policy's support, and the
  LLM's probabilities of those actions' texts normalised over them (`LLMScorer`).
- **Episode end** as the runner decides it: ``terminated``, ``truncated``, or the turn
  limit (``max_turns``, the runner's override or the spec's).
- **Returns** (``returns``): ``'outcome'`` — the episode's outcome reward R (the runner's
  ``outcome_of``: ``info.outcome_reward``, else 1 on success), discounted as γ^{T−1−t} R;
  what GRPO-style estimators and the Monte-Carlo truth target. ``'success'`` — 1 on
  success (the policy's exact success probability at the root). ``'rewards'`` — the env's
  immediate rewards Σ_{k≥t} γ^{k−t} r_k, plus R on the last turn when the env's step
  rewards do not already include it (``spec.step_rewards_include_outcome``). γ = 1 by
  default (undiscounted).

Q^π(n, a) = [end] g_end + [not end] (ρ(n, a) + γ V^π(child)),
V^π(n) = Σ_a π(a | n) Q^π(n, a), A^π = Q^π − V^π.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from agentrl.core.env import Env
from agentrl.core.types import Observation, StepResult, Task, Trajectory, Turn
from agentrl.lab.scorers import ActionScorer
from agentrl.rollout.prompts import PromptOptions, build_messages
from agentrl.rollout.runner import outcome_of

NodeKey = tuple[str, int | None, int, str, str]  # (task, seed, turn, state_key, prompt)
Returns = Literal["outcome", "success", "rewards"]
Memo = Literal["state", "history"]


class NotEnumerable(RuntimeError):
    """The world cannot be enumerated exactly (too large, no listed actions, not Markov)."""


@dataclass
class Edge:
    """What one action does from a node."""

    reward: float
    done: bool
    outcome: float = 0.0
    success: bool = False
    child: NodeKey | None = None


@dataclass
class Node:
    """A decision point: the prompt the policy sees and its listed actions."""

    messages: list[dict]
    actions: list[str]
    edges: dict[str, Edge] = field(default_factory=dict)


@dataclass
class _Frame:
    key: NodeKey
    env: Env | None
    history: list[Turn]
    prefix: list[str]
    task: Task
    seed: int | None
    observation: Observation


def prompt_text(messages: list[dict]) -> str:
    """The prompt as one canonical string (the memo key's third part)."""
    return json.dumps(messages, sort_keys=True, ensure_ascii=False)


class GameGraph:
    """Every node reachable from the roots asked for; see the module docstring."""

    def __init__(self, make_env: Callable[[], Env], prompt: PromptOptions, *,
                 reply: Callable[[str], str], max_turns: int | None = None,
                 branch: Literal["auto", "copy", "replay"] = "auto",
                 max_nodes: int = 100_000, verify: bool = False,
                 share_seeds: bool = False, memo: Memo = "state") -> None:
        if memo not in ("state", "history"):
            raise ValueError(f"memo={memo!r}: choose state or history")
        self.make_env, self.prompt, self.reply = make_env, prompt, reply
        self.share_seeds, self.memo = share_seeds, memo
        self.branch, self.max_nodes, self.verify = branch, max_nodes, verify
        self.nodes: dict[NodeKey, Node] = {}
        self.roots: dict[tuple[str, int | None], NodeKey] = {}
        self.env_steps = 0
        self._env = make_env()
        self.spec = self._env.spec
        self.max_turns = max_turns or self.spec.max_turns

    def close(self) -> None:
        """Close the env the graph steps."""
        self._env.close()

    def root(self, task: Task, seed: int | None = None) -> NodeKey:
        """The node of ``task`` reset with ``seed``, enumerating what it reaches first."""
        if (task.id, seed) in self.roots:
            return self.roots[(task.id, seed)]
        observation = self._env.reset(task, seed=seed)
        key, messages = self._key(task, seed, [], [], observation)
        if key in self.nodes:  # another seed of a seed-free task
            self.roots[(task.id, seed)] = key
            return key
        self.roots[(task.id, seed)] = key
        env = self._env if self._copies() else None
        self._expand(_Frame(key, env, [], [], task, seed, observation), messages)
        return key

    def _copies(self) -> bool:
        if self.branch != "auto":
            return self.branch == "copy"
        if getattr(self._env, "native_engine", False):  # an interpreter a copy would share
            self.branch = "replay"
            return False
        try:
            copy.deepcopy(self._env)
        except Exception:  # noqa: BLE001 - any failure to copy means: replay instead
            self.branch = "replay"
            return False
        self.branch = "copy"
        return True

    def _key(self, task: Task, seed: int | None, history: list[Turn], prefix: list[str],
             observation: Observation) -> tuple[NodeKey, list[dict]]:
        """The node's key (module docstring) and its prompt; ``prefix``: the actions taken."""
        messages = build_messages(task, self.spec, history, observation, self.prompt)
        seed = None if self.share_seeds else seed
        text = prompt_text(messages)
        if self.memo == "history":
            text = json.dumps([prefix, text], ensure_ascii=False)
        return (task.id, seed, len(prefix), observation.state_key, text), messages

    def _listed(self, observation: Observation) -> list[str]:
        actions = list(observation.available_actions or [])[: self.prompt.max_actions_shown]
        if not actions:
            raise NotEnumerable(f"{self.spec.id}: an observation lists no admissible actions; "
                                "exact values need the env's available_actions")
        return actions

    def _expand(self, start: _Frame, messages: list[dict]) -> None:
        """Depth-first enumeration from ``start`` (an explicit stack, no recursion)."""
        self.nodes[start.key] = Node(messages, self._listed(start.observation))
        stack = [start]
        while stack:
            frame = stack.pop()
            node = self.nodes[frame.key]
            for action in node.actions:
                child = self._step(frame, node, action)
                if child is None:
                    continue
                if child.key in self.nodes:
                    if self.verify:
                        self._check_revisit(child)
                    continue
                if len(self.nodes) >= self.max_nodes:
                    raise NotEnumerable(
                        f"{self.spec.id}: more than {self.max_nodes} nodes (max_nodes) by "
                        f"turn {child.key[2]} of {self.max_turns}: too large to enumerate; "
                        "shorten the horizon (rollout.max_turns) or use the Monte-Carlo "
                        "truth for this world")
                self.nodes[child.key] = Node(
                    build_messages(child.task, self.spec, child.history, child.observation,
                                   self.prompt), self._listed(child.observation))
                stack.append(child)

    def _step(self, frame: _Frame, node: Node, action: str) -> _Frame | None:
        """Step ``action`` from ``frame``; record its edge; the child's frame (None at the
        episode's end)."""
        env, result = self._branch(frame, action)
        t = frame.key[2]
        edge = self._edge(result, t)
        node.edges[action] = edge
        if edge.done:
            return None
        turn = Turn(observation=frame.observation, action=action,
                    response=self.reply(action), state_key=frame.key[3])
        history, prefix = [*frame.history, turn], [*frame.prefix, action]
        key, _ = self._key(frame.task, frame.seed, history, prefix, result.observation)
        edge.child = key
        return _Frame(key, env, history, prefix, frame.task, frame.seed, result.observation)

    def _check_revisit(self, frame: _Frame) -> None:
        """Re-step every action of a revisited node along this path and compare edges."""
        stored = self.nodes[frame.key]
        if self._listed(frame.observation) != stored.actions:
            raise NotEnumerable(f"{self.spec.id}: node {frame.key[2:4]} lists other actions "
                                "on another path (state_key does not determine the state; "
                                "memo='history' enumerates the episode tree instead)")
        probe = Node(stored.messages, stored.actions)
        for action in stored.actions:
            self._step(frame, probe, action)
            if action in stored.edges and probe.edges[action] != stored.edges[action]:
                raise NotEnumerable(f"{self.spec.id}: {action!r} from node {frame.key[2:4]} "
                                    "differs on another path (state_key does not determine "
                                    "the state; memo='history' enumerates the episode tree "
                                    "instead)")

    def _branch(self, frame: _Frame, action: str) -> tuple[Env | None, StepResult]:
        self.env_steps += 1
        if frame.env is not None:
            env = copy.deepcopy(frame.env)
            return env, env.step(action)
        env = self._env
        env.reset(frame.task, seed=frame.seed)
        for earlier in frame.prefix:
            env.step(earlier)
            self.env_steps += 1
        return None, env.step(action)

    def _edge(self, result: StepResult, t: int) -> Edge:
        done = bool(result.terminated or result.truncated or t + 1 >= self.max_turns)
        return Edge(reward=float(result.reward), done=done,
                    outcome=outcome_of(result) if done else 0.0,
                    success=bool(result.info.get("success", False)) if done else False)


@dataclass
class Values:
    """V^π per node and Q^π per (node, action)."""

    v: dict[NodeKey, float]
    q: dict[NodeKey, dict[str, float]]


def evaluate(graph: GameGraph, scorer: ActionScorer, *, returns: Returns = "outcome",
             gamma: float = 1.0) -> Values:
    """Back up Q^π and V^π over every node of ``graph`` (children first: t descending)."""
    if returns not in ("outcome", "success", "rewards"):
        raise ValueError(f"returns={returns!r}: choose outcome, success or rewards")
    v: dict[NodeKey, float] = {}
    q: dict[NodeKey, dict[str, float]] = {}
    for key in sorted(graph.nodes, key=lambda k: -k[2]):
        node = graph.nodes[key]
        q[key] = {a: edge_value(e, v, returns, gamma, graph.spec.step_rewards_include_outcome)
                  for a, e in node.edges.items()}
        probs = scorer.distribution(node.messages, node.actions)
        v[key] = sum(p * q[key][a] for p, a in zip(probs, node.actions, strict=True))
    return Values(v, q)


def edge_value(edge: Edge, v: dict[NodeKey, float], returns: Returns, gamma: float,
               includes_outcome: bool) -> float:
    """Q of one action: its end value, or its immediate part plus γ V(child)."""
    immediate = edge.reward if returns == "rewards" else 0.0
    if edge.done:
        if returns == "success":
            return float(edge.success)
        if returns == "outcome":
            return edge.outcome
        return immediate + (0.0 if includes_outcome else edge.outcome)
    assert edge.child is not None
    return immediate + gamma * v[edge.child]


def exact_advantages(graph: GameGraph, values: Values, trajectories: Sequence[Trajectory],
                     reset_seeds: Sequence[int | None]) -> list[list[float]]:
    """A^π(s_t, a_t) = Q^π − V^π per turn of each trajectory, walking its actions from its
    root; errored trajectories get empty rows. A turn whose action the node does not list
    (a reply outside the policy's support) raises `NotEnumerable`."""
    out: list[list[float]] = []
    for trajectory, seed in zip(trajectories, reset_seeds, strict=True):
        if trajectory.errored:
            out.append([])
            continue
        key: NodeKey | None = graph.root(trajectory.task, seed)
        row = []
        for t, turn in enumerate(trajectory.turns):
            if key is None or turn.action not in graph.nodes[key].edges:
                raise NotEnumerable(f"turn {t} of {trajectory.task.id!r}: action "
                                    f"{turn.action!r} is not a listed admissible action")
            if key[3] != turn.state_key:
                raise NotEnumerable(f"turn {t} of {trajectory.task.id!r}: the graph reached "
                                    f"state {key[3]!r}, the episode {turn.state_key!r}")
            row.append(values.q[key][turn.action] - values.v[key])
            key = graph.nodes[key].edges[turn.action].child
        out.append(row)
    return out
