"""A sampling plan at a college's scale: one IQA allocated the college's 50 busiest assessors
(about 5,000 learners and their ~500,000 decisions), an approved strategy from the template,
profiles spread over the three bands. Set up inside the test's transaction: the college is left
as it was.

Printed: the time to generate the plan (and to regenerate it) beside the bare SQL that reads the
same facts in the same run, their ratio and the goal; the plan page's time, queries and size.
Nothing asserts a time (the machine is shared and noisy); the query count of the plan page must
not depend on the plan's size, which tests/iqa/test_plans.py asserts with two sizes.
"""

from __future__ import annotations

import copy
import os
import statistics
import time

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

RATIO_GOAL = 5.0  # generating (facts, choice, writes, audit) within 5× of reading the facts in bare SQL
REPEAT = 3

FACTS_SQL = [
    # The learners in scope and their assessors.
    """SELECT e.id, e.qualification_id, e.planned_end_date, l.user_id, a.user_id
         FROM learners_enrolment e JOIN learners_learner l ON l.id = e.learner_id
         JOIN learners_enrolment_assessors a ON a.enrolment_id = e.id
        WHERE e.centre_id = %(centre)s AND e.status = 'active'
          AND (e.iqa_id = %(iqa)s OR a.user_id IN (SELECT assessor_id FROM centres_iqaallocation WHERE iqa_id = %(iqa)s))""",
    # Who decided in which unit, and when last.
    """SELECT d.enrolment_id, c.unit_id, d.signed_by_id, max(d.signed_at)
         FROM assessment_decision d JOIN qualifications_assessmentcriterion c ON c.id = d.criterion_id
        WHERE d.enrolment_id IN (SELECT ea.enrolment_id FROM learners_enrolment_assessors ea
                                   JOIN centres_iqaallocation al ON al.assessor_id = ea.user_id AND al.iqa_id = %(iqa)s)
        GROUP BY 1, 2, 3""",
    # The methods of the evidence judged, per unit.
    """SELECT DISTINCT d.enrolment_id, c.unit_id, v.method
         FROM assessment_decision d JOIN qualifications_assessmentcriterion c ON c.id = d.criterion_id
         JOIN evidence_evidenceversion v ON v.id = d.version_id
        WHERE d.enrolment_id IN (SELECT ea.enrolment_id FROM learners_enrolment_assessors ea
                                   JOIN centres_iqaallocation al ON al.assessor_id = ea.user_id AND al.iqa_id = %(iqa)s)""",
    # Planned units and active sign-offs.
    """SELECT p.enrolment_id, p.unit_id FROM learners_plannedunit p
        WHERE p.enrolment_id IN (SELECT ea.enrolment_id FROM learners_enrolment_assessors ea
                                   JOIN centres_iqaallocation al ON al.assessor_id = ea.user_id AND al.iqa_id = %(iqa)s)""",
    """SELECT s.enrolment_id, s.unit_id FROM assessment_unitsignoff s
         LEFT JOIN assessment_unitreopening r ON r.sign_off_id = s.id
        WHERE r.id IS NULL AND s.enrolment_id IN (
              SELECT ea.enrolment_id FROM learners_enrolment_assessors ea
                JOIN centres_iqaallocation al ON al.assessor_id = ea.user_id AND al.iqa_id = %(iqa)s)""",
]


def _ms(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def _bare(params: dict) -> None:
    with connection.cursor() as cursor:
        for sql in FACTS_SQL:
            cursor.execute(sql, params)
            cursor.fetchall()


@pytest.fixture
def allocated(college, db):
    """One IQA of the college allocated its 50 busiest assessors, with profiles and a strategy."""
    from apps.accounts.models import User
    from apps.centres.models import Centre, IQAAllocation, Membership
    from apps.iqa.models import AssessorProfile, Band, SamplingStrategy
    from apps.iqa.rules import TEMPLATE
    from apps.learners.models import Enrolment

    centre = Centre.objects.get(pk=college.centre_id)
    iqa = User.objects.get(pk=Membership.objects.filter(centre=centre, is_iqa=True, is_assessor=False)
                           .order_by("id").values_list("user_id", flat=True)[0])
    busiest = list(
        Enrolment.assessors.through.objects.filter(enrolment__centre=centre, enrolment__status="active")
        .exclude(user_id=iqa.pk).values("user_id").annotate(n=Count("enrolment_id")).order_by("-n", "user_id")
        .values_list("user_id", flat=True)[:50]
    )
    admin = User.objects.get(pk=college.admin_user_id)
    IQAAllocation.objects.filter(centre=centre).delete()
    IQAAllocation.objects.bulk_create([IQAAllocation(centre=centre, iqa=iqa, assessor_id=a, allocated_by=admin)
                                       for a in busiest])
    trainees = set(Membership.objects.filter(centre=centre, user_id__in=busiest, is_trainee_assessor=True)
                   .values_list("user_id", flat=True))
    bands = [Band.HIGH, Band.MEDIUM, Band.LOW]
    AssessorProfile.objects.filter(centre=centre, assessor_id__in=busiest).delete()
    AssessorProfile.objects.bulk_create([
        AssessorProfile(centre=centre, assessor_id=a, band=Band.HIGH if a in trainees else bands[i % 3],
                        derived_band=Band.HIGH if a in trainees else bands[i % 3])
        for i, a in enumerate(busiest)
    ])
    SamplingStrategy.objects.filter(centre=centre, status=SamplingStrategy.Status.APPROVED).update(
        status=SamplingStrategy.Status.SUPERSEDED, superseded_at=timezone.now())
    version = (SamplingStrategy.objects.filter(centre=centre, qualification=None).order_by("-version")
               .values_list("version", flat=True).first() or 0) + 1
    SamplingStrategy.objects.create(
        centre=centre, version=version, status=SamplingStrategy.Status.APPROVED, rules=copy.deepcopy(TEMPLATE),
        from_template=True, created_by=admin, approved_by=admin, approved_name=admin.full_name,
        approved_at=timezone.now(),
    )
    learners = Enrolment.objects.filter(centre=centre, status="active", assessors__in=busiest).distinct().count()
    return centre, iqa, busiest, learners


def test_generating_a_plan_for_5000_learners_and_50_assessors(allocated, client):
    from apps.iqa import plans
    from apps.iqa.models import PlanItem

    centre, iqa, assessors, learners = allocated
    params = {"centre": centre.pk, "iqa": iqa.pk}
    _bare(params)  # warm the cache as the generation's own first run will not be
    bare = statistics.median(_ms(lambda: _bare(params)) for _ in range(REPEAT))
    made = {}
    first = _ms(lambda: made.setdefault("plan", plans.plan_generate(actor=iqa, centre=centre, seed=2025)))
    again = statistics.median(_ms(lambda: plans.plan_generate(actor=iqa, centre=centre)) for _ in range(REPEAT))
    plan = made["plan"].plan
    items = PlanItem.objects.filter(plan=plan).exclude(status=PlanItem.Status.DROPPED).count()

    client.force_login(iqa)
    url = f"/iqa/plans/{plan.pk}/"
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    plan_page_queries = len(queries)  # now: the next request clears the log it counts in
    assert response.status_code == 200
    page = statistics.median(_ms(lambda: client.get(url)) for _ in range(REPEAT))

    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    print(f"\n\nSampling plan: {learners:,} learners of {len(assessors)} assessors, {items:,} samples planned "
          f"(load average {load} on {os.cpu_count()} CPUs)")
    print(f"{'':<34} {'ms':>9} {'bare SQL ms':>12} {'ratio':>7} {'goal':>7}")
    for name, ms in (("generate (first time)", first), (f"regenerate (median of {REPEAT})", again)):
        ratio = ms / bare if bare else float("inf")
        print(f"{name:<34} {ms:9.0f} {bare:12.0f} {ratio:6.1f}× {'≤ ' + str(int(RATIO_GOAL)) + '×':>7} "
              f"{'met' if ratio <= RATIO_GOAL else 'MISSED'}")
    print(f"{'plan page':<34} {page:9.0f} {'':>12} {'':>7} {'':>7} {plan_page_queries} queries, "
          f"{len(response.content) / 1024:.0f} KB")
