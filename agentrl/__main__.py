"""`python -m agentrl` runs the command line."""

from agentrl.cli import main

main()
