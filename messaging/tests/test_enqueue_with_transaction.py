"""The delivery task of an outbox row: stored in the row's transaction with the database backend,
handed over after the commit with any other."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from messaging.models import Message, Status
from messaging.services import queue_sms
from messaging.tests.conftest import OUTBOX_APPS, PHONE, TASKS_IMMEDIATE

pytestmark = pytest.mark.django_db


def deliveries() -> list[Any]:
    return list(DBTaskResult.objects.filter(task_path="messaging.tasks.deliver").values_list("args_kwargs", flat=True))


def test_the_database_backend_stores_the_task_with_the_message_or_not_at_all() -> None:
    with transaction.atomic():
        message = queue_sms(to=PHONE, kind="notice", body="VssID: kept")
        assert deliveries() == [{"args": [message.pk], "kwargs": {}}]  # before any commit: the same transaction
    with pytest.raises(RuntimeError), transaction.atomic():
        queue_sms(to=PHONE, kind="notice", body="VssID: rolled back")
        raise RuntimeError
    assert deliveries() == [{"args": [message.pk], "kwargs": {}}]
    assert Message.objects.count() == 1


@pytest.mark.django_db(transaction=True, available_apps=OUTBOX_APPS)
def test_another_backend_gets_the_task_once_the_message_has_committed(settings: Any, sms_file: Any) -> None:
    settings.TASKS = TASKS_IMMEDIATE
    with transaction.atomic():
        message = queue_sms(to=PHONE, kind="notice", body="VssID: after the commit")
        assert Message.objects.get(pk=message.pk).status == Status.PENDING  # not run inside the transaction
    # Run at once by the immediate backend, once committed.
    assert Message.objects.get(pk=message.pk).status == Status.SENT
    assert not deliveries()
