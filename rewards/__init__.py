"""Outcome rewards, reward shaping and credit signals; importing registers the shapings."""

from agentrl.rewards import format, gated, igpo, spa  # noqa: F401
