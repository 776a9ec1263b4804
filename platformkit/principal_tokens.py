"""Signed principals: who a gRPC call is for, in a token the receiving service can verify.

The gateway turns a user's bearer token into a :class:`common.v1.Principal`; on the way to a
service the principal travels as a short-lived JWT signed with Ed25519 (``EdDSA``) by the process
that makes the call, addressed to one service (``aud``), naming its signer (``iss``). A service
accepts a token only if it is addressed to it, unexpired, and signed by a platform process that
is expected to call it (:data:`CALLERS`) with that process's key, so a call with no principal,
an unsigned one, a forged one, one replayed to another service or one from a process that has
no business calling it is refused. Each process holds only its own private key; every process
knows the public keys.

Services that call another service on the caller's behalf (the shootings service asking the
shots service to create a look's shots, a styling worker reading the catalog as the look's
owner) sign the same principal for the next audience with their own key: the token then says
which service vouches for it.

Keys are Ed25519 raw keys, base64url without padding: ``PRINCIPAL_SIGNING_KEY`` (this process's
private key) and ``PRINCIPAL_PUBLIC_KEYS`` (``issuer:key,issuer:key,...``, every signer's public
key). :func:`generate_keys` makes a set (`make run` keeps one in ``STATE_DIR``).
"""

from __future__ import annotations

import base64
import functools
import time
from collections.abc import Mapping
from dataclasses import dataclass

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from platformkit.settings import ProcessSettings
from protos.common.v1 import common_pb2

ALGORITHM = "EdDSA"
GATEWAY = "gateway"
# Who may call each service (the platform's call graph). A service refuses tokens signed by
# anyone else, even with a valid key: a compromised outfits process cannot act on the exports
# service, which it never calls.
CALLERS: Mapping[str, frozenset[str]] = {
    "shootings": frozenset({GATEWAY, "shots", "outfits", "exports"}),
    # outfits resolves the MediaInput references of outfits through the media registry here.
    "shots": frozenset({GATEWAY, "shootings", "exports", "outfits"}),
    "outfits": frozenset({GATEWAY}),
    "exports": frozenset({GATEWAY, "shootings"}),
}
ISSUERS = (GATEWAY, *CALLERS)
# Clock skew tolerated between the signer and the verifier.
LEEWAY_SECONDS = 5
_CACHE_SIZE = 4096


class InvalidPrincipal(Exception):
    """The call's principal token is missing, malformed, forged, expired or misaddressed."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def private_key(encoded: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(_unb64(encoded.strip()))


def public_keys(encoded: str) -> dict[str, Ed25519PublicKey]:
    """``issuer:key,issuer:key`` -> public keys by issuer."""
    keys = {}
    for item in filter(None, (part.strip() for part in encoded.split(","))):
        issuer, _, key = item.partition(":")
        if not key:
            raise ValueError(f"PRINCIPAL_PUBLIC_KEYS: {item[:20]!r} is not issuer:key")
        keys[issuer] = Ed25519PublicKey.from_public_bytes(_unb64(key))
    return keys


@dataclass(frozen=True)
class KeySet:
    """Every signer's key pair, encoded as the settings take them (local stacks and tests)."""

    private: Mapping[str, str]
    public: str

    def env_for(self, issuer: str) -> dict[str, str]:
        return {"PRINCIPAL_SIGNING_KEY": self.private[issuer], "PRINCIPAL_PUBLIC_KEYS": self.public}


def generate_keys() -> KeySet:
    private, public = {}, []
    for issuer in ISSUERS:
        key = Ed25519PrivateKey.generate()
        private[issuer] = _b64(key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()))
        public.append(f"{issuer}:{_b64(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))}")
    return KeySet(private, ",".join(public))


class Signer:
    """Signs principals as ``issuer``. A token lives ``ttl_seconds``; one is reused for the same
    principal and audience during the first half of its life, so the calls of one request (and
    of a busy user) cost one signature per audience rather than one each."""

    def __init__(self, issuer: str, key: Ed25519PrivateKey, ttl_seconds: float) -> None:
        self.issuer = issuer
        self.key = key
        self.ttl = max(2, int(ttl_seconds))
        self._cached = functools.lru_cache(maxsize=_CACHE_SIZE)(self._sign)

    def token(self, principal: common_pb2.Principal | None, audience: str) -> str:
        """A token for ``audience``; ``principal=None``: the process calls on its own behalf
        (no user: e.g. forwarding a receiver's signed callback)."""
        raw = principal.SerializeToString(deterministic=True) if principal is not None else b""
        period = self.ttl // 2
        return self._cached(raw, audience, int(time.time()) // period * period)

    def _sign(self, raw: bytes, audience: str, issued_at: int) -> str:
        claims: dict[str, object] = {"iss": self.issuer, "aud": audience, "iat": issued_at, "exp": issued_at + self.ttl}
        if raw:
            principal = common_pb2.Principal.FromString(raw)
            claims.update(
                sub=principal.user_id,
                adm=principal.is_superuser,
                orgs=list(principal.organization_ids),
                email=principal.email,
            )
        return jwt.encode(claims, self.key, algorithm=ALGORITHM)


@dataclass(frozen=True)
class Verified:
    issuer: str
    principal: common_pb2.Principal | None  # None: the calling process itself, no user
    expires_at: int


class Verifier:
    """Checks the tokens addressed to ``audience``. A token's signature is checked once (cached
    by the token's text); its expiry on every call."""

    def __init__(self, audience: str, keys: Mapping[str, Ed25519PublicKey]) -> None:
        self.audience = audience
        callers = CALLERS.get(audience, frozenset())
        self.keys = {issuer: key for issuer, key in keys.items() if issuer in callers}
        self._cached = functools.lru_cache(maxsize=_CACHE_SIZE)(self._check_signature)

    def verify(self, token: str | None) -> Verified:
        if not token:
            raise InvalidPrincipal("no signed principal in the call metadata")
        verified = self._cached(token)
        if verified.expires_at + LEEWAY_SECONDS < time.time():
            raise InvalidPrincipal("the principal token has expired")
        return verified

    def _check_signature(self, token: str) -> Verified:
        try:
            header = jwt.get_unverified_header(token)
            issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
        except jwt.InvalidTokenError as exc:
            raise InvalidPrincipal(f"malformed principal token: {exc}") from None
        if header.get("alg") != ALGORITHM:
            raise InvalidPrincipal("the principal token is not signed with EdDSA")
        key = self.keys.get(str(issuer))
        if key is None:
            raise InvalidPrincipal(f"{issuer!r} may not call the {self.audience} service")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=str(issuer),
                options={"require": ["iss", "aud", "iat", "exp"], "verify_exp": False},
            )
        except jwt.InvalidTokenError as exc:
            raise InvalidPrincipal(f"invalid principal token: {exc}") from None
        principal = None
        if "sub" in claims:
            principal = common_pb2.Principal(
                user_id=str(claims["sub"]),
                is_superuser=bool(claims.get("adm", False)),
                organization_ids=[str(o) for o in claims.get("orgs", [])],
                email=str(claims.get("email", "")),
            )
        return Verified(str(issuer), principal, int(claims["exp"]))


def signer_from(settings: ProcessSettings, issuer: str) -> Signer:
    """This process's signer; a clear start-up error when its key is missing."""
    if settings.principal_signing_key is None:
        raise ValueError(f"PRINCIPAL_SIGNING_KEY must be set: the {issuer} process signs the principals it sends")
    return Signer(
        issuer, private_key(settings.principal_signing_key.get_secret_value()), settings.principal_token_ttl_seconds
    )


def verifier_from(settings: ProcessSettings, audience: str) -> Verifier:
    if not settings.principal_public_keys:
        raise ValueError(f"PRINCIPAL_PUBLIC_KEYS must be set: the {audience} service verifies its callers")
    return Verifier(audience, public_keys(settings.principal_public_keys))


def main() -> None:
    """``python -m platformkit.principal_tokens``: a new key set as ``NAME=value`` lines (an env
    file for compose, ``--from-literal`` values for the Kubernetes Secret)."""
    keys = generate_keys()
    for issuer, key in keys.private.items():
        print(f"PRINCIPAL_SIGNING_KEY_{issuer.upper()}={key}")
    print(f"PRINCIPAL_PUBLIC_KEYS={keys.public}")


if __name__ == "__main__":
    main()
