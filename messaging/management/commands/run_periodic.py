"""Enqueue the periodic tasks of settings.PERIODIC_TASKS; the worker (db_worker) runs them.

django-tasks has no scheduler of its own. This loop only enqueues, so it stays tiny and the work
itself gets the worker's logging and results. Running two of them is harmless (each periodic task
is idempotent), merely wasteful.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from dataclasses import dataclass
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections
from django.utils.module_loading import import_string
from django_tasks import TaskResult, TaskResultStatus
from django_tasks.base import Task
from django_tasks.exceptions import TaskResultDoesNotExist

from vssid.heartbeat import HEARTBEAT_EVERY, Beater

logger = logging.getLogger(__name__)


@dataclass
class Periodic:
    path: str
    task: Task[Any, Any]
    interval: float
    next_due: float = 0.0  # time.monotonic(); 0 runs it at start
    last: TaskResult[Any] | None = None

    def still_waiting(self) -> bool:
        """The previous run has not started: a stopped worker must not find a pile of them."""
        if self.last is None or not self.task.get_backend().supports_get_result:
            return False
        try:
            self.last.refresh()
        except TaskResultDoesNotExist:  # pruned
            return False
        return self.last.status == TaskResultStatus.READY


class Schedule:
    def __init__(self, entries: list[tuple[str, int | float]]) -> None:
        self.entries: list[Periodic] = []
        for path, interval in entries:
            try:
                task = import_string(path)
            except ImportError as exc:
                raise CommandError(f"PERIODIC_TASKS: cannot import {path!r}.") from exc
            if not isinstance(task, Task):
                raise CommandError(f"PERIODIC_TASKS: {path!r} is not a django-tasks task (decorate it with @task).")
            if interval <= 0:
                raise CommandError(f"PERIODIC_TASKS: the interval of {path!r} must be a positive number of seconds.")
            self.entries.append(Periodic(path=path, task=task, interval=float(interval)))

    def run_due(self, now: float) -> list[str]:
        """Enqueue every entry whose time has come; the paths enqueued."""
        enqueued = []
        for entry in self.entries:
            if entry.next_due > now:
                continue
            entry.next_due = now + entry.interval
            if entry.still_waiting():
                logger.warning("Not enqueueing %s: the previous run is still waiting for a worker", entry.path)
                continue
            entry.last = entry.task.enqueue()
            logger.info("Enqueued %s (task result %s)", entry.path, entry.last.id)
            enqueued.append(entry.path)
        return enqueued

    def seconds_to_next(self, now: float) -> float:
        return max(0.0, min((entry.next_due for entry in self.entries), default=60.0) - now)


class Command(BaseCommand):
    help = "Enqueue the tasks of settings.PERIODIC_TASKS when they are due (runs beside db_worker)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Enqueue every periodic task once, then exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        schedule = Schedule(list(settings.PERIODIC_TASKS))
        beater = Beater("periodic")
        stop = threading.Event()

        def on_sigterm(signum: int, frame: FrameType | None) -> None:
            stop.set()  # finish the current round; never cut an enqueue in half

        previous = signal.signal(signal.SIGTERM, on_sigterm)
        logger.info("Periodic tasks: %s", ", ".join(f"{e.path} every {e.interval:g} s" for e in schedule.entries) or "none")
        try:
            while not stop.is_set():
                # A long-lived process: drop connections past CONN_MAX_AGE or broken, as requests do.
                close_old_connections()
                beater.beat()
                schedule.run_due(time.monotonic())
                if options["once"]:
                    break
                # Wake up often enough to keep the heartbeat fresh even between rare tasks.
                stop.wait(min(schedule.seconds_to_next(time.monotonic()), HEARTBEAT_EVERY))
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
            close_old_connections()
        logger.info("Periodic tasks stopped")
