"""Seeded, synthetic sample sources for the demo and the tests."""
