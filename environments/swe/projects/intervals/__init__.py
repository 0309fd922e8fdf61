"""Package marker so the intervals project ships with agentrl (not part of the repo)."""
