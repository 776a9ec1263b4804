"""Plumbing shared by the gateway and every service: settings, database, outbox,
Kafka bus, gRPC helpers, telemetry, logging and health. No domain knowledge lives here."""
