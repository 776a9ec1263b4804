"""Gateway settings: env names, the generated secret and the production guard rails."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from gateway.settings import DEFAULT_FIRST_SUPERUSER_PASSWORD, GatewaySettings, load_settings

ENV_NAMES = [
    "DATABASE_URL",
    "DATABASE_URL_GATEWAY",
    "SECRET_KEY",
    "ENVIRONMENT",
    "FIRST_SUPERUSER",
    "FIRST_SUPERUSER_PASSWORD",
    "GATEWAY_PORT",
]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)


def test_gateway_specific_database_url_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://generic/db")
    monkeypatch.setenv("DATABASE_URL_GATEWAY", "postgresql+asyncpg://gateway/db")
    assert load_settings().database_url.get_secret_value() == "postgresql+asyncpg://gateway/db"


def test_generic_database_url_is_the_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://generic/db")
    monkeypatch.setenv("GATEWAY_PORT", "8123")
    settings = load_settings()
    assert settings.database_url.get_secret_value() == "postgresql+asyncpg://generic/db"
    assert settings.gateway_port == 8123


def test_database_url_is_required() -> None:
    with pytest.raises(ValidationError):
        load_settings()


def test_missing_secret_key_is_generated_and_shouted_about(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://generic/db")
    first, second = load_settings(), load_settings()
    assert first.secret_key_generated
    assert len(first.secret_key.get_secret_value()) >= 32
    assert first.secret_key.get_secret_value() != second.secret_key.get_secret_value()
    assert any("SECRET_KEY" in w for w in first.startup_warnings())
    assert any(DEFAULT_FIRST_SUPERUSER_PASSWORD in w for w in first.startup_warnings())


def test_configured_secrets_raise_no_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://generic/db")
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("FIRST_SUPERUSER_PASSWORD", "a-real-password")
    settings = load_settings()
    assert not settings.secret_key_generated
    assert settings.secret_key.get_secret_value() == "from-the-environment"
    assert settings.startup_warnings() == []


@pytest.mark.parametrize(
    ("extra", "complaint"),
    [
        ({"first_superuser_password": "a-real-password"}, "SECRET_KEY"),
        ({"secret_key": "from-the-environment"}, "FIRST_SUPERUSER_PASSWORD"),
    ],
)
def test_production_refuses_unsafe_defaults(extra: dict[str, str], complaint: str) -> None:
    with pytest.raises(ValidationError, match=complaint):
        GatewaySettings(database_url="postgresql+asyncpg://x/y", environment="production", **extra)


def test_production_accepts_configured_secrets() -> None:
    settings = GatewaySettings(
        database_url="postgresql+asyncpg://x/y",
        environment="production",
        secret_key="from-the-environment",
        first_superuser_password="a-real-password",
    )
    assert settings.startup_warnings() == []
