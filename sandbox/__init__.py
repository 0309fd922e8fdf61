"""Isolated command execution backends."""
