"""The exports context's rules, free of I/O: formats and adapters, scoping, push states, signatures."""
