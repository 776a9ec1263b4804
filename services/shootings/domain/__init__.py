"""Business rules of the shootings context: pure functions and values, no I/O."""
