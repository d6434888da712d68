"""Benchmarks: measured against a baseline in the same run; not timed tests."""
