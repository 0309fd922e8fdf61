"""The `agentrl` command line (`agentrl.cli.commands`); `main` is the console script's entry."""

from agentrl.cli.commands import app, main

__all__ = ["app", "main"]
