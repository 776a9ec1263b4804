"""The shots context (see DESIGN.md): its gRPC service, domain rules, database and migrations."""
