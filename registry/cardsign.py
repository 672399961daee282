"""Ed25519 keys of the card QR's check value and the JWK set that publishes them (design.md §8).

Pure (no Django): a signing key is a key id (``kid``, 1–8 letters or digits) and the 32 raw bytes
of an Ed25519 private key; its public half is published as an RFC 8037 JWK::

    {"kty": "OKP", "crv": "Ed25519", "kid": "k7q2m", "x": "<base64url, 43 chars>", "use": "sig", "alg": "EdDSA"}

so that anyone holding the JWK set verifies a card with no secret and no network. Where the keys
live and which one signs is registry.cardkeys' business.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

__all__ = [
    "KID_RE",
    "SIGNATURE_LENGTH",
    "JWKSet",
    "SigningKey",
    "b64url",
    "b64url_decode",
    "generate_signing_key",
    "jwk_set",
    "parse_signing_key",
    "public_jwk",
    "public_keys",
    "verify_signature",
]

KID_RE: Final = re.compile(r"[A-Za-z0-9]{1,8}")
SIGNATURE_LENGTH: Final = 86
"""An Ed25519 signature (64 bytes) in base64url without padding."""

JWKSet = Mapping[str, Any]
"""A JWK set as JSON: ``{"keys": [ {...}, ... ]}``."""

_KID_ALPHABET: Final = string.ascii_lowercase + string.digits


def b64url(data: bytes) -> str:
    """Base64url without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Inverse of :func:`b64url`; padding is optional. Raises ``ValueError`` on anything else."""
    if not isinstance(text, str) or not re.fullmatch(r"[A-Za-z0-9_-]*={0,2}", text):
        raise ValueError("not base64url")
    stripped = text.rstrip("=")
    try:
        return base64.urlsafe_b64decode(stripped + "=" * (-len(stripped) % 4))
    except binascii.Error as exc:
        raise ValueError("not base64url") from exc


@functools.lru_cache(maxsize=16)
def _private_key(raw: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(raw)


@dataclass(frozen=True, slots=True)
class SigningKey:
    """A key id and the 32 raw bytes of an Ed25519 private key (never printed by ``repr``)."""

    kid: str
    private: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.kid, str) or not KID_RE.fullmatch(self.kid):
            raise ValueError("A key id is 1 to 8 letters or digits.")
        if not isinstance(self.private, bytes) or len(self.private) != 32:
            raise ValueError("An Ed25519 private key is 32 bytes.")

    def sign(self, data: bytes) -> bytes:
        return _private_key(self.private).sign(data)

    @property
    def public(self) -> bytes:
        return _private_key(self.private).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    def export(self) -> str:
        """``kid:base64url(private)``, the form CARD_SIGNING_KEY takes."""
        return f"{self.kid}:{b64url(self.private)}"


def generate_signing_key(kid: str | None = None) -> SigningKey:
    """A new random key; the default id is 6 random lower-case letters and digits, starting with a letter."""
    if kid is None:
        kid = secrets.choice(string.ascii_lowercase) + "".join(secrets.choice(_KID_ALPHABET) for _ in range(5))
    raw = Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return SigningKey(kid, raw)


def parse_signing_key(text: str) -> SigningKey:
    """Read ``kid:base64url(32-byte private key)``; raises ``ValueError`` when malformed."""
    kid, sep, encoded = (text or "").strip().partition(":")
    if not sep:
        raise ValueError("A card signing key is written kid:base64url-private-key.")
    return SigningKey(kid, b64url_decode(encoded))


def public_jwk(kid: str, public: bytes) -> dict[str, str]:
    """The RFC 8037 JWK of an Ed25519 public key."""
    return {"kty": "OKP", "crv": "Ed25519", "kid": kid, "x": b64url(public), "use": "sig", "alg": "EdDSA"}


def jwk_set(keys: list[tuple[str, bytes]]) -> dict[str, list[dict[str, str]]]:
    """The JWK set of ``(kid, public key bytes)`` pairs."""
    return {"keys": [public_jwk(kid, public) for kid, public in keys]}


def public_keys(jwks: JWKSet) -> dict[str, Ed25519PublicKey]:
    """The Ed25519 verification keys of a JWK set, by kid; other or malformed entries are skipped."""
    found: dict[str, Ed25519PublicKey] = {}
    entries = jwks.get("keys") if isinstance(jwks, Mapping) else None
    if not isinstance(entries, list):
        return found
    for entry in entries:
        if not isinstance(entry, Mapping) or entry.get("kty") != "OKP" or entry.get("crv") != "Ed25519":
            continue
        if entry.get("use", "sig") != "sig" or entry.get("alg", "EdDSA") != "EdDSA":
            continue
        kid, x = entry.get("kid"), entry.get("x")
        if not isinstance(kid, str) or not KID_RE.fullmatch(kid) or not isinstance(x, str):
            continue
        try:
            raw = b64url_decode(x)
            if len(raw) == 32:
                found[kid] = Ed25519PublicKey.from_public_bytes(raw)
        except ValueError:
            continue
    return found


def verify_signature(key: Ed25519PublicKey, signature: str, data: bytes) -> bool:
    """Whether ``signature`` (base64url, 86 characters) is ``key``'s signature of ``data``."""
    if len(signature) != SIGNATURE_LENGTH:
        return False
    try:
        key.verify(b64url_decode(signature), data)
    except (InvalidSignature, ValueError):
        return False
    return True
