"""`python -m agentrl` runs the command line."""

from agentrl.cli import app

app(prog_name="agentrl")
