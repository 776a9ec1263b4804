"""A shooting's productions (one MAIN, any number of TEST runs), phase moves, the look statuses of a
shooting type and the shooting types: handlers, rules, SQL and messages."""
