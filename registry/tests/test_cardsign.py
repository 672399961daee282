"""The card QR's Ed25519 signature: sign and verify, the published JWK set, key rotation (issue 13)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import stat
from pathlib import Path
from typing import Any

import pytest
import segno
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.models import User
from accounts.services import issue_tokens
from registry import cardkeys
from registry.card import card_for_citizen
from registry.cardformat import CheckStatus, build_qr_payload, crc16_ccitt_false, verify_card_qr
from registry.cardsign import SigningKey, b64url_decode, generate_signing_key, jwk_set, parse_signing_key
from registry.tests.test_cardformat import SAMPLE, make_fields, replace_field

KEY = SigningKey("t1", bytes(range(32)))
JWKS = jwk_set([(KEY.kid, KEY.public)])
JWKS_URL = "/.well-known/vssid-card-keys.json"


def signed() -> str:
    return build_qr_payload(make_fields(), key=KEY)


# ---- pure: no database, no server key ----------------------------------------------------------


def test_sign_and_verify_round_trip() -> None:
    payload = signed()
    field13 = payload.split("|")[13]
    kid, rest = field13.split(".")
    signature, crc = rest.rsplit("-", 1)
    assert kid == "t1" and len(signature) == 86 and crc == f"{crc16_ccitt_false('|'.join(payload.split('|')[:13]).encode()):04x}"
    result = verify_card_qr(payload, JWKS)
    assert result.valid and result.status is CheckStatus.VALID and result.kid == "t1"
    assert result.card is not None and result.card.full_name == "Nguyễn Thị Ánh Tuyết"


@pytest.mark.parametrize(
    "tamper",
    [
        # one character of the name's hex: "Nguyễn" → "Nguyen"-ish byte change
        lambda p: replace_field(p, 1, p.split("|")[1][:-1] + ("0" if p.split("|")[1][-1] != "0" else "1")),
        lambda p: replace_field(p, 7, "31/12/2035"),  # valid-to pushed on
        lambda p: replace_field(p, 2, "14/03/2007"),  # date of birth
        lambda p: p.replace("|K1|", "|K2|"),
    ],
    ids=["name", "valid_to", "birth", "live_area"],
)
def test_a_tampered_payload_fails(tamper: Any) -> None:
    payload = signed()
    tampered = tamper(payload)
    assert tampered != payload
    result = verify_card_qr(tampered, JWKS)
    assert result.status is CheckStatus.BAD_SIGNATURE and not result.valid


def test_a_signature_with_the_right_crc_but_a_forged_signature_fails() -> None:
    parts = signed().split("|")
    kid, rest = parts[13].split(".")
    _sig, crc = rest.rsplit("-", 1)
    parts[13] = f"{kid}.{'A' * 86}-{crc}"
    assert verify_card_qr("|".join(parts), JWKS).status is CheckStatus.BAD_SIGNATURE


def test_an_unknown_kid_fails() -> None:
    other = SigningKey("zz9", bytes(range(1, 33)))
    payload = build_qr_payload(make_fields(), key=other)
    result = verify_card_qr(payload, JWKS)
    assert result.status is CheckStatus.UNKNOWN_KID and result.kid == "zz9"
    # Our kid with another key's signature: a bad signature, never valid.
    impostor = build_qr_payload(make_fields(), key=SigningKey("t1", bytes(range(1, 33))))
    assert verify_card_qr(impostor, JWKS).status is CheckStatus.BAD_SIGNATURE


def test_a_real_cards_payload_parses_and_is_not_verifiable_here() -> None:
    result = verify_card_qr(SAMPLE, JWKS)
    assert result.status is CheckStatus.NOT_OURS and not result.valid
    assert result.card is not None and result.card.full_name == "Lê Việt Hưng"
    assert result.card.check == "1f2fa22c47f0bd18-7102"


@pytest.mark.parametrize("payload", ["", "not a payload", SAMPLE.replace("|01 - 043|", "|0x|"), SAMPLE[:-2]])
def test_a_malformed_payload_is_reported_not_raised(payload: str) -> None:
    result = verify_card_qr(payload, JWKS)
    assert result.status is CheckStatus.MALFORMED and result.error is not None and result.card is None


def test_a_broken_jwk_set_verifies_nothing() -> None:
    payload = signed()
    for jwks in ({}, {"keys": None}, {"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "t1", "x": "!!"}]}):
        assert verify_card_qr(payload, jwks).status is CheckStatus.UNKNOWN_KID


def test_signing_keys_read_and_write() -> None:
    key = generate_signing_key()
    assert parse_signing_key(key.export()) == key
    assert "private" not in repr(key) or key.export().split(":")[1] not in repr(key)
    for bad in ("", "nokid", "toolongkid9:" + key.export().split(":")[1], "k1:abc", "k-1:" + key.export().split(":")[1]):
        with pytest.raises(ValueError):
            parse_signing_key(bad)


# ---- the published JWK set -----------------------------------------------------------------------


@pytest.fixture
def ring(settings: Any, tmp_path: Path) -> Path:
    """A key ring of this test's own (never the one in var/)."""
    settings.CARD_SIGNING_KEY = ""
    settings.CARD_KEY_RING = tmp_path / "card_keys.json"
    return Path(settings.CARD_KEY_RING)


def _verify_with_cryptography_only(payload: str, jwks: dict[str, Any]) -> bool:
    """What a hospital does offline: nothing of ours but the JWK set."""
    parts = payload.split("|")
    kid, rest = parts[13].split(".")
    signature, _crc = rest.rsplit("-", 1)
    (jwk,) = [k for k in jwks["keys"] if k["kid"] == kid]
    assert (jwk["kty"], jwk["crv"], jwk["alg"], jwk["use"]) == ("OKP", "Ed25519", "EdDSA", "sig")
    public = Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"]))
    try:
        public.verify(b64url_decode(signature), "|".join(parts[:13]).encode())
    except Exception:
        return False
    return True


@pytest.mark.django_db
def test_the_jwk_set_is_public_and_cacheable(ring: Path) -> None:
    response = Client().get(JWKS_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/jwk-set+json"
    assert response["Cache-Control"] == "public, max-age=86400"
    body = response.json()
    (jwk,) = body["keys"]
    assert set(jwk) == {"kty", "crv", "kid", "x", "use", "alg"} and len(jwk["x"]) == 43
    # The ring was generated on first use: private, and complete.
    assert stat.S_IMODE(ring.stat().st_mode) == 0o600
    assert [k["kid"] for k in json.loads(ring.read_text())["keys"]] == [jwk["kid"]]


@pytest.mark.django_db
def test_binhs_card_verifies_with_only_the_published_jwk_set(ring: Path) -> None:
    binh = User.objects.get(username="0198765432")
    headers = {"Authorization": f"Bearer {issue_tokens(binh).access_token}"}
    payload = Client().get("/api/v1/me/card", headers=headers).json()["qr_payload"]
    jwks = Client().get(JWKS_URL).json()
    assert _verify_with_cryptography_only(payload, jwks)
    assert verify_card_qr(payload, jwks).valid
    # One changed character of the name (its hex) or of a date: refused.
    name_hex = payload.split("|")[1]
    changed_name = replace_field(payload, 1, name_hex[:-1] + ("a" if name_hex[-1] != "a" else "b"))
    changed_date = replace_field(payload, 7, payload.split("|")[7][:-1] + "9")
    for tampered in (changed_name, changed_date):
        assert tampered != payload
        assert not _verify_with_cryptography_only(tampered, jwks)
        assert verify_card_qr(tampered, jwks).status is CheckStatus.BAD_SIGNATURE


@pytest.mark.django_db
def test_the_card_is_signed_once_a_day(ring: Path) -> None:
    binh = User.objects.get(username="0198765432")
    day = dt.date(2026, 11, 25)
    assert card_for_citizen(binh, today=day) is card_for_citizen(binh, today=day)


# ---- rotation ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_rotate_card_key(ring: Path) -> None:
    binh = User.objects.get(username="0198765432")
    today = timezone.localdate()
    old = card_for_citizen(binh, today=today).qr_payload
    old_kid = old.split("|")[13].split(".")[0]

    # By default the new key is published at once and signs a day later.
    out = io.StringIO()
    call_command("rotate_card_key", stdout=out)
    pending = json.loads(ring.read_text())["keys"][-1]["kid"]
    assert pending in out.getvalue()
    assert {k["kid"] for k in cardkeys.published_jwks()["keys"]} == {old_kid, pending}
    assert card_for_citizen(binh, today=today).qr_payload == old

    call_command("rotate_card_key", "--now", stdout=io.StringIO())
    keys = json.loads(ring.read_text())["keys"]
    new_kid = keys[-1]["kid"]
    new = card_for_citizen(binh, today=today).qr_payload
    assert new.split("|")[13].split(".")[0] == new_kid != old_kid
    assert new.split("|")[:13] == old.split("|")[:13]

    jwks = Client().get(JWKS_URL).json()
    assert verify_card_qr(new, jwks).valid and verify_card_qr(old, jwks).valid
    # The old key stays published until the last card valid at its retirement has expired.
    first = keys[0]
    assert first["retired_at"] is not None
    until = dt.date.fromisoformat(first["publish_until"])
    assert until >= dt.date(today.year, 12, 31)
    assert old_kid in {k["kid"] for k in cardkeys.published_jwks(until)["keys"]}
    after = cardkeys.published_jwks(until + dt.timedelta(days=1))
    assert {k["kid"] for k in after["keys"]} == {new_kid}
    assert verify_card_qr(old, after).status is CheckStatus.UNKNOWN_KID
    assert stat.S_IMODE(ring.stat().st_mode) == 0o600


@pytest.mark.django_db
def test_a_signing_key_from_the_environment(settings: Any, ring: Path) -> None:
    new, old = SigningKey("envnew", bytes(range(32))), SigningKey("envold", bytes(range(1, 33)))
    settings.CARD_SIGNING_KEY = f"{new.export()},{old.export()}"
    binh = User.objects.get(username="0198765432")
    payload = card_for_citizen(binh, today=dt.date(2026, 11, 25)).qr_payload
    assert payload.split("|")[13].startswith("envnew.")
    jwks = Client().get(JWKS_URL).json()
    assert [k["kid"] for k in jwks["keys"]] == ["envnew", "envold"]
    assert verify_card_qr(payload, jwks).valid
    assert not ring.exists()  # no file when the environment holds the key
    with pytest.raises(Exception, match="CARD_SIGNING_KEY"):
        call_command("rotate_card_key", stdout=io.StringIO())


# ---- the QR still fits -----------------------------------------------------------------------------


def _version(text: str) -> int:
    return int(segno.make(text, error="m", micro=False).version)


@pytest.mark.django_db
def test_the_signed_qr_still_fits_the_card(ring: Path) -> None:
    binh = User.objects.get(username="0198765432")
    payload = card_for_citizen(binh, today=dt.date(2026, 11, 25)).qr_payload
    parts = payload.split("|")
    hmac_era = "|".join([*parts[:13], "0123456789abcdef-" + parts[13][-4:], "$"])
    # The signature adds 77 characters: two QR versions (8 modules a side) at level M. Bình's card
    # (267 → 344 characters) goes from version 12 to 14: 73 modules and the quiet zone, 3.5 CSS px
    # a module in the card's 18rem, 4.7 in the "use the card" view's 24rem (2–3 device pixels per
    # CSS px on a phone), 8 px in /me/card/qr.png. A child's card with a guardian and a long
    # address (the builder's test fields) stays within version 17.
    assert len(payload) - len(hmac_era) == 77
    assert _version(payload) <= _version(hmac_era) + 2
    assert _version(payload) <= 14
    long = dataclasses.replace(make_fields(), address="Số 1234 ngõ 56 ngách 78, phường Tân Thuận Đông, TP Hồ Chí Minh")
    assert _version(build_qr_payload(long, key=KEY)) <= 17
