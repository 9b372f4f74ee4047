"""Keeping the local stack up: each process is restarted when it dies, with back-off, and the
rest carry on. Plain Python (subprocess and signals), so it knows nothing of what it runs.

Each child runs in a process group of its own: killing a worker and its pool's children
together (as an operator or a crash would) touches nothing else, and Ctrl-C reaches only the
supervisor, which then stops everyone in order.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

FIRST_DELAY = 1.0
MAX_DELAY = 30.0
STEADY_AFTER = 60.0  # a child up this long is healthy again: its next restart is quick


@dataclass
class Child:
    name: str
    command: list[str]
    env: dict[str, str] | None = None
    pid_file: Path | None = None  # where an operator (or the fault script) finds it
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    delay: float = FIRST_DELAY
    restart_at: float | None = None
    restarts: int = 0

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, env=self.env, start_new_session=True)
        self.started_at = time.monotonic()
        self.restart_at = None
        if self.pid_file is not None:
            self.pid_file.parent.mkdir(parents=True, exist_ok=True)
            self.pid_file.write_text(str(self.process.pid))

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 20.0) -> None:
        if not self.running:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@dataclass
class Service:
    """Something the supervisor checks and brings back, but does not start as a child (the
    embedded PostgreSQL and Redis, which outlive processes by design)."""

    name: str
    is_up: Callable[[], bool]
    bring_up: Callable[[], object]
    hold_file: Path | None = None  # while it exists, the service is left down (maintenance)
    delay: float = FIRST_DELAY
    retry_at: float = 0.0


@dataclass
class Supervisor:
    children: list[Child]
    services: list[Service] = field(default_factory=list)
    say: Callable[[str], None] = print
    stopping: bool = False

    def start(self) -> None:
        for child in self.children:
            child.start()

    def watch_once(self) -> None:
        now = time.monotonic()
        for service in self.services:
            if now < service.retry_at or service.is_up():
                continue
            if service.hold_file is not None and service.hold_file.exists():
                continue  # held down on purpose
            self.say(f"{service.name} is down; bringing it back")
            try:
                service.bring_up()
                service.delay = FIRST_DELAY
            except Exception as exc:  # keep trying, a little less often each time
                self.say(f"{service.name} did not come back ({exc}); trying again in {service.delay:.0f} s")
                service.retry_at = now + service.delay
                service.delay = min(MAX_DELAY, service.delay * 2)
        for child in self.children:
            if child.running:
                if now - child.started_at > STEADY_AFTER:
                    child.delay = FIRST_DELAY
                continue
            if child.restart_at is None:
                code = child.process.returncode if child.process else None
                child.restart_at = now + child.delay
                self.say(f"{child.name} stopped (exit {code}); restarting in {child.delay:.0f} s")
                child.delay = min(MAX_DELAY, child.delay * 2)
            elif now >= child.restart_at:
                child.restarts += 1
                child.start()
                self.say(f"{child.name} restarted")

    def run(self, *, interval: float = 0.5) -> None:
        while not self.stopping:
            self.watch_once()
            time.sleep(interval)

    def stop(self) -> None:
        self.stopping = True
        for child in reversed(self.children):
            child.stop()
