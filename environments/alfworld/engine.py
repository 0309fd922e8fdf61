"""ALFWorld's real text engine: TextWorld's ``PddlEnv`` (fast-downward) + ALFWorld's demangler.

`AlfredEngine` loads one ``game.tw-pddl`` at a time and steps it with admissible commands,
exactly as ``alfworld.agents.environment.AlfredTWEnv`` does, minus the gym batching.

Translating a PDDL problem to SAS (fast-downward's ``pddl2sas``) costs about half a second
and TextWorld does it four times per ``load`` + ``reset``. It is a pure function that also
rewrites process-global options, so it is memoised here and serialised under one lock:
repeated resets of a task (a GRPO group) then cost milliseconds, and envs stepped from
several threads cannot corrupt one another's translation.
"""

from __future__ import annotations

import sys
import threading
from functools import lru_cache
from typing import Any

import fast_downward
import textworld
import textworld.envs.pddl.logic as pddl_logic
from alfworld.agents.environment.alfred_tw_env import AlfredDemangler
from textworld.envs import PddlEnv

BANNER = "-= Welcome to TextWorld, ALFRED! =-"
_TRANSLATE_LOCK = threading.Lock()
# Loading and stepping parse PDDL / TextWorld text with grammars that are not thread-safe,
# and the rollout runner drives many envs at once in threads: engine calls are serialised
# (steps are Python-bound under the GIL anyway; `rollout.env_workers: processes` or `ray`
# runs envs in parallel).
_ENGINE_LOCK = threading.Lock()
_original_pddl2sas = fast_downward.pddl2sas


@lru_cache(maxsize=256)
def _memo_pddl2sas(domain: str, problem: str, verbose: bool, optimize: bool) -> Any:
    return _original_pddl2sas(domain, problem, verbose=verbose, optimize=optimize)


def cached_pddl2sas(
    domain: str, problem: str, verbose: bool = False, optimize: bool = False
) -> Any:
    """``fast_downward.pddl2sas``, memoised and serialised (it mutates global options)."""
    with _TRANSLATE_LOCK:
        argv = list(sys.argv)  # pddl2sas overwrites sys.argv for its option parser
        try:
            return _memo_pddl2sas(domain, problem, bool(verbose), bool(optimize))
        finally:
            sys.argv[:] = argv


class _DownwardWithCache:
    """The ``fast_downward`` module as TextWorld's PDDL logic sees it, with a cached translator."""

    pddl2sas = staticmethod(cached_pddl2sas)

    def __getattr__(self, name: str) -> Any:
        return getattr(fast_downward, name)


if not isinstance(pddl_logic.fast_downward, _DownwardWithCache):
    pddl_logic.fast_downward = _DownwardWithCache()


def strip_banner(feedback: str) -> str:
    """Drop TextWorld's welcome banner and surrounding blank lines from the intro text."""
    return feedback.replace(BANNER, "").strip()


class AlfredEngine:
    """One ALFWorld game on the TextWorld PDDL engine; states are TextWorld ``GameState``s."""

    def __init__(self, facts: bool = True) -> None:
        infos = textworld.EnvInfos(admissible_commands=True, won=True, facts=facts)
        self._pddl = PddlEnv(infos)
        self._env = AlfredDemangler(self._pddl, shuffle=False)
        self.game_file: str | None = None
        self._closed = False

    def load(self, game_file: str) -> None:
        """Load a ``game.tw-pddl`` file (no-op when it is already loaded)."""
        if game_file != self.game_file:
            with _ENGINE_LOCK:
                self._env.load(game_file)
            self.game_file = game_file

    def reset(self) -> textworld.GameState:
        """Start the loaded game; the state's ``feedback`` is the intro text."""
        with _ENGINE_LOCK:
            return self._env.reset()

    def step(self, command: str) -> textworld.GameState:
        """Apply one command; an inadmissible one changes nothing ("Nothing happens.")."""
        with _ENGINE_LOCK:
            state, _, _ = self._env.step(command)
        return state

    def plan(self) -> list[str]:
        """fast-downward's plan from the current state to the goal (the 'planner' expert)."""
        with _ENGINE_LOCK:
            return self._pddl._pddl_state.replan(self._pddl._entity_infos)

    def entity_names(self) -> dict[str, str]:
        """PDDL name -> the name the agent reads ('apple_bar_...' -> 'apple 1')."""
        return {key: info.name for key, info in self._pddl._entity_infos.items()}

    def close(self) -> None:
        """Free fast-downward's search state; safe to call twice.

        The library copy itself stays mapped: unloading it (``fast_downward.close_lib``)
        leaves C++ exit handlers pointing into unmapped code and crashes the interpreter
        at exit once two engines were closed.
        """
        if not self._closed:
            self._closed = True
            self._pddl.downward_lib.cleanup()
