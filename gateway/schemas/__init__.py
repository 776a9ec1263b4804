"""Public (Pydantic) models, one module per resource, mirroring the reference schemas."""
