"""run_periodic enqueues the configured tasks; the worker (here: the immediate backend) runs them."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from messaging.management.commands.run_periodic import Schedule
from messaging.services import queue_sms
from messaging.tests.conftest import OUTBOX_APPS, PHONE, TASKS_IMMEDIATE, sms_lines

pytestmark = pytest.mark.django_db
# The command runs in autocommit, as in production; inside a test transaction its
# close_old_connections() would close the test's connection.
as_in_production = pytest.mark.django_db(transaction=True, available_apps=OUTBOX_APPS)


@as_in_production
def test_once_enqueues_deliver_due_which_sends_what_is_due(
    sms_file: Path, settings: Any, caplog: pytest.LogCaptureFixture, restore_signals: None
) -> None:
    # A delivery task that is lost (the dummy backend keeps it in a list nobody runs): only the
    # periodic safety net can deliver the message.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}}
    with transaction.atomic():
        queue_sms(to=PHONE, kind="notice", body="Ho so dang ky cua ban da duoc tiep nhan.")
    assert sms_lines(sms_file) == []
    settings.TASKS = TASKS_IMMEDIATE
    with caplog.at_level(logging.INFO, logger="messaging"):
        call_command("run_periodic", "--once")
    assert [line["body"] for line in sms_lines(sms_file)] == ["Ho so dang ky cua ban da duoc tiep nhan."]
    assert "Enqueued messaging.tasks.deliver_due" in caplog.text


def test_the_database_queue_gets_one_waiting_run_per_task_not_a_pile(settings: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.PERIODIC_TASKS = [("messaging.tasks.deliver_due", 60)]
    schedule = Schedule(settings.PERIODIC_TASKS)
    assert schedule.run_due(now=1000.0) == ["messaging.tasks.deliver_due"]
    assert schedule.run_due(now=1030.0) == []  # not due yet
    assert schedule.run_due(now=1061.0) == []  # due, but the first run still waits for a worker
    assert DBTaskResult.objects.filter(task_path="messaging.tasks.deliver_due", status="READY").count() == 1
    DBTaskResult.objects.update(status="SUCCESSFUL")
    assert schedule.run_due(now=1122.0) == ["messaging.tasks.deliver_due"]
    assert schedule.seconds_to_next(now=1122.0) == 60.0


@pytest.mark.parametrize(
    "entries",
    [
        [("messaging.tasks.nothing_here", 60)],
        [("messaging.services.deliver_due_messages", 60)],
        [("messaging.tasks.deliver_due", 0)],
    ],
)
def test_a_bad_entry_stops_the_command_at_start(settings: Any, entries: list[tuple[str, int]]) -> None:
    settings.PERIODIC_TASKS = entries
    with pytest.raises(CommandError, match="PERIODIC_TASKS"):
        call_command("run_periodic", "--once")


@as_in_production
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_it_stops_cleanly_on_sigterm_and_ctrl_c(
    sms_file: Path, settings: Any, caplog: pytest.LogCaptureFixture, restore_signals: None, stop: int
) -> None:
    settings.TASKS = TASKS_IMMEDIATE
    previous = signal.getsignal(signal.SIGTERM)
    # Sent while the loop sleeps until the next minute.
    timer = threading.Timer(0.5, os.kill, (os.getpid(), stop))
    started = time.monotonic()
    timer.start()
    with caplog.at_level(logging.INFO, logger="messaging"):
        call_command("run_periodic")
    timer.join()
    assert time.monotonic() - started < 10
    assert "Periodic tasks stopped" in caplog.text
    assert signal.getsignal(signal.SIGTERM) is previous
