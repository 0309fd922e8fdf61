"""Outcome rewards, reward shaping and credit signals; importing registers the shapings."""
