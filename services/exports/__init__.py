"""The exports context (see docs/architecture.md): its gRPC service, domain rules, database and migrations."""
