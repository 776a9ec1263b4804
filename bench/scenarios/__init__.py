"""The scenarios of `make bench` (issue 9), one module per kind of measurement, all run against
one :class:`bench.environment.BenchEnvironment` by ``python -m bench``."""
