"""The public REST gateway: identity (users, organizations, tokens) and the `/api/v1` surface."""
