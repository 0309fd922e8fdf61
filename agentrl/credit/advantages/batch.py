"""A batch's non-errored trajectories as a columnar view: numpy arrays, built once per update.

Every estimator reads a few per-turn fields (reward, a value or KL in ``info``, the state
key, the action) and writes one advantage per turn. Reading a field of 51,200 pydantic
``Turn`` objects costs milliseconds (pointer chasing through scattered objects), so the view
reads each field a stage asks for exactly once, in one C-level ``map`` pass, and keeps
the result (the trainer builds one view per update and hands it to the estimator and the
critic's targets; an estimator called on a list builds its own); everything after that
is numpy on padded (rows × max_turns) matrices, column by column. Padding holds zeros,
so backward recursions run through it unchanged: a padded reward is 0 and a padded value
is V = 0 after the end.
``benchmarks/credit_overhead.py`` measures what the reads and the arithmetic cost.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain, count
from operator import attrgetter, itemgetter

import numpy as np

from agentrl.core.types import Trajectory, Turn


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small acyclic lists.

    Each burst of new containers triggers collections that walk every tracked object (a
    batch's turns are millions of them): building 51,200 per-turn lists took 30–110 ms with
    occasional 650 ms pauses, 29–35 ms paused. Nothing built here forms a cycle.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def intern(items: Iterable[Hashable]) -> np.ndarray:
    """Dense int codes 0 .. n_distinct-1, equal items sharing one, numbered by first occurrence.

    One C-level pass gives each item the position of its value's first occurrence (a
    first occurrence is the item whose code is its own position); a prefix count of those
    turns the positions into consecutive numbers, with no sort.
    """
    table: dict[object, int] = {}
    first_position = np.fromiter(map(table.setdefault, items, count()), dtype=np.int64)
    is_first = first_position == np.arange(first_position.size)
    return (np.cumsum(is_first) - 1)[first_position]


def pair_codes(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Dense codes 0 .. n_distinct-1 of the pairs (first_k, second_k) of two non-negative code
    arrays, in the order of the pairs' values.

    When the pair space is small next to the data (groups × distinct keys, the usual case)
    a presence table and a prefix count number the pairs in O(n + space); else a sort.
    """
    if not first.size:
        return first.astype(np.int64)
    width = int(second.max()) + 1
    pairs = first * width + second
    space = (int(first.max()) + 1) * width
    if space > max(4 * pairs.size, 1 << 16):
        return np.unique(pairs, return_inverse=True)[1].reshape(pairs.shape)
    present = np.zeros(space, dtype=bool)
    present[pairs] = True
    return (np.cumsum(present) - 1)[pairs]


def distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values of an int array, sorted.

    A sort and a comparison: ~4x faster than ``np.unique``'s hash path for int64 here.
    """
    ordered = np.sort(values)
    if not ordered.size:
        return ordered
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]


@dataclass(frozen=True)
class TurnBatch:
    """Rows = the non-errored trajectories, in batch order; columns = turn positions.

    Per-row arrays are built eagerly (one pass over trajectories); per-turn columns
    (``rewards``, ``info``, ``codes``) are read on first use and
    cached, as flat row-major arrays of ``n_turns`` entries (``matrix`` pads them).
    """

    trajectories: list[Trajectory]  # the rows' trajectories
    index: np.ndarray  # batch index of each row's trajectory
    group: np.ndarray  # group number (0 .. n_groups-1) of each row
    lengths: np.ndarray  # number of turns of each row
    mask: np.ndarray  # (rows, max_turns) True where a turn exists
    n_groups: int
    batch_lengths: list[int]  # number of turns of every trajectory of the batch
    _info: dict[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)
    _codes: dict[tuple[str, ...], np.ndarray] = field(default_factory=dict, repr=False,
                                                      compare=False)
    _tokens: dict[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def build(cls, trajectories: list[Trajectory]) -> TurnBatch:
        """Index the non-errored trajectories of ``trajectories`` by group."""
        errored = list(map(attrgetter("errored"), trajectories))
        index = [i for i, bad in enumerate(errored) if not bad]
        rows = [trajectories[i] for i in index] if any(errored) else list(trajectories)
        batch_lengths = list(map(len, map(attrgetter("turns"), trajectories)))
        numbers: dict[str, int] = {}
        group = [numbers.setdefault(key, len(numbers)) for key in map(attrgetter("group_id"), rows)]
        lengths = np.asarray(batch_lengths, dtype=np.int64)[index]
        width = int(lengths.max()) if len(rows) else 0
        mask = np.arange(width)[None, :] < lengths[:, None]
        return cls(rows, np.asarray(index, dtype=np.int64), np.asarray(group, dtype=np.int64),
                   lengths, mask, len(numbers), batch_lengths)

    @classmethod
    def of(cls, data: list[Trajectory] | TurnBatch) -> TurnBatch:
        """``data`` itself when it is a view already (columns read once, shared by the
        pipeline's stages), else the view of the trajectories ``data``.

        A view keeps the columns it has read: build it after the last stage that writes
        per-turn data (the trainer builds it after shaping, the critic and the reference KL).
        """
        return data if isinstance(data, TurnBatch) else cls.build(data)

    @cached_property
    def flat_turns(self) -> list[Turn]:
        """Every row's turns, row-major (trajectory-level estimators never build it)."""
        return list(chain.from_iterable(map(attrgetter("turns"), self.trajectories)))

    @property
    def n_turns(self) -> int:
        """Number of turns over all rows (the length of the flat per-turn arrays)."""
        return int(self.lengths.sum())

    @cached_property
    def turn_row(self) -> np.ndarray:
        """The row of every turn, row-major."""
        return np.repeat(np.arange(len(self.trajectories)), self.lengths)

    @cached_property
    def rewards(self) -> np.ndarray:
        """``turn.reward`` of every turn, row-major."""
        return np.fromiter(map(attrgetter("reward"), self.flat_turns), float, self.n_turns)

    @cached_property
    def token_counts(self) -> np.ndarray:
        """Number of action tokens (``len(turn.action_ids)``) of every turn, row-major."""
        ids = map(attrgetter("action_ids"), self.flat_turns)
        return np.fromiter(map(len, ids), np.int64, self.n_turns)

    @cached_property
    def token_turn(self) -> np.ndarray:
        """The flat turn index of every action token, tokens in turn order, row-major."""
        return np.repeat(np.arange(self.n_turns), self.token_counts)

    @cached_property
    def first_token(self) -> np.ndarray:
        """Index of every turn's first action token among all tokens (``token_turn`` order)."""
        return np.cumsum(self.token_counts) - self.token_counts

    def split_tokens(self, per_token: np.ndarray,
                     without_tokens: np.ndarray) -> list[float | list[float]]:
        """One entry per turn, row-major: the list of its tokens' values from ``per_token``,
        or, for a turn without action tokens, its value from ``without_tokens``."""
        with gc_paused():
            tokens, fallback = per_token.tolist(), without_tokens.tolist()
            return [tokens[start : start + n] if n else value for start, n, value in
                    zip(self.first_token.tolist(), self.token_counts.tolist(), fallback,
                        strict=True)]

    def codes(self, *fields: str) -> np.ndarray:
        """The tuple of ``turn.<field>`` for ``fields`` of every turn, interned to int codes.

        One pass reads all ``fields`` (e.g. ``codes("state_key", "action")``); equal values
        get equal codes (see ``intern``).
        """
        if fields not in self._codes:
            self._codes[fields] = intern(map(attrgetter(*fields), self.flat_turns))
        return self._codes[fields]

    def info(self, key: str, who: str, hint: str) -> np.ndarray:
        """``turn.info[key]`` of every turn; a KeyError naming the first turn without it."""
        if key not in self._info:
            infos = map(attrgetter("info"), self.flat_turns)
            try:
                self._info[key] = np.fromiter(map(itemgetter(key), infos), float, self.n_turns)
            except KeyError:
                raise self.missing(key, who, hint) from None
        return self._info[key]

    def token_info(self, key: str, who: str, hint: str) -> np.ndarray:
        """The lists ``turn.info[key]`` of every turn (one value per action token),
        flattened in token order; errors name the first turn without it or of a wrong length."""
        if key not in self._tokens:
            infos = map(attrgetter("info"), self.flat_turns)
            try:
                rows = list(map(itemgetter(key), infos))
            except KeyError:
                raise self.missing(key, who, hint) from None
            if list(map(len, rows)) != self.token_counts.tolist():
                raise self._wrong_length(key, who)
            self._tokens[key] = np.fromiter(chain.from_iterable(rows), float,
                                            int(self.token_counts.sum()))
        return self._tokens[key]

    def put(self, key: str, per_turn: np.ndarray, *, per_token: bool = False) -> None:
        """Hand the view the column ``turn.info[key]`` from the stage that wrote it (flat,
        row-major; with ``per_token`` one value per action token), so later stages need not
        read it back from the turns."""
        values = np.asarray(per_turn, dtype=float)
        size = int(self.token_counts.sum()) if per_token else self.n_turns
        if values.shape != (size,):
            raise ValueError(f"put({key!r}): {values.shape[0]} values for {size} "
                             f"{'action tokens' if per_token else 'turns'}")
        (self._tokens if per_token else self._info)[key] = values

    def _first_turn(self, bad: Callable[[Turn], bool]) -> tuple[Trajectory, int, Turn] | None:
        """(trajectory, turn number, turn) of the first turn of the rows for which ``bad``."""
        for trajectory in self.trajectories:
            for t, turn in enumerate(trajectory.turns):
                if bad(turn):
                    return trajectory, t, turn
        return None

    def _wrong_length(self, key: str, who: str) -> ValueError:
        found = self._first_turn(lambda turn: len(turn.info[key]) != len(turn.action_ids))
        if found is None:
            return ValueError(key)
        trajectory, t, turn = found
        return ValueError(f"{who}: turn {t} of task {trajectory.task.id!r} has "
                          f"{len(turn.info[key])} {key} entries for {len(turn.action_ids)} "
                          "action tokens")

    def missing(self, key: str, who: str, hint: str) -> KeyError:
        """The KeyError naming the first turn whose ``info`` lacks ``key``."""
        found = self._first_turn(lambda turn: key not in turn.info)
        if found is None:
            return KeyError(key)
        trajectory, t, _ = found
        return KeyError(f"{who}: turn.info[{key!r}] is missing on turn {t} of "
                        f"task {trajectory.task.id!r}; {hint}")

    def matrix(self, flat: np.ndarray | list[float]) -> np.ndarray:
        """Pad a row-major flat array of per-turn numbers into a (rows × max_turns) matrix."""
        out = np.zeros(self.mask.shape, dtype=np.asarray(flat).dtype)
        out[self.mask] = flat
        return out

    def reward_matrix(self) -> np.ndarray:
        """The matrix of ``turn.reward``."""
        return self.matrix(self.rewards)

    def info_matrix(self, key: str, who: str, hint: str) -> np.ndarray:
        """The matrix of ``turn.info[key]`` (see ``info``)."""
        return self.matrix(self.info(key, who, hint))

    def outcomes(self) -> np.ndarray:
        """R_i = ``outcome_reward`` of each row."""
        rewards = map(attrgetter("outcome_reward"), self.trajectories)
        return np.fromiter(rewards, float, len(self.trajectories))

    def outcome_in_steps(self) -> np.ndarray:
        """Whether each row's turn rewards already count its outcome (the env's declaration,
        ``Trajectory.step_rewards_include_outcome``)."""
        flags = map(attrgetter("step_rewards_include_outcome"), self.trajectories)
        return np.fromiter(flags, bool, len(self.trajectories))

    def last_turn(self) -> tuple[np.ndarray, np.ndarray]:
        """(rows, columns) of each non-empty row's last turn."""
        rows = np.nonzero(self.lengths > 0)[0]
        return rows, self.lengths[rows] - 1

    def scatter(self, values: np.ndarray) -> list[list[float]]:
        """Per-turn lists for the whole batch, zeros for errored trajectories.

        ``values`` is a (rows × max_turns) matrix, or one value per row that every turn of
        the row gets (trajectory-level estimators).
        """
        with gc_paused():
            out = [[0.0] * n for n in self.batch_lengths]
            lengths = self.lengths.tolist()
            rows = values.tolist()  # one C-level conversion, then cheap list operations
            if values.ndim == 1:
                for i, value, n in zip(self.index.tolist(), rows, lengths, strict=True):
                    out[i] = [value] * n
            else:
                for i, row, n in zip(self.index.tolist(), rows, lengths, strict=True):
                    out[i] = row[:n]
            return out


    def scatter_flat(self, values: list[float | list[float]]) -> list[list[float | list[float]]]:
        """Per-turn lists for the whole batch from one entry per turn, row-major (a float, or
        a list of per-token advantages); errored trajectories get zeros."""
        out: list[list[float | list[float]]] = [[0.0] * n for n in self.batch_lengths]
        start = 0
        for i, n in zip(self.index.tolist(), self.lengths.tolist(), strict=True):
            out[i], start = values[start : start + n], start + n
        return out


def discounted_returns_matrix(rewards: np.ndarray, gamma: float) -> np.ndarray:
    """G_t = r_t + γ G_{t+1} along each row (GiGPO eq. 5), padding included."""
    returns = np.zeros_like(rewards)
    running = np.zeros(rewards.shape[0])
    for t in range(rewards.shape[1] - 1, -1, -1):
        running = rewards[:, t] + gamma * running
        returns[:, t] = running
    return returns


def group_stats(
    values: np.ndarray, group: np.ndarray, n_groups: int, *, unbiased: bool = False,
    weights: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-group (mean, std, count) of the samples ``values`` labelled by ``group``.

    ``weights`` are frequency weights (sample k stands for ``weights[k]`` equal samples;
    count is their sum). std is the population std, or Bessel-corrected with ``unbiased``
    (0 where undefined).
    """
    count = np.bincount(group, weights=weights, minlength=n_groups).astype(float)
    weighted = values if weights is None else values * weights
    total = np.bincount(group, weights=weighted, minlength=n_groups)
    mean = np.divide(total, count, out=np.zeros(n_groups), where=count > 0)
    deviations = (values - mean[group]) ** 2
    squares = np.bincount(group, weights=deviations if weights is None else deviations * weights,
                          minlength=n_groups)
    dof = count - 1 if unbiased else count
    std = np.sqrt(np.divide(squares, dof, out=np.zeros(n_groups), where=dof > 0))
    return mean, std, count


def positional_baseline(batch: TurnBatch, returns: np.ndarray) -> np.ndarray:
    """A_{i,t} = G_{i,t} − mean_j G_{j,t} over the rows j of i's group that have a turn t.

    The group-mean baseline at each turn position (IGPO's and SPA's critic-free form).
    """
    width = returns.shape[1]
    cell = (batch.group[:, None] * width + np.arange(width)[None, :])[batch.mask]
    mean, _, _ = group_stats(returns[batch.mask], cell, batch.n_groups * width)
    baseline = np.zeros_like(returns)
    baseline[batch.mask] = mean[cell]
    return (returns - baseline) * batch.mask
