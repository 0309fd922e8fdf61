"""Tests of agentrl.rewards (a package so their basenames may repeat those in tests/credit)."""
