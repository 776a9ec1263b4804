"""Benchmarks: each module starts an isolated stack, runs one workload through the public API and
records the figure under bench/results/. Run one with ``python -m bench.<name>``."""
