"""A shooting's main and sample product sets: handlers, rules and SQL."""
