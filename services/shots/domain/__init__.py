"""Rules of the shots context without I/O: access, revision chains, review, generation planning."""
