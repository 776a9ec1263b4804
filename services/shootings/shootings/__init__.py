"""The shooting itself: its fields, phase and phase history, soft delete and restore, the shooting
list and header: handlers, rules, SQL and messages."""
