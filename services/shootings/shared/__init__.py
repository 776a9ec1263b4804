"""What several concerns of the shootings context share: the access rule, statuses and their order,
soft delete and restore, input bounds. Pure functions and values, no I/O."""
