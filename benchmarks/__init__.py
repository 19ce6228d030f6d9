"""Benchmarks: named, seeded instances and scripts that print a table and write JSON. Not part of the test run."""
