"""Runs the web server, the worker and the periodic enqueuer together, and keeps them running.

`make run` needs three processes. If the worker or the enqueuer exits (a crash, the OOM killer,
a kill -9), nothing else would notice and SMS would silently stop leaving. The supervisor
restarts them with a growing delay (1 s, 2 s, 4 s … up to a minute, back to 1 s after a minute of
good running) and logs each exit. The web server is the foreground: when it stops, or on Ctrl-C /
SIGTERM, everything stops.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import FrameType

logger = logging.getLogger("vssid.supervisor")

BACKOFF_FIRST = 1.0
BACKOFF_MAX = 60.0
STABLE_AFTER = 60.0  # seconds of running after which the next exit starts the backoff again
STOP_GRACE = 10.0  # seconds between SIGTERM and SIGKILL at shutdown


@dataclass
class Program:
    name: str
    argv: Sequence[str]
    restart: bool = True  # False: its exit stops everything (the web server)
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restart_at: float | None = None
    delay: float = BACKOFF_FIRST
    restarts: int = 0


class Supervisor:
    def __init__(
        self,
        programs: Sequence[Program],
        *,
        backoff_first: float = BACKOFF_FIRST,
        backoff_max: float = BACKOFF_MAX,
        stable_after: float = STABLE_AFTER,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.programs = list(programs)
        self.backoff_first, self.backoff_max, self.stable_after = backoff_first, backoff_max, stable_after
        self.clock = clock
        self.stopping = False
        for program in self.programs:
            program.delay = backoff_first

    def _start(self, program: Program) -> None:
        program.process = subprocess.Popen(program.argv)  # noqa: S603 - our own argv, no shell
        program.started_at = self.clock()
        program.restart_at = None
        logger.info("Started %s (pid %s)", program.name, program.process.pid)

    def _on_exit(self, program: Program, code: int) -> int | None:
        """Handle one exit; an exit code when everything must stop."""
        program.process = None
        if not program.restart:
            logger.warning("%s exited with code %s; stopping the others", program.name, code)
            return code
        ran = self.clock() - program.started_at
        if ran >= self.stable_after:
            program.delay = self.backoff_first
        program.restart_at = self.clock() + program.delay
        logger.error("%s exited with code %s after %.0f s; restarting in %.0f s", program.name, code, ran, program.delay)
        program.delay = min(self.backoff_max, program.delay * 2)
        return None

    def poll(self) -> int | None:
        """One round: reap exits and start what is due; an exit code when everything must stop."""
        for program in self.programs:
            if program.process is not None:
                code = program.process.poll()
                if code is not None:
                    result = self._on_exit(program, code)
                    if result is not None:
                        return result
            if program.process is None and program.restart_at is not None and self.clock() >= program.restart_at:
                program.restarts += 1
                self._start(program)
        return None

    def stop(self) -> None:
        self.stopping = True
        running = [(p.name, p.process) for p in self.programs if p.process is not None and p.process.poll() is None]
        for _, process in running:
            process.terminate()
        deadline = time.monotonic() + STOP_GRACE
        for name, process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                logger.warning("%s did not stop in %.0f s; killing it", name, STOP_GRACE)
                process.kill()
                process.wait()

    def run(self, *, tick: float = 0.5, until: Callable[[], bool] | None = None) -> int:
        """Start everything and supervise until the foreground program exits or a signal comes."""

        def on_signal(signum: int, frame: FrameType | None) -> None:
            self.stopping = True

        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
        code = 0
        try:
            for program in self.programs:
                self._start(program)
            while not self.stopping and not (until is not None and until()):
                result = self.poll()
                if result is not None:
                    code = result
                    break
                time.sleep(tick)
        finally:
            self.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return code
