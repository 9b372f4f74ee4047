"""The EQA pack of a centre of 500 learners, built without holding it in memory (issue 14).

The college of bench/generate.py, with the quality assurance of bench/test_iqa_coverage.py
(profiles, an approved strategy, a plan per IQA, samples signed, actions), an EQA and two grants
on its qualifications: one naming 500 learners, one naming 50 of them (the baseline, measured in
the same run), a sample request for three of the 50, and standardisation meetings. Each pack
is built in this process (not through a worker) exactly as the worker builds it: entry by entry
into a temporary file, then stored.

Printed per pack: wall time, the peak of Python's allocations (tracemalloc, in a second build,
since tracing slows everything down), the peak growth of the process's resident memory above
where it started (sampled every 10 ms), the ZIP's size and files; then the 500-learner figures
against the 50-learner ones with the goals: memory does not grow with learners (peak ≤ 1.5× the
baseline's; resident memory, whose growth after the warm-up is a few megabytes either way, within
that or 16 MB of the baseline's) and time at most linearly (≤ 10×, the learners' ratio). Only the
shape of the memory is asserted (tracemalloc's ratio); no time is asserted, the machine is shared
and noisy.

Each PDF of a long table holds a bounded number of rows (apps/eqa/packs.py), and what a PDF's
layout leaves behind is collected before the next one: without either, the 500-learner peak was
2.7× the baseline's.
"""

from __future__ import annotations

import gc
import os
import statistics
import threading
import time
import tracemalloc
from dataclasses import dataclass
from datetime import timedelta

import psutil
import pytest
from django.utils import timezone

from bench.test_iqa_coverage import _quality_assurance

MEMORY_GOAL = 1.5  # the 500-learner pack's peak against the 50-learner pack's
RSS_NOISE = 16 * 2**20  # resident memory this close to the baseline's is the allocator's noise
BIG, SMALL = 500, 50
pytestmark = pytest.mark.django_db


class RssPeak(threading.Thread):
    """The process's resident memory, sampled every 10 ms: the peak above where it started."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.process = psutil.Process()
        self.start_rss = self.peak = self.process.memory_info().rss
        self.running = True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.01)

    def stop(self) -> int:
        self.running = False
        self.join()
        return self.peak - self.start_rss


@dataclass
class Figures:
    learners: int
    enrolments: int
    seconds: float
    traced_peak: int
    rss_growth: int
    size: int
    files: int


def _mb(n: int) -> str:
    return f"{n / 2**20:7.1f} MB"


@pytest.fixture
def scopes(college, settings, tmp_path):
    """Two grants of the college's EQA (500 and 50 named learners), a sample request, meetings."""
    from apps.accounts.models import User
    from apps.centres.models import Membership
    from apps.eqa.models import RequestedLearner, SampleRequest
    from apps.iqa.models import Sample, StandardisationJudgement, StandardisationMeeting
    from apps.learners.models import Enrolment, ExternalAccess, Learner
    from apps.qualifications.models import Qualification

    settings.STORAGES = settings.STORAGES | {"default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path / "media"}}}
    settings.ATTEST_UPLOAD_TEMP_DIR = tmp_path / "uploads"
    _quality_assurance(college)
    centre, admin = college.centre_id, college.admin_user_id
    today = timezone.localdate()
    eqa = User.objects.create(email="bench-eqa@ao.example.test", full_name="Bench EQA")
    Membership.objects.create(centre_id=centre, user=eqa, is_eqa=True, eqa_expires_on=today + timedelta(days=30))
    # The learners with a signed sample first, so both grants name some and the request's three.
    sampled = list(Sample.objects.filter(centre_id=centre, signed_at__isnull=False).order_by("enrolment__learner_id")
                   .values_list("enrolment__learner_id", flat=True).distinct()[:SMALL // 2])
    others = list(Learner.objects.filter(centre_id=centre).exclude(pk__in=sampled).order_by("pk")
                  .values_list("pk", flat=True)[:BIG - len(sampled)])
    learners = sampled + others
    qualifications = list(Qualification.objects.filter(
        pk__in=Enrolment.objects.filter(learner_id__in=learners).values("qualification_id")))

    def grant(named: list[int]) -> ExternalAccess:
        made = ExternalAccess.objects.create(
            centre_id=centre, email=eqa.email, user=eqa, awarding_organisation=qualifications[0].awarding_organisation,
            starts_on=today - timedelta(days=1), ends_on=today + timedelta(days=29), created_by_id=admin)
        made.qualifications.set(qualifications)
        made.learners.set(named)
        return made

    big, small = grant(learners), grant(learners[:SMALL])
    requests = {}
    for g in (big, small):
        request = SampleRequest.objects.create(centre_id=centre, grant=g, requested_by=eqa,
                                               due_on=today + timedelta(days=14))
        for enrolment_id in Enrolment.objects.filter(learner_id__in=sampled[:3]).values_list("pk", flat=True):
            RequestedLearner.objects.create(request=request, enrolment_id=enrolment_id)
        requests[g.pk] = request
    staff = list(Membership.objects.filter(centre_id=centre, is_assessor=True).values_list("user_id", flat=True)[:8])
    for days, qualification in ((30, qualifications[0]), (120, None), (200, qualifications[-1])):
        meeting = StandardisationMeeting.objects.create(
            centre_id=centre, qualification=qualification, held_on=today - timedelta(days=days), facilitator_id=staff[0],
            exemplar="A call log from the archive", agreed_judgement="met", created_by_id=staff[0])
        StandardisationJudgement.objects.bulk_create(
            StandardisationJudgement(meeting=meeting, attendee_id=a, judgement="met" if i % 4 else "not_yet_met")
            for i, a in enumerate(staff))
    return {BIG: (big, requests[big.pk]), SMALL: (small, requests[small.pk])}


def _build(grant, request, *, traced: bool) -> tuple[float, int, int, int, int]:
    """Build the pack in this process as the worker does: (seconds, traced peak, RSS growth, size, files)."""
    import zipfile

    from django.core.files.storage import default_storage

    from apps.eqa import packs
    from apps.eqa import set as eqa_set

    gc.collect()
    sampler = RssPeak()
    if traced:
        tracemalloc.start()
    sampler.start()
    started = time.perf_counter()
    scope = eqa_set.scope_of(grant)
    entries = packs.contents(scope, request)
    key, size, _ = packs.build_file(scope, request, entries=entries)
    seconds = time.perf_counter() - started
    growth = sampler.stop()
    peak = 0
    if traced:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    with default_storage.open(key, "rb") as stored:
        files = len(zipfile.ZipFile(stored).namelist())
    default_storage.delete(key)
    return seconds, peak, growth, size, files


def test_the_pack_of_500_learners_is_built_in_the_memory_of_the_pack_of_50(scopes):
    from apps.eqa import set as eqa_set

    _build(*scopes[SMALL], traced=False)  # warm up: templates, fonts, WeasyPrint, the query plans
    figures = {}
    for n in (SMALL, BIG):
        grant, request = scopes[n]
        timed = [_build(grant, request, traced=False) for _ in range(2)]
        seconds = statistics.median(t[0] for t in timed)
        _, traced_peak, _, size, files = _build(grant, request, traced=True)
        scope = eqa_set.scope_of(grant)
        figures[n] = Figures(
            learners=eqa_set.enrolments(scope).values("learner_id").distinct().count(),
            enrolments=eqa_set.enrolments(scope).count(), seconds=seconds, traced_peak=traced_peak,
            rss_growth=max(t[2] for t in timed), size=size, files=files)

    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    print(f"\n\nEQA pack, built in-process (load average {load} on {os.cpu_count()} CPUs):")
    print(f"{'pack':<22} {'learners':>8} {'enrolments':>10} {'files':>6} {'ZIP':>10} {'time':>9} "
          f"{'traced peak':>12} {'RSS growth':>11}")
    for n, f in figures.items():
        print(f"{f'{n} named learners':<22} {f.learners:8d} {f.enrolments:10d} {f.files:6d} {_mb(f.size):>10} "
              f"{f.seconds:8.1f}s {_mb(f.traced_peak):>12} {_mb(f.rss_growth):>11}")
    big, small = figures[BIG], figures[SMALL]
    learners_ratio = big.enrolments / small.enrolments
    memory_ratio = big.traced_peak / small.traced_peak
    rss_ratio = big.rss_growth / small.rss_growth if small.rss_growth else float("inf")
    time_ratio = big.seconds / small.seconds
    rss_more = big.rss_growth - small.rss_growth
    print(f"{'figure':<28} {'500 vs 50':>10} {'goal':>24}")
    print(f"{'peak memory (tracemalloc)':<28} {memory_ratio:9.2f}× {'≤ ' + f'{MEMORY_GOAL:.1f}×':>24} "
          f"{'met' if memory_ratio <= MEMORY_GOAL else 'MISSED'}")
    # After the warm-up the allocator's arenas are already there: a few megabytes either way is noise.
    rss_met = rss_ratio <= MEMORY_GOAL or rss_more <= RSS_NOISE
    print(f"{'peak RSS growth':<28} {rss_ratio:9.2f}× {f'≤ {MEMORY_GOAL:.1f}× or ≤ +{RSS_NOISE >> 20} MB':>24} "
          f"{'met' if rss_met else 'MISSED'} ({rss_more / 2**20:+.1f} MB)")
    print(f"{'time':<28} {time_ratio:9.2f}× {'≤ ' + f'{learners_ratio:.1f}× (linear)':>24} "
          f"{'met' if time_ratio <= learners_ratio else 'MISSED'}")
    assert memory_ratio <= MEMORY_GOAL, (
        f"the 500-learner pack peaked at {_mb(big.traced_peak)}, {memory_ratio:.2f}× the 50-learner pack's")
