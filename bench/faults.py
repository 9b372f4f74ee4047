"""Fault drills against a running Attest stack: kill the worker, stop Redis, hang Redis, restart
PostgreSQL, each while people work, and count what was lost.

Run it against `make run` (with emails kept as files, so they can be counted):

    EMAIL_FILE_PATH=.data/emails make run            # in one terminal
    .venv/bin/python bench/faults.py                  # in another

It signs in as the demo learner and assessor, works through the web pages during each fault,
and prints one line per fault: injected, survived, rows lost, files lost, tasks lost, emails
sent twice. The exit code is 1 if anything was lost or a fault was not survived.
`tests/test_faults.py` runs the same drills against a stack of its own.
"""

from __future__ import annotations

import argparse
import collections
import email
import os
import re
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
LEARNER, ASSESSOR = "learner@demo.test", "assessor@demo.test"
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


# --- the stack ---------------------------------------------------------------------------------


@dataclass
class Stack:
    url: str
    data_dir: Path
    email_dir: Path

    def pid(self, name: str) -> int:
        files = {"postgres": "postgres/postmaster.pid", "redis": "redis/redis.pid"}
        return int((self.data_dir / files.get(name, f"stack/{name}.pid")).read_text().split()[0])

    def signal(self, name: str, sig: int, *, group: bool = False) -> int:
        pid = self.pid(name)
        if group:
            os.killpg(os.getpgid(pid), sig)
        else:
            os.kill(pid, sig)
        return pid

    def sql(self, query: str, params: tuple = ()) -> list[tuple]:
        with psycopg.connect(host=str(self.data_dir / "postgres"), dbname="attest", user="attest_app",
                             connect_timeout=5) as conn:
            return conn.execute(query, params).fetchall()

    def health(self) -> tuple[int, dict, float]:
        started = time.monotonic()
        try:
            response = requests.get(self.url + "healthz", timeout=10)
            return response.status_code, response.json(), time.monotonic() - started
        except (requests.RequestException, ValueError) as exc:
            return 0, {"error": str(exc)}, time.monotonic() - started

    def wait(self, condition: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if condition():
                    return
            except (psycopg.Error, requests.RequestException, OSError):
                pass
            time.sleep(0.5)
        raise TimeoutError(f"waited {timeout:.0f} s for {what}")

    def healthy(self, timeout: float = 120) -> None:
        self.wait(lambda: self.health()[0] == 200, timeout, "every service to be healthy")

    def emails_per_notification(self) -> collections.Counter:
        sent: collections.Counter = collections.Counter()
        if not self.email_dir.exists():
            return sent
        for path in self.email_dir.iterdir():
            for part in re.split(rb"\n-{79}\n", path.read_bytes()):
                message = email.message_from_bytes(part.strip())
                if message["X-Attest-Notification"]:
                    sent[int(message["X-Attest-Notification"])] += 1
        return sent

    def snapshot(self) -> dict[str, int]:
        tables = ["evidence_evidence", "evidence_evidenceversion", "assessment_evidenceassessment",
                  "notifications_notification", "audit_auditevent", "evidence_storedfile"]
        return {table: self.sql(f"SELECT count(*) FROM {table}")[0][0] for table in tables}

    def files_missing(self) -> int:
        media = self.data_dir / "media"
        return sum(1 for (key, size) in self.sql("SELECT key, size FROM evidence_storedfile")
                   if not (media / key).exists() or (media / key).stat().st_size != size)


# --- people using the pages ----------------------------------------------------------------------


@dataclass
class Person:
    stack: Stack
    email: str
    password: str
    session: requests.Session = field(default_factory=requests.Session)

    def _form(self, path: str) -> dict[str, str]:
        page = self.session.get(self.stack.url + path.lstrip("/"), timeout=10)
        page.raise_for_status()
        return dict(HIDDEN.findall(page.text))

    def post(self, path: str, data: dict) -> tuple[requests.Response, float]:
        started = time.monotonic()
        fields = self._form(path) | data
        response = self.session.post(self.stack.url + path.lstrip("/"), data=fields, timeout=30,
                                     headers={"Referer": self.stack.url + path.lstrip("/")})
        return response, time.monotonic() - started

    def sign_in(self) -> float:
        self.session = requests.Session()
        response, seconds = self.post("accounts/login/", {"login": self.email, "password": self.password})
        if response.status_code != 200 or "Sign Out" not in response.text and "Sign out" not in response.text:
            raise RuntimeError(f"{self.email} could not sign in ({response.status_code})")
        return seconds

    def add_and_submit(self, enrolment: int, title: str, name: str) -> tuple[int, float]:
        """A learner's submission: the draft, then the signed declaration. Returns the new
        evidence's id and the slowest step's seconds."""
        response, first = self.post(f"portfolio/enrolments/{enrolment}/evidence/new/", {
            "title": title, "evidence_date": time.strftime("%Y-%m-%d"), "method": "work_product",
            "context": "real_work", "text": f"{title}: what I did, step by step.",
        })
        found = re.search(r"/portfolio/evidence/(\d+)/", response.url)
        if response.status_code != 200 or not found:
            raise RuntimeError(f"saving “{title}” answered {response.status_code} at {response.url}")
        evidence = int(found.group(1))
        response, second = self.post(f"portfolio/evidence/{evidence}/submit/", {"agree": "on", "declared_name": name})
        if response.status_code != 200 or "Submitted" not in response.text:
            raise RuntimeError(f"submitting “{title}” answered {response.status_code}")
        return evidence, max(first, second)

    def refer_back(self, evidence: int, name: str) -> float:
        """An assessor's decision: refer the evidence back with feedback, signed."""
        response, seconds = self.post(f"assessment/evidence/{evidence}/", {
            "outcome": "referred", "feedback": "Say what the customer asked for, then resubmit.", "signed_name": name,
        })
        if response.status_code != 200 or "referred back" not in response.text:
            raise RuntimeError(f"referring evidence {evidence} answered {response.status_code}")
        return seconds


# --- the drills ------------------------------------------------------------------------------------


@dataclass
class Outcome:
    fault: str
    injected: bool = False
    survived: bool = False
    rows_lost: int = 0
    files_lost: int = 0
    tasks_lost: int = 0
    emails_twice: int = 0
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (f"{self.fault:<34} injected={'yes' if self.injected else 'no':<3} "
                f"survived={'yes' if self.survived else 'NO':<3} rows lost={self.rows_lost} "
                f"files lost={self.files_lost} tasks lost={self.tasks_lost} emails sent twice={self.emails_twice}"
                + (f"  ({'; '.join(self.notes)})" if self.notes else ""))

    @property
    def ok(self) -> bool:
        return self.injected and self.survived and not (self.rows_lost or self.files_lost or self.tasks_lost
                                                        or self.emails_twice)


class Drills:
    def __init__(self, stack: Stack, password: str):
        self.stack = stack
        self.learner = Person(stack, LEARNER, password)
        self.assessor = Person(stack, ASSESSOR, password)
        row = stack.sql(
            "SELECT e.id, l.full_name FROM learners_enrolment e JOIN learners_learner l ON l.id = e.learner_id "
            "JOIN accounts_user u ON u.id = l.user_id WHERE u.email = %s ORDER BY e.id LIMIT 1", (LEARNER,))
        self.enrolment, self.learner_name = row[0]
        self.assessor_name = stack.sql("SELECT full_name FROM accounts_user WHERE email = %s", (ASSESSOR,))[0][0]
        self.counter = 0

    def _work(self, outcome: Outcome, *, pairs: int, limit: float) -> list[int]:
        """People carry on: `pairs` submissions, each referred back (2 notifications a pair).
        Each page must answer within `limit` seconds. Returns the notifications made."""
        before = self.stack.sql("SELECT coalesce(max(id), 0) FROM notifications_notification")[0][0]
        slowest = 0.0
        for _ in range(pairs):
            self.counter += 1
            evidence, seconds = self.learner.add_and_submit(self.enrolment, f"Drill {self.counter}", self.learner_name)
            slowest = max(slowest, seconds, self.assessor.refer_back(evidence, self.assessor_name))
        outcome.notes.append(f"slowest page {slowest:.1f} s")
        if slowest > limit:
            raise RuntimeError(f"a page took {slowest:.1f} s (limit {limit:.0f} s)")
        return [row[0] for row in self.stack.sql(
            "SELECT id FROM notifications_notification WHERE id > %s ORDER BY id", (before,))]

    def _settle(self, outcome: Outcome, notifications: list[int], before: dict[str, int], timeout: float = 120) -> None:
        """After the fault: nothing committed is gone, every email went out once."""
        self.stack.healthy(timeout)
        after = self.stack.snapshot()
        outcome.rows_lost = sum(max(0, before[t] - after[t]) for t in before)
        outcome.files_lost = self.stack.files_missing()
        def done() -> bool:
            waiting = self.stack.sql("SELECT count(*) FROM core_outboxmessage WHERE dispatched_at IS NULL")[0][0]
            sent = self.stack.emails_per_notification()
            return not waiting and all(sent[n] >= 1 for n in notifications)

        try:
            self.stack.wait(done, timeout, f"the outbox to empty and the {len(notifications)} notification emails")
        except TimeoutError:
            pass
        sent = self.stack.emails_per_notification()
        outcome.tasks_lost = sum(1 for n in notifications if sent[n] == 0)
        outcome.tasks_lost += self.stack.sql("SELECT count(*) FROM core_outboxmessage WHERE dispatched_at IS NULL")[0][0]
        outcome.emails_twice = sum(1 for n in notifications if sent[n] > 1)
        outcome.survived = True

    def _drill(self, name: str, run: Callable[[Outcome], None]) -> Outcome:
        outcome = Outcome(name)
        try:
            self.learner.sign_in()
            self.assessor.sign_in()
            run(outcome)
        except Exception as exc:  # a drill reports what went wrong; the others still run
            outcome.survived = False
            outcome.notes.append(f"{type(exc).__name__}: {exc}")
        return outcome

    def worker_killed(self) -> Outcome:
        def run(outcome: Outcome) -> None:
            before = self.stack.snapshot()
            old = self.stack.signal("worker", signal.SIGKILL, group=True)
            outcome.injected = True
            notifications = self._work(outcome, pairs=1, limit=5)  # queued while the worker is down
            self.stack.wait(lambda: self.stack.pid("worker") != old, 60, "the worker to be restarted")
            self._settle(outcome, notifications, before)
        return self._drill("worker killed (SIGKILL, group)", run)

    def redis_stopped(self) -> Outcome:
        def run(outcome: Outcome) -> None:
            before = self.stack.snapshot()
            port = (self.stack.data_dir / "redis" / "port").read_text()
            # Work queued in Redis while no worker takes it, then Redis stopped: it must come back.
            self.stack.signal("worker", signal.SIGSTOP, group=True)
            try:
                notifications = self._work(outcome, pairs=1, limit=5)
                self.stack.signal("redis", signal.SIGTERM)
                outcome.injected = True
                notifications += self._work(outcome, pairs=1, limit=5)  # during the outage
            finally:
                self.stack.signal("worker", signal.SIGCONT, group=True)
            self._settle(outcome, notifications, before)
            if (self.stack.data_dir / "redis" / "port").read_text() != port:
                raise RuntimeError("Redis came back on another port")
        return self._drill("Redis stopped (SIGTERM)", run)

    def redis_hung(self) -> Outcome:
        def run(outcome: Outcome) -> None:
            before = self.stack.snapshot()
            self.stack.signal("redis", signal.SIGSTOP)
            outcome.injected = True
            try:
                notifications = self._work(outcome, pairs=2, limit=5)  # 4 notifications during the outage
                status, body, seconds = self.stack.health()
                outcome.notes.append(f"/healthz {status} in {seconds:.1f} s")
                if seconds > 2.5 or status != 503:
                    raise RuntimeError(f"/healthz answered {status} in {seconds:.1f} s while Redis hung")
                outcome.notes.append(f"sign-in {self.learner.sign_in():.1f} s")
            finally:
                self.stack.signal("redis", signal.SIGCONT)
            self._settle(outcome, notifications, before)
        return self._drill("Redis hung (SIGSTOP)", run)

    def postgres_restarted(self) -> Outcome:
        def run(outcome: Outcome) -> None:
            before = self.stack.snapshot()
            # Held down for a few seconds (as for maintenance), so people meet the outage.
            hold = self.stack.data_dir / "stack" / "hold-postgres"
            hold.parent.mkdir(parents=True, exist_ok=True)
            hold.touch()
            old = self.stack.signal("postgres", signal.SIGTERM)  # a smart shutdown: waits for connections
            outcome.injected = True
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                try:
                    os.kill(old, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)
            else:
                raise RuntimeError("PostgreSQL did not finish shutting down within 20 s (an idle connection?)")
            # Until it is back, a signed-in person sees "temporarily unavailable", never a
            # sign-in page or an error.
            seen: collections.Counter = collections.Counter()
            try:
                for _ in range(5):
                    page = self.learner.session.get(self.stack.url + f"portfolio/enrolments/{self.enrolment}/",
                                                     timeout=10, allow_redirects=False)
                    seen[page.status_code] += 1
                    time.sleep(0.5)
            finally:
                hold.unlink()
            outcome.notes.append("pages while restarting " + ", ".join(f"{n}×{code}" for code, n in sorted(seen.items())))
            if set(seen) != {503}:
                raise RuntimeError(f"while PostgreSQL was down a signed-in person got {dict(seen)}")
            self.stack.healthy(60)
            page = self.learner.session.get(self.stack.url + f"portfolio/enrolments/{self.enrolment}/", timeout=10,
                                            allow_redirects=False)
            if page.status_code != 200:
                raise RuntimeError(f"after the restart the learner's page answered {page.status_code} (session lost?)")
            notifications = self._work(outcome, pairs=1, limit=5)
            self._settle(outcome, notifications, before)
        return self._drill("PostgreSQL restarted (SIGTERM)", run)

    def all(self) -> list[Outcome]:
        return [self.worker_killed(), self.redis_stopped(), self.redis_hung(), self.postgres_restarted()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/")
    parser.add_argument("--data-dir", default=os.environ.get("ATTEST_DATA_DIR", str(ROOT / ".data")))
    parser.add_argument("--email-dir", default=os.environ.get("EMAIL_FILE_PATH", str(ROOT / ".data" / "emails")))
    parser.add_argument("--password", default=os.environ.get("DEMO_PASSWORD", "attest-demo"))
    args = parser.parse_args(argv)
    stack = Stack(url=args.url.rstrip("/") + "/", data_dir=Path(args.data_dir), email_dir=Path(args.email_dir))
    stack.healthy(30)
    outcomes = Drills(stack, args.password).all()
    for outcome in outcomes:
        print(outcome.line())
    return 0 if all(o.ok for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
