"""The password-hashing cost of every gateway the suite starts.

The platform hashes with argon2id at 64 MiB and 3 passes (about 170 ms of CPU per hash or check
on these machines); the suite creates and logs in hundreds of users, so its gateways use 1 MiB
and one pass (about 2 ms): the same code path and the same algorithm, at a cost no test is about.
"""

from __future__ import annotations

CHEAP_HASHING = {"password_hash_memory_kib": 1024, "password_hash_iterations": 1}
# The same as a process's environment (a stack's gateway reads its settings from there).
CHEAP_HASHING_ENV = {name.upper(): str(value) for name, value in CHEAP_HASHING.items()}
