"""Benchmarks (not tests): run `python -m bench` for the full table."""
