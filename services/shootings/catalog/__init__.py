"""The reference catalog: products, subjects, shot types and every other kind of entry, their rules,
SQL and messages, and the check of the references guidelines and looks hold."""
