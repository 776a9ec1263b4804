"""The local stack behind `make run` and the test suite: embedded engines, processes, health, shutdown."""
