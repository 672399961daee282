"""SMS senders behind settings.SMS_BACKEND (design.md §4): console, file, smpp, http.

Each sender either hands the message to its destination or raises one of two errors, and which
one matters, because a password or OTP must never reach the citizen twice:

- DeliveryError: the gateway certainly did not take the message (we could not connect, it refused
  the login, or it answered with a refusal). The outbox retries the same message later.
- UncertainDeliveryError: the request was sent and no clear answer came back (a timeout or a
  dropped connection while waiting, a garbled or proxy error answer), so the SMS may be on its way.
  The outbox sends a message without a secret again (at least once) but replaces a password or OTP
  with a new one instead (messaging.delivery).

Any other exception from send() counts as uncertain for a secret. E-mail goes through Django's
EMAIL_BACKEND.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import http.client
import json
import logging
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import smpplib.client  # type: ignore[import-untyped]
import smpplib.consts  # type: ignore[import-untyped]
import smpplib.exceptions  # type: ignore[import-untyped]
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

HTTP_TIMEOUT = 10  # seconds; a worker must not hang on a gateway that accepts and never answers
SMPP_TIMEOUT = 10


class DeliveryError(Exception):
    """The gateway did not take the message. The text never holds the body or the recipient."""


class UncertainDeliveryError(DeliveryError):
    """The gateway may have taken the message: the request went out and no clear answer came back."""


# A gateway's own refusals; other 5xx come from proxies in front of it (502, 504) or from a
# gateway that failed halfway (500), when the SMS may already be queued at the operator.
HTTP_REFUSED_5XX = frozenset({501, 503, 505})


@dataclass(frozen=True)
class Sms:
    to: str  # E.164, "+84…"
    kind: str
    body: str
    created_at: dt.datetime


class SmsBackend(Protocol):
    def send(self, sms: Sms) -> None: ...


class ConsoleBackend:
    """Development only: one line on stdout, so the OTP can be read in the terminal of `make run`."""

    def send(self, sms: Sms) -> None:
        sys.stdout.write(f"SMS to {sms.to} [{sms.kind}]: {sms.body}\n")
        sys.stdout.flush()


class FileBackend:
    """Appends one JSON object per line to SMS_FILE_PATH: the contract other programs read."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, sms: Sms) -> None:
        line = json.dumps(
            {"to": sms.to, "kind": sms.kind, "body": sms.body, "created_at": sms.created_at.isoformat()},
            ensure_ascii=False,
        )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as fh:
            # Several workers append to the same file; the lock keeps each line whole.
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                fh.write(line + "\n")
                fh.flush()
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


class SmppBackend:
    """The operator's SMSC over SMPP 3.4: bind as transmitter, submit_sm, unbind, per message.

    One connection per message keeps the worker stateless; at our volume (a few SMS a minute per
    office) the bind costs less than keeping a session alive and answering enquire_link.
    """

    def __init__(self, host: str, port: int, system_id: str, password: str, source_addr: str) -> None:
        if not host:
            raise ImproperlyConfigured("SMS_BACKEND=smpp needs SMPP_HOST.")
        self.host, self.port = host, port
        self.system_id, self.password, self.source_addr = system_id, password, source_addr

    def send(self, sms: Sms) -> None:
        # allow_unknown_opt_params: the SMSC may add vendor TLVs to its responses (SMPP 3.4 §3.2).
        client = smpplib.client.Client(self.host, self.port, timeout=SMPP_TIMEOUT, allow_unknown_opt_params=True)
        accepted: list[Any] = []
        client.set_message_sent_handler(lambda pdu, **kwargs: accepted.append(pdu))
        submitted = False  # once submit_sm is written out whole, the SMSC may deliver it
        try:
            client.connect()
            client.bind_transmitter(system_id=self.system_id, password=self.password)
            client.send_message(
                source_addr_ton=smpplib.consts.SMPP_TON_UNK if self.source_addr.isdigit() else smpplib.consts.SMPP_TON_ALNUM,
                source_addr_npi=smpplib.consts.SMPP_NPI_UNK,
                source_addr=self.source_addr,
                dest_addr_ton=smpplib.consts.SMPP_TON_INTL,
                dest_addr_npi=smpplib.consts.SMPP_NPI_ISDN,
                destination_addr=sms.to.removeprefix("+"),
                data_coding=smpplib.consts.SMPP_ENCODING_IA5,  # the body is checked to be ASCII
                short_message=sms.body.encode("ascii"),
            )
            submitted = True
            # read_once answers enquire_link and raises PDUError on an error status.
            while not accepted:
                client.read_once(auto_send_enquire_link=False)
        except smpplib.exceptions.PDUError as exc:
            # With a command status the SMSC said no (SMPP 3.4 §5.1.3); without one, the answer
            # was garbled and, after submit_sm, may have been a yes.
            if submitted and len(exc.args) < 2:
                raise UncertainDeliveryError("SMSC answer to submit_sm unreadable") from exc
            raise DeliveryError(f"SMSC refused: {exc.args[0] if exc.args else 'error status'}") from exc
        except (smpplib.exceptions.ConnectionError, OSError) as exc:
            # sendall() either wrote submit_sm whole or failed: a failure before `submitted` means
            # the SMSC never had a complete request; after it, only the answer was lost.
            if submitted:
                raise UncertainDeliveryError(f"SMSC did not answer submit_sm at {self.host}:{self.port}") from exc
            raise DeliveryError(f"SMSC unreachable at {self.host}:{self.port}") from exc
        else:
            try:
                client.unbind()
            except (smpplib.exceptions.PDUError, smpplib.exceptions.ConnectionError, OSError):
                # The message is accepted already; failing now would send it a second time.
                logger.warning("SMPP unbind failed after submit_sm was accepted", exc_info=True)
        finally:
            client.disconnect()


class HttpBackend:
    """A gateway that takes POST {"to", "kind", "body"} as JSON with a bearer token."""

    def __init__(self, url: str, token: str) -> None:
        if not url.startswith(("http://", "https://")):
            raise ImproperlyConfigured("SMS_BACKEND=http needs SMS_HTTP_URL (http:// or https://).")
        self.url, self.token = url, token

    def send(self, sms: Sms) -> None:
        request = urllib.request.Request(  # noqa: S310 (the scheme is checked in __init__)
            self.url,
            data=json.dumps({"to": sms.to, "kind": sms.kind, "body": sms.body}).encode(),
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:  # noqa: S310
                status: int = response.status
        except urllib.error.HTTPError as exc:
            exc.close()  # it holds the response socket
            raise _http_error(exc.code) from exc
        except urllib.error.URLError as exc:
            # urllib wraps only errors of connecting and writing the request in URLError: the
            # gateway never had the whole request (the body's length is in the header).
            raise DeliveryError(f"SMS gateway unreachable: {type(exc.reason).__name__}") from exc
        except (OSError, http.client.HTTPException) as exc:
            # Raised while waiting for or reading the answer: the request had gone out.
            raise UncertainDeliveryError(f"SMS gateway did not answer: {type(exc).__name__}") from exc
        if not 200 <= status < 300:
            raise _http_error(status)


def _http_error(status: int) -> DeliveryError:
    if status >= 500 and status not in HTTP_REFUSED_5XX:
        return UncertainDeliveryError(f"SMS gateway answered HTTP {status}")
    return DeliveryError(f"SMS gateway answered HTTP {status}")


BACKEND_NAMES = ("console", "file", "smpp", "http")


def get_sms_backend() -> SmsBackend:
    name = settings.SMS_BACKEND
    if name == "console":
        return ConsoleBackend()
    if name == "file":
        return FileBackend(Path(settings.SMS_FILE_PATH))
    if name == "smpp":
        return SmppBackend(
            settings.SMPP_HOST, settings.SMPP_PORT, settings.SMPP_SYSTEM_ID, settings.SMPP_PASSWORD, settings.SMPP_SOURCE_ADDR
        )
    if name == "http":
        return HttpBackend(settings.SMS_HTTP_URL, settings.SMS_HTTP_TOKEN)
    raise ImproperlyConfigured(f"SMS_BACKEND must be one of {', '.join(BACKEND_NAMES)}, not {name!r}.")
