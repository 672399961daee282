"""The key ring of the card QR's signature (design.md §8): which key signs, which are published.

Where the keys come from:

- ``CARD_SIGNING_KEY`` set: ``kid:base64url(32-byte Ed25519 private key)``, optionally followed by
  older keys, comma-separated (``new:…,old:…``). The first signs; all are published. The operator
  rotates by putting a new key first and drops an old one once its cards have expired.
- otherwise a key ring file (``CARD_KEY_RING``, default ``var/card_keys.json``, mode 0600),
  generated with one key at first use, like SECRET_KEY, and extended by ``manage.py
  rotate_card_key``. Each key records ``created_at``, ``active_from`` (when it starts signing),
  ``retired_at`` (when the next key took over) and ``publish_until``.

The publishing rule: a QR is rebuilt each day the card is shown, with the key of the day, so a QR
signed by a retired key lives on only in screenshots, printouts and offline copies, and it is
worth nothing after its own "valid to" date. At retirement, ``publish_until`` is the latest
"valid to" of any card still valid that day (at least 31/12 of that year, the printed end of an
open-ended card); the retired key is published until then and dropped from the set after. A
new key is published at once but signs only ``CARD_KEY_LEAD_SECONDS`` later (a day, the JWK
set's max-age), so no hospital holding a cached set meets a kid it does not know.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import threading
from dataclasses import dataclass, replace
from pathlib import Path

from django.conf import settings
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from registry.cardsign import SigningKey, b64url, b64url_decode, generate_signing_key, jwk_set, parse_signing_key
from registry.models import HealthCard

__all__ = ["RingKey", "card_keys_view", "published_jwks", "ring", "rotate", "signing_key"]

JWKS_MAX_AGE = 86400


@dataclass(frozen=True)
class RingKey:
    key: SigningKey
    created_at: dt.datetime | None = None
    active_from: dt.datetime | None = None
    retired_at: dt.datetime | None = None
    publish_until: dt.date | None = None

    def signs_at(self, now: dt.datetime) -> bool:
        return self.active_from is None or self.active_from <= now

    def published_on(self, today: dt.date) -> bool:
        return self.retired_at is None or self.publish_until is None or self.publish_until >= today


class KeyRingError(Exception):
    pass


# ---- the file -----------------------------------------------------------------------------------


def _ring_path() -> Path:
    return _path(str(settings.CARD_KEY_RING))


# signing_key() looks at the file on every card built (a rotation by another process must be seen):
# parsing the same setting into a Path each time cost more than the stat itself.
@functools.lru_cache(maxsize=8)
def _path(value: str) -> Path:
    return Path(value)


def _dt(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _load(text: str) -> list[RingKey]:
    data = json.loads(text)
    keys = []
    for entry in data["keys"]:
        keys.append(
            RingKey(
                key=SigningKey(entry["kid"], b64url_decode(entry["d"])),
                created_at=_dt(entry.get("created_at")),
                active_from=_dt(entry.get("active_from")),
                retired_at=_dt(entry.get("retired_at")),
                publish_until=dt.date.fromisoformat(entry["publish_until"]) if entry.get("publish_until") else None,
            )
        )
    if not keys:
        raise KeyRingError(f"{_ring_path()} holds no key.")
    return keys


def _dump(keys: list[RingKey]) -> str:
    def iso(value: dt.datetime | dt.date | None) -> str | None:
        return value.isoformat() if value is not None else None

    entries = [
        {
            "kid": k.key.kid,
            "d": b64url(k.key.private),
            "created_at": iso(k.created_at),
            "active_from": iso(k.active_from),
            "retired_at": iso(k.retired_at),
            "publish_until": iso(k.publish_until),
        }
        for k in keys
    ]
    return json.dumps({"keys": entries}, indent=2) + "\n"


def _write_new(path: Path, text: str) -> Path:
    """Write ``text`` to a fresh private file next to ``path`` (O_EXCL, 0600) and return its name."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.new")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    return temp


def _create_ring(path: Path) -> None:
    """The first key, written whole under its final name or not at all (two starting processes: one wins)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    now = timezone.now()
    temp = _write_new(path, _dump([RingKey(generate_signing_key(), created_at=now, active_from=now)]))
    try:
        os.link(temp, path)  # fails if another process created it first
    except FileExistsError:
        pass
    finally:
        temp.unlink()


_cache: dict[str, tuple[tuple[int, int, int], list[RingKey]]] = {}


def _file_ring() -> list[RingKey]:
    path = _ring_path()
    try:
        st = path.stat()
    except FileNotFoundError:
        _create_ring(path)
        st = path.stat()
    stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
    cached = _cache.get(str(path))
    if cached is not None and cached[0] == stamp:
        return cached[1]
    keys = _load(path.read_text())
    _cache[str(path)] = (stamp, keys)
    return keys


@functools.lru_cache(maxsize=4)
def _env_ring(value: str) -> list[RingKey]:
    try:
        keys = [RingKey(parse_signing_key(part)) for part in value.split(",") if part.strip()]
    except ValueError as exc:
        raise KeyRingError(f"CARD_SIGNING_KEY: {exc}") from exc
    if not keys:
        raise KeyRingError("CARD_SIGNING_KEY holds no key.")
    return keys


# ---- what the card and the JWK set use ------------------------------------------------------------


def ring() -> list[RingKey]:
    """Every key, oldest first for the file (the environment's are listed newest first)."""
    value = str(getattr(settings, "CARD_SIGNING_KEY", "") or "")
    return _env_ring(value) if value else _file_ring()


def signing_key(now: dt.datetime | None = None) -> SigningKey:
    """The key that signs now: the newest key whose active_from has come."""
    now = now or timezone.now()
    value = str(getattr(settings, "CARD_SIGNING_KEY", "") or "")
    if value:
        return ring()[0].key
    active = [k for k in _file_ring() if k.signs_at(now)]
    return (active or _file_ring())[-1].key


def published_jwks(today: dt.date | None = None) -> dict[str, list[dict[str, str]]]:
    """The JWK set of the keys published today (module docstring for the rule)."""
    today = today or timezone.localdate()
    return jwk_set([(k.key.kid, k.key.public) for k in ring() if k.published_on(today)])


def rotate(*, now: dt.datetime | None = None, lead: dt.timedelta | None = None) -> RingKey:
    """Add a new key that signs after ``lead`` (settings.CARD_KEY_LEAD_SECONDS by default); the
    key it replaces is retired then, published until its last card has expired."""
    if getattr(settings, "CARD_SIGNING_KEY", ""):
        raise KeyRingError("The signing key comes from CARD_SIGNING_KEY: put the new key first in it (new:…,old:…).")
    now = now or timezone.now()
    lead = lead if lead is not None else dt.timedelta(seconds=int(settings.CARD_KEY_LEAD_SECONDS))
    path = _ring_path()
    keys = list(_file_ring())
    known = {k.key.kid for k in keys}
    new_key = generate_signing_key()
    while new_key.kid in known:
        new_key = generate_signing_key()
    active_from = now + lead
    day = timezone.localdate(active_from)
    latest = HealthCard.objects.filter(valid_to__gte=day).aggregate(latest=Max("valid_to"))["latest"]
    publish_until = max(dt.date(day.year, 12, 31), latest or day)
    keys = [replace(k, retired_at=active_from, publish_until=publish_until) if k.retired_at is None else k for k in keys]
    added = RingKey(new_key, created_at=now, active_from=active_from)
    keys.append(added)
    temp = _write_new(path, _dump(keys))
    os.replace(temp, path)
    _cache.pop(str(path), None)
    return added


# ---- /.well-known/vssid-card-keys.json ----------------------------------------------------------


@require_GET
def card_keys_view(request: HttpRequest) -> HttpResponse:
    """The published public keys as a JWK set: no login, cacheable for a day."""
    body = json.dumps(published_jwks(), separators=(",", ":"))
    response = HttpResponse(body, content_type="application/jwk-set+json")
    response["Cache-Control"] = f"public, max-age={JWKS_MAX_AGE}"
    response["Access-Control-Allow-Origin"] = "*"
    return response
