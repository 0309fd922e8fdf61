"""Tests of intervals."""
