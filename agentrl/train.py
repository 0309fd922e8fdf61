"""Deprecated: the training loop moved to `agentrl.run.loop` (kept for one release)."""

from agentrl._deprecated import moved
from agentrl.run.loop import train

moved("agentrl.train", "agentrl.run.loop")

__all__ = ["train"]
