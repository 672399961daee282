"""The full BHXH code by SMS for someone who forgot it: never on the screen, once a day per person."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from registry.tests.factories import PersonFactory
from vssid.testing import sms_lines

pytestmark = pytest.mark.django_db

LOOKUP = "/tra-cuu/ma-so-bhxh/"
SEND = "/tra-cuu/ma-so-bhxh/gui-sms/"


@pytest.fixture(autouse=True)
def sms_file(settings: Any, tmp_path: Path) -> None:
    """Every SMS of the test lands in its own file, read back by sms_lines."""
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = tmp_path / "sms.jsonl"


def offer_token(page: str) -> str:
    match = re.search(r'name="token" value="([^"]+)"', page)
    assert match, "no SMS offer on the page"
    return match.group(1)


def test_the_full_code_goes_to_the_phone_on_file_once_a_day_never_to_the_screen(client: Client) -> None:
    person = PersonFactory(phone="+84901234567")
    page = client.post(LOOKUP, {"cccd": person.cccd}).content.decode()
    assert person.ssn not in page and "090****567" in page
    token = offer_token(page)
    assert person.ssn not in token  # signed, not encrypted: it names the row, not the code

    sent = client.post(SEND, {"token": token})
    assert sent.status_code == 200 and "090****567" in sent.content.decode() and person.ssn not in sent.content.decode()
    texts = [line["body"] for line in sms_lines() if line["to"] == "+84901234567"]
    assert len(texts) == 1 and person.ssn in texts[0]

    # Asked again (another tab, another address): the same answer, no second SMS.
    again = Client(REMOTE_ADDR="203.0.113.9").post(SEND, {"token": token})
    assert again.status_code == 200
    assert len([line for line in sms_lines() if line["to"] == "+84901234567"]) == 1


def test_an_altered_token_is_refused_and_sends_nothing(client: Client) -> None:
    person = PersonFactory(phone="+84901234568")
    token = offer_token(client.post(LOOKUP, {"cccd": person.cccd}).content.decode())
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for value in (forged, "", "x" * 5000):
        response = client.post(SEND, {"token": value})
        assert response.status_code == 400 and "Hãy tra cứu lại" in response.content.decode()
    assert not [line for line in sms_lines() if line["to"] == "+84901234568"]
    assert client.get(SEND).status_code == 405


def test_no_offer_without_a_phone_on_file(client: Client) -> None:
    person = PersonFactory(phone="")
    page = client.post(LOOKUP, {"cccd": person.cccd}).content.decode()
    assert "Kết quả" in page and 'name="token"' not in page
