"""Integration secrets at rest: Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``).

The keys come from settings (``EXPORTS_SECRETS_KEY``, comma-separated for rotation, else
derived from ``SECRET_KEY``); each is stretched to a Fernet key by HMAC-SHA256 with a label of
its own, so any strong passphrase works and a key shared with another use never signs or
decrypts anything of that use. A database dump alone reveals no secret; plaintexts only exist
in memory while a push is signed or a confirmation verified.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from services.exports.settings import ExportsBase

_LABEL = b"exports-integration-secrets-v1"


class SecretKeyMissing(RuntimeError):
    """Neither EXPORTS_SECRETS_KEY nor SECRET_KEY is set: secrets could not be read back later."""


class UnreadableSecret(Exception):
    """A ciphertext none of the configured keys opens (a key was dropped too early)."""


def _fernet_key(material: str) -> bytes:
    return base64.urlsafe_b64encode(hmac.new(material.encode(), _LABEL, hashlib.sha256).digest())


class SecretBox:
    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise SecretKeyMissing("set EXPORTS_SECRETS_KEY (or SECRET_KEY) to encrypt integration secrets")
        self._fernet = MultiFernet([Fernet(_fernet_key(k)) for k in keys])

    def seal(self, plaintext: str) -> bytes:
        return self._fernet.encrypt(plaintext.encode())

    def open(self, ciphertext: bytes) -> str:
        try:
            return self._fernet.decrypt(ciphertext).decode()
        except InvalidToken:
            raise UnreadableSecret("the integration secret cannot be decrypted with the configured keys") from None


def box_from_settings(settings: ExportsBase) -> SecretBox:
    source = settings.exports_secrets_key or settings.secret_key
    keys = [k.strip() for k in source.get_secret_value().split(",")] if source else []
    return SecretBox([k for k in keys if k])
