"""Package marker so the textkit project ships with agentrl (not part of the repo)."""
