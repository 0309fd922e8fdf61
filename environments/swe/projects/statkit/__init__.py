"""Package marker so the statkit project ships with agentrl (not part of the repo)."""
