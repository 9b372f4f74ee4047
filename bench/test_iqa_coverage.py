"""The coverage page at a college's scale (issue 12): the generated college of bench/generate.py
(5,000 learners, ~500,000 decisions) with quality assurance added in bulk here: every assessor
allocated to one of the IQAs, assessor profiles, an approved strategy, a plan per IQA for the
current period with items for about a tenth of the signed-off units, half of them sampled and
signed (a few disagreeing, with open actions), and some samples outside any plan.

Printed: the page's server time (Django's test client, median of several runs after a warm-up)
for the whole centre (an admin) and for one IQA, beside a baseline measured in the same run (the
bare SQL fetching the rows the page reads), their ratio against the goal, and the page's queries.
Nothing here asserts a time (the machine is shared and noisy): the figures are printed. That the
query count does not grow with data is asserted in tests/iqa/test_coverage.py.
"""

from __future__ import annotations

import hashlib
import os
import random
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bench.test_pages import median_ms, run_sql, signed_in

RATIO_GOAL = 3.0
pytestmark = pytest.mark.django_db


def _quality_assurance(college) -> dict:
    """IQA rows in bulk, once per session (skipped when a kept database already has them)."""
    from apps.assessment.models import UnitSignOff
    from apps.centres.models import IQAAllocation, Membership
    from apps.iqa import rules
    from apps.iqa.models import Action, AssessorProfile, PlanItem, Sample, SamplingPlan, SamplingStrategy

    centre = college.centre_id
    iqas = list(Membership.objects.filter(centre_id=centre, is_iqa=True, is_active=True)
                .values_list("user_id", flat=True).order_by("user_id"))
    assessors = list(Membership.objects.filter(centre_id=centre, is_assessor=True, is_active=True)
                     .exclude(user_id__in=iqas).values_list("user_id", flat=True).order_by("user_id"))
    today = timezone.localdate()
    if not SamplingPlan.objects.filter(centre_id=centre).exists():
        rng = random.Random(12)
        with transaction.atomic():
            IQAAllocation.objects.bulk_create(
                IQAAllocation(centre_id=centre, iqa_id=iqas[i % len(iqas)], assessor_id=a,
                              allocated_by_id=college.admin_user_id) for i, a in enumerate(assessors))
            AssessorProfile.objects.bulk_create(
                AssessorProfile(centre_id=centre, assessor_id=a, band=b, derived_band=b)
                for a, b in zip(assessors, ["high", "medium", "low"] * len(assessors), strict=False))
            SamplingStrategy.objects.create(
                centre_id=centre, version=1, status=SamplingStrategy.Status.APPROVED, rules=rules.TEMPLATE,
                from_template=True, created_by_id=college.admin_user_id, approved_by_id=college.admin_user_id,
                approved_at=timezone.now())
            start = today - timedelta(days=45)
            plans = {iqa: SamplingPlan.objects.create(centre_id=centre, iqa_id=iqa, period_start=start,
                                                      period_end=start + timedelta(days=89), seed=1, created_by_id=iqa)
                     for iqa in iqas}
            owner = {a: iqas[i % len(iqas)] for i, a in enumerate(assessors)}
            sign_offs = list(UnitSignOff.objects.filter(centre_id=centre, reopening__isnull=True)
                             .values_list("enrolment_id", "unit_id", "signed_by_id"))
            chosen = [s for s in sign_offs if s[2] in owner and rng.random() < 0.1]
            items = PlanItem.objects.bulk_create(
                PlanItem(centre_id=centre, plan=plans[owner[a]], enrolment_id=e, unit_id=u, assessor_id=a,
                         stage="summative", due_from=start, due_by=start + timedelta(days=89), reason="learner_share",
                         status="planned") for e, u, a in chosen)
            done = [i for i in items if rng.random() < 0.5]
            PlanItem.objects.filter(pk__in=[i.pk for i in done]).update(status="done")
            moment = timezone.now() - timedelta(days=3)
            sha = hashlib.sha256(b"{}").hexdigest()
            samples = Sample.objects.bulk_create(
                Sample(centre_id=centre, plan_item=i, enrolment_id=i.enrolment_id, unit_id=i.unit_id,
                       assessor_id=i.assessor_id, iqa_id=plans_iqa, stage="summative", started_at=moment,
                       snapshot={}, snapshot_sha256=sha, methods_seen=[rng.choice(rules.METHODS)],
                       outcome="disagree" if rng.random() < 0.05 else "agree", signed_by_id=plans_iqa,
                       signed_name="IQA", signed_at=moment)
                for i in done for plans_iqa in [owner[i.assessor_id]])
            Sample.objects.bulk_create(
                Sample(centre_id=centre, unplanned_reason="A concern", enrolment_id=e, unit_id=u, assessor_id=a,
                       iqa_id=owner[a], stage="interim", started_at=moment, snapshot={}, snapshot_sha256=sha,
                       outcome="agree", signed_by_id=owner[a], signed_name="IQA", signed_at=moment)
                for e, u, a in rng.sample(chosen, min(200, len(chosen))))
            Action.objects.bulk_create(
                Action(centre_id=centre, source="sample", sample=s, enrolment_id=s.enrolment_id, unit_id=s.unit_id,
                       owner_id=s.assessor_id, raised_by_id=s.iqa_id, text="Re-check",
                       due_on=today - timedelta(days=rng.randint(-10, 10)))
                for s in samples if s.outcome == "disagree")
    return {"iqa": iqas[0], "centre": centre, "counts": {
        "plan items": PlanItem.objects.filter(centre_id=centre).count(),
        "samples": Sample.objects.filter(centre_id=centre).count(),
        "actions": Action.objects.filter(centre_id=centre).count(),
    }}


def baseline_sql(centre: int, iqa: int | None) -> list[tuple[str, dict]]:
    """The rows the page reads, fetched bare: enrolments in scope, their assessors, sign-offs in
    force, signed samples, waiting plan items, and the decisions' methods in the period."""
    scope = ("SELECT e.id FROM learners_enrolment e WHERE e.centre_id = %(c)s" if iqa is None else
             "SELECT e.id FROM learners_enrolment e WHERE e.centre_id = %(c)s AND (e.iqa_id = %(i)s OR EXISTS ("
             "SELECT 1 FROM learners_enrolment_assessors a JOIN centres_iqaallocation x ON x.assessor_id = a.user_id "
             "AND x.iqa_id = %(i)s WHERE a.enrolment_id = e.id))")
    p = {"c": centre, "i": iqa, "since": timezone.now() - timedelta(days=45)}
    return [
        (f"SELECT e.id, l.full_name, e.qualification_id, e.planned_end_date, e.status FROM learners_enrolment e "
         f"JOIN learners_learner l ON l.id = e.learner_id WHERE e.id IN ({scope})", p),
        (f"SELECT enrolment_id, user_id FROM learners_enrolment_assessors WHERE enrolment_id IN ({scope})", p),
        (f"SELECT s.enrolment_id, s.unit_id, s.signed_by_id, s.signed_at FROM assessment_unitsignoff s "
         f"LEFT JOIN assessment_unitreopening r ON r.sign_off_id = s.id WHERE r.id IS NULL AND s.enrolment_id IN ({scope})", p),
        (f"SELECT id, enrolment_id, unit_id, assessor_id, stage, outcome, signed_at, methods_seen FROM iqa_sample "
         f"WHERE signed_at IS NOT NULL AND enrolment_id IN ({scope})", p),
        (f"SELECT enrolment_id, unit_id, stage, plan_id FROM iqa_planitem WHERE status IN ('planned', 'in_progress') "
         f"AND enrolment_id IN ({scope})", p),
        (f"SELECT d.signed_by_id, v.method, count(*) FROM assessment_decision d JOIN evidence_evidenceversion v "
         f"ON v.id = d.version_id WHERE d.signed_at >= %(since)s AND d.enrolment_id IN ({scope}) GROUP BY 1, 2", p),
    ]


@pytest.mark.django_db
def test_coverage_page_at_college_scale(college):
    qa = _quality_assurance(college)
    url = reverse("iqa_coverage")
    lines = []
    for who, user, iqa in (("admin (whole centre)", college.admin_user_id, None), ("one IQA", qa["iqa"], qa["iqa"])):
        client = signed_in(user)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        count = len(queries)  # now: the next request clears the log it counts in
        assert response.status_code == 200
        page_ms = median_ms(lambda client=client: client.get(url))
        sql_ms = median_ms(lambda iqa=iqa: run_sql(baseline_sql(qa["centre"], iqa)))
        ratio = page_ms / sql_ms if sql_ms else float("inf")
        lines.append(f"coverage, {who:<22} {page_ms:9.1f} {sql_ms:8.1f} {ratio:6.1f}× {'≤ 3×':>6} "
                     f"{'met' if ratio <= RATIO_GOAL else 'MISSED':>6} {count:7d} {len(response.content) / 1024:7.1f}")
    sizes = ", ".join(f"{n:,} {name}" for name, n in {**college.counts, **qa["counts"]}.items())
    print(f"\n\nThe coverage page in the college ({sizes}); load average "
          f"{', '.join(f'{n:.1f}' for n in os.getloadavg())} on {os.cpu_count()} CPUs:")
    print(f"{'page':<32} {'page ms':>9} {'SQL ms':>8} {'ratio':>7} {'goal':>6} {'':>6} {'queries':>7} {'KB':>7}")
    print("\n".join(lines))
