"""Rollout: prompt building, action parsing, the batched multi-env runner, trajectory I/O."""

from agentrl.core.process_env import ProcessEnv
from agentrl.rollout.parsing import ParsedAction, parse_react, parse_reply
from agentrl.rollout.prompts import PromptOptions, build_messages
from agentrl.rollout.runner import RolloutOptions, RolloutRunner
from agentrl.rollout.writer import TrajectoryWriter, read_trajectories

__all__ = [
    "ParsedAction",
    "ProcessEnv",
    "PromptOptions",
    "RolloutOptions",
    "RolloutRunner",
    "TrajectoryWriter",
    "build_messages",
    "parse_react",
    "parse_reply",
    "read_trajectories",
]
