"""Signing keys for the processes tests run in-process, and channels that sign like them.

One key set per test session (as `make run` keeps one per state folder): services built by
:mod:`tests.support.services` verify with it, gateways built by the integration fixtures sign
with it, and a test channel signs as whichever platform process the test plays.
"""

from __future__ import annotations

from typing import Any

import grpc

from platformkit import principal_tokens
from platformkit.rpc import create_channel

KEYS = principal_tokens.generate_keys()


def key_settings(issuer: str) -> dict[str, Any]:
    """The settings values of a process signing as ``issuer`` (field names, for settings classes)."""
    return {"principal_signing_key": KEYS.private[issuer], "principal_public_keys": KEYS.public}


def signer(issuer: str = principal_tokens.GATEWAY) -> principal_tokens.Signer:
    return principal_tokens.Signer(issuer, principal_tokens.private_key(KEYS.private[issuer]), 60)


def signed_channel(
    target: str, audience: str, issuer: str = principal_tokens.GATEWAY, **options: Any
) -> grpc.aio.Channel:
    """A channel to the ``audience`` service at ``target`` whose calls are signed by ``issuer``."""
    return create_channel(target, signer=signer(issuer), audience=audience, **options)


def verifier(audience: str) -> principal_tokens.Verifier:
    return principal_tokens.Verifier(audience, principal_tokens.public_keys(KEYS.public))
