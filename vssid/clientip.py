"""The address of the person behind a request, for rate limits, lockouts and the audit trail.

Behind a reverse proxy REMOTE_ADDR is the proxy's address, so every citizen would share one
limit. X-Forwarded-For is written by each proxy appending the address it received the request
from; only the last TRUSTED_PROXY_HOPS entries were written by proxies we run. Entries further
left come from the client and can be forged, so they are never used.

- TRUSTED_PROXY_HOPS (default 0): how many proxies of ours stand in front of the app. 0 means the
  app faces the network directly and X-Forwarded-For is ignored.
- TRUSTED_PROXIES (default empty): addresses or networks of those proxies (comma-separated,
  e.g. "10.0.0.0/8,127.0.0.1"). When set, X-Forwarded-For is read only when REMOTE_ADDR is one
  of them, so a request that bypasses the proxy cannot pick its own address.
"""

from __future__ import annotations

import functools
import ipaddress

from django.conf import settings
from django.http import HttpRequest

MAX_FORWARDED_LENGTH = 2000  # a longer header is not from our proxies; ignore it


@functools.cache
def _trusted_networks(spec: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def _valid_ip(text: str) -> str | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "1.2.3.4:5678"
        text = text.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address: REMOTE_ADDR, or the address our trusted proxies saw."""
    if request is None:
        return None
    remote = _valid_ip(request.META.get("REMOTE_ADDR") or "")
    hops: int = getattr(settings, "TRUSTED_PROXY_HOPS", 0)
    if hops <= 0 or remote is None:
        return remote
    trusted: tuple[str, ...] = tuple(getattr(settings, "TRUSTED_PROXIES", ()))
    if trusted and not any(ipaddress.ip_address(remote) in net for net in _trusted_networks(trusted)):
        return remote  # not through our proxy: the header, if any, is the client's own words
    header = request.META.get("HTTP_X_FORWARDED_FOR") or ""
    if not header or len(header) > MAX_FORWARDED_LENGTH:
        return remote
    entries = [e for e in header.split(",") if e.strip()]
    # The last proxy's own peer is REMOTE_ADDR; the entry that proxy appended is entries[-1], and so
    # on: with N proxies, the client as the outermost proxy saw it is entries[-N].
    if len(entries) < hops:
        return _valid_ip(entries[0]) if entries else remote
    return _valid_ip(entries[-hops]) or remote
