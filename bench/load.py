"""A hundred people at once: learners and assessors clicking through Attest with 1–3 s between
clicks, against a server on this machine, for a bounded time. Reports requests per second and
p50/p95/p99 per page, and every error.

    .venv/bin/python bench/load.py --url http://127.0.0.1:8000/ --seconds 60 --plan plan.json

`bench/test_load.py` builds a college-sized centre, starts gunicorn on it and runs this. The
plan lists who signs in and which pages each one visits (see `Person`).
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import statistics
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlparse

import requests

HIDDEN = r'<input type="hidden" name="([^"]+)" value="([^"]*)"'


@dataclass
class Person:
    email: str
    password: str
    pages: dict[str, list[str]]  # page label -> paths it may visit (one is chosen per click)


@dataclass
class Sample:
    page: str
    status: int  # 0: no answer (see `error`)
    ms: float
    error: str = ""  # why there was no answer: the exception's name


@dataclass
class Result:
    seconds: float
    samples: list[Sample] = field(default_factory=list)
    sign_in_failures: int = 0

    def per_page(self) -> dict[str, dict[str, float]]:
        grouped: dict[str, list[Sample]] = defaultdict(list)
        for sample in self.samples:
            grouped[sample.page].append(sample)
        out = {}
        for page, rows in sorted(grouped.items()):
            times = sorted(s.ms for s in rows)
            out[page] = {
                "requests": len(rows),
                "errors": sum(1 for s in rows if s.status >= 400 or s.status == 0),
                "p50": _percentile(times, 50),
                "p95": _percentile(times, 95),
                "p99": _percentile(times, 99),
            }
        return out

    @property
    def rate(self) -> float:
        return len(self.samples) / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return sum(1 for s in self.samples if s.status >= 400 or s.status == 0) + self.sign_in_failures

    def report(self, goal_p95_ms: float = 300.0) -> str:
        failures = collections.Counter(s.error or s.status for s in self.samples if s.status >= 400 or s.status == 0)
        lines = [f"{len(self.samples)} requests in {self.seconds:.0f} s: {self.rate:.1f} requests/s, "
                 f"{self.errors} errors (goal 0), {self.sign_in_failures} failed sign-ins"
                 + (f"; failures by status or error: {dict(failures)}" if failures else "")]
        lines.append(f"{'page':<26}{'requests':>9}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}   p95/goal")
        for page, row in self.per_page().items():
            lines.append(f"{page:<26}{row['requests']:>9}{row['errors']:>8}{row['p50']:>9.0f}{row['p95']:>9.0f}"
                         f"{row['p99']:>9.0f}   {row['p95'] / goal_p95_ms:.2f}× of {goal_p95_ms:.0f} ms")
        return "\n".join(lines)


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    if len(sorted_values) == 1:
        return sorted_values[0]
    return statistics.quantiles(sorted_values, n=100, method="inclusive")[int(q) - 1]


def _sign_in(session: requests.Session, url: str, person: Person) -> bool:
    import re

    page = session.get(url + "accounts/login/", timeout=30)
    fields = dict(re.findall(HIDDEN, page.text))
    response = session.post(url + "accounts/login/", data=fields | {"login": person.email, "password": person.password},
                            headers={"Referer": url + "accounts/login/"}, timeout=30)
    return response.status_code == 200 and "sessionid" in session.cookies


@dataclass
class Clock:
    seconds: float
    stop_at: float = 0.0

    def start(self) -> None:  # run once, when everyone has signed in
        self.stop_at = time.monotonic() + self.seconds


def _visit(url: str, person: Person, clock: Clock, think: tuple[float, float], result: Result, lock: threading.Lock,
           start_gate: threading.Barrier) -> None:
    session = requests.Session()
    try:
        signed_in = _sign_in(session, url, person)
    except requests.RequestException:
        signed_in = False
    try:
        start_gate.wait(timeout=600)
    except threading.BrokenBarrierError:
        return
    if not signed_in:
        with lock:
            result.sign_in_failures += 1
        return
    rng = random.Random(person.email)
    time.sleep(rng.uniform(0, think[1]))  # people do not all click at the same instant
    labels = list(person.pages)
    while time.monotonic() < clock.stop_at:
        label = rng.choice(labels)
        path = rng.choice(person.pages[label])
        started = time.perf_counter()
        error = ""
        try:
            status = session.get(url + path.lstrip("/"), timeout=30, allow_redirects=False).status_code
        except requests.RequestException as exc:
            status, error = 0, f"{type(exc).__name__}: {exc}"[:120]
        sample = Sample(label, status, (time.perf_counter() - started) * 1000, error)
        with lock:
            result.samples.append(sample)
        time.sleep(rng.uniform(*think))


def run(url: str, people: list[Person], *, seconds: float = 60.0, think: tuple[float, float] = (1.0, 3.0)) -> Result:
    """Everyone signs in first (not measured), then clicks for `seconds`."""
    if urlparse(url).hostname != "127.0.0.1":
        raise ValueError("the load runs against this machine only (127.0.0.1)")
    url = url.rstrip("/") + "/"
    lock = threading.Lock()
    clock = Clock(seconds)
    gate = threading.Barrier(len(people), action=clock.start)  # the clock starts once all are in
    result = Result(seconds=seconds)
    threads = [
        threading.Thread(target=_visit, args=(url, person, clock, think, result, lock, gate), daemon=True)
        for person in people
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600 + seconds + 60)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000/")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--plan", required=True, help="JSON: [{email, password, pages: {label: [paths]}}]")
    args = parser.parse_args()
    with open(args.plan) as handle:
        people = [Person(**row) for row in json.load(handle)]
    print(run(args.url, people, seconds=args.seconds).report())


if __name__ == "__main__":
    main()
