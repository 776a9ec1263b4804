"""The OAuth2 password flow's answer."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class Token(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    # Seconds until the token expires.
    expires_in: int
