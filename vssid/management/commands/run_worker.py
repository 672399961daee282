"""The background worker: django-tasks-db's db_worker, made to survive a busy database.

db_worker opens each poll with an exclusive transaction. On the embedded SQLite database that
BEGIN waits for the single write lock; when the web process holds it longer than the busy
timeout, sqlite3 raises "database is locked" outside db_worker's own handler and the worker
exits, after which no SMS leaves. This worker treats a locked database as "try again shortly",
records a heartbeat every few seconds (/healthz reports a silent worker), and is otherwise the
same loop with the same options (`--batch`, `--interval`, `--queue-name`, …).
"""

from __future__ import annotations

import logging
import random
import time
from typing import Any

from django.db import DatabaseError, OperationalError, close_old_connections
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from vssid.heartbeat import Beater, forget_old_heartbeats

logger = logging.getLogger("vssid.worker")

LOCKED_BACKOFF_MAX = 5.0  # seconds; a lock held longer than that is a bug elsewhere, but we wait it out


class RobustWorker(Worker):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.beater = Beater("worker", self.worker_id)
        self._locked_in_a_row = 0

    def _claim_next(self) -> DBTaskResult[Any, Any] | None:
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        with exclusive_transaction(tasks.db):
            task_result = tasks.get_locked()
            if task_result is not None:
                task_result.claim(self.worker_id)
        return task_result

    def _wait_after_lock(self) -> None:
        self._locked_in_a_row += 1
        delay = min(LOCKED_BACKOFF_MAX, 0.2 * 2 ** min(self._locked_in_a_row, 6)) * (0.5 + random.random() / 2)
        if self._locked_in_a_row in {1, 10} or self._locked_in_a_row % 100 == 0:
            logger.warning(
                "Database locked while looking for work (%s times in a row); waiting %.1f s", self._locked_in_a_row, delay
            )
        time.sleep(delay)

    def run(self) -> None:
        logger.info("Worker %s started (queues %s)", self.worker_id, ",".join(self.queue_names))
        if self.startup_delay and self.interval:
            time.sleep(random.random())  # several workers started together do not poll in step
        self.beater.beat(force=True)
        try:
            forget_old_heartbeats()
        except DatabaseError:
            logger.warning("Could not prune old heartbeats", exc_info=True)
        while self.running:
            close_old_connections()
            self.beater.beat()
            try:
                task_result = self._claim_next()
            except OperationalError as exc:
                if not is_locked_database_exception(exc):
                    raise
                close_old_connections()
                self._wait_after_lock()
                continue
            self._locked_in_a_row = 0
            if task_result is not None:
                try:
                    self.run_task(task_result)
                except DatabaseError:
                    # The task ran (or failed) but its result could not be written. The work
                    # itself is idempotent (outbox claims, expiry), so keep serving the queue.
                    logger.exception("Could not record the result of task %s", task_result.id)
                self.beater.beat()
            elif self.batch:
                logger.info("No more tasks to run for worker_id=%s - exiting gracefully.", self.worker_id)
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                logger.info("Ran the maximum of %d tasks; exiting", self._run_tasks)
                return
            close_old_connections()
            if self.running and task_result is None:
                time.sleep(self.interval)


class Command(DbWorkerCommand):
    help = "Run the background worker (db_worker that waits out a locked database and records a heartbeat)."

    def handle(  # type: ignore[override]
        self,
        *,
        verbosity: int,
        queue_name: str,
        interval: float,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        max_tasks: int | None,
        worker_id: str,
        exclude_queues: str,
        **options: Any,
    ) -> None:
        self.configure_logging(verbosity)
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        worker = RobustWorker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded,
        )
        worker.configure_signals()
        worker.run()
