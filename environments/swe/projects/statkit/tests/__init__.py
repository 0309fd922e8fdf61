"""Tests of statkit."""
