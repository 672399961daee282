from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from accounts.models import User
from accounts.services import issue_tokens
from conftest import AS_OF
from registry.cardformat import build_card_number

COUNTER = "bachmai.tiepdon"
OFFICER = {"hoTenCb": "Phạm Thu Hà", "cccdCb": "001185001234"}
BINH_CARD = build_card_number("DN", 4, "01", "0198765432")
BINH = {"maThe": BINH_CARD, "hoTen": "Trần Thị Bình", "ngaySinh": "03/11/1992"}


@pytest.fixture(autouse=True)
def on_seed_day(db: None) -> Iterator[None]:
    """The demo register's dates follow the seed's day; the checks run on it."""
    with time_machine.travel(dt.datetime.combine(AS_OF, dt.time(9, 30), tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")), tick=True):
        yield


def token_for(username: str) -> str:
    return issue_tokens(User.objects.get(username=username)).access_token


@pytest.fixture
def facility_token() -> str:
    return token_for(COUNTER)


def check(client: Client, token: str, body: dict[str, Any]) -> Any:
    return client.post(
        "/api/v1/card-check", data=json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
