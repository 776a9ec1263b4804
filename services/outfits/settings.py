"""Settings of the outfits service and its styling worker (`DATABASE_URL_OUTFITS`,
`OUTFITS_GRPC_BIND`, `STYLIST`, `STYLIST_LLM_URL`, ...)."""

from __future__ import annotations

from typing import Literal

from pydantic import SecretStr

from platformkit.settings import ServiceSettings, settings_for


class StylingSettings(ServiceSettings):
    """How outfits are styled (D0.42): the stylist and its retry budget."""

    # `rules` picks complementary catalog products; `llm` asks an OpenAI-compatible endpoint.
    stylist: Literal["rules", "llm"] = "rules"
    # Base URL of the chat-completions API (".../v1"; `/chat/completions` is appended).
    stylist_llm_url: str | None = None
    stylist_llm_api_key: SecretStr | None = None
    stylist_llm_model: str = "gpt-4o-mini"
    stylist_llm_timeout_seconds: float = 30.0
    # Products a proposal names at most, besides the look's core product.
    stylist_max_products: int = 3
    # A failed styling attempt is retried this many times (retry_count), then the proposal FAILS.
    styling_max_retries: int = 3
    # Wait before retry n: this many seconds times 2^(n-1), at most 30 s.
    styling_retry_delay_seconds: float = 1.0


OutfitsSettings = settings_for("outfits", StylingSettings)


def load_settings() -> StylingSettings:
    return OutfitsSettings()  # type: ignore[no-any-return]
