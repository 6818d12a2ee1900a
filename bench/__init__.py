"""Benchmarks that print figures; run with `make bench` or `python -m bench.<name>`."""
