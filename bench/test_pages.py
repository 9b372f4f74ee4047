"""Pages at a college's scale, each beside the bare SQL that fetches the same data.

Every page is requested through Django's test client, signed in as the person who reads it,
in the college of bench/generate.py (5,000 learners, ~500,000 decisions, ~1,000,000 audit
events). The bare SQL is hand-written and run through `connection.cursor()`, fetching the
rows the page shows; both are timed the same way (median of several runs after a warm-up),
side by side in one run. Printed: page ms, SQL ms, their ratio, the goal (pages within 3×
of their SQL; audit trail pages at most 50 ms), the page's queries and its size.

Nothing here asserts a time (the machine is shared and noisy): the figures are printed.
"""

from __future__ import annotations

import os
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

REPEAT = 11
WARMUP = 2
RATIO_GOAL = 3.0
AUDIT_GOAL_MS = 50.0


@dataclass
class Figure:
    page: str
    page_ms: float
    sql_ms: float
    queries: int
    kb: float
    audit: bool = False

    @property
    def ratio(self) -> float:
        return self.page_ms / self.sql_ms if self.sql_ms else float("inf")

    @property
    def goal(self) -> str:
        return f"≤ {AUDIT_GOAL_MS:.0f} ms" if self.audit else f"≤ {RATIO_GOAL:.0f}×"

    @property
    def met(self) -> bool:
        return self.page_ms <= AUDIT_GOAL_MS if self.audit else self.ratio <= RATIO_GOAL

    def line(self) -> str:
        return (f"{self.page:<44} {self.page_ms:8.1f} {self.sql_ms:8.1f} {self.ratio:6.1f}× {self.goal:>9} "
                f"{'met' if self.met else 'MISSED':>6} {self.queries:5d} {self.kb:7.1f}")


HEADER = f"{'page':<44} {'page ms':>8} {'SQL ms':>8} {'ratio':>7} {'goal':>9} {'':>6} {'queries':>5} {'KB':>7}"
FIGURES: list[Figure] = []


@pytest.fixture(scope="module", autouse=True)
def _summary(college):
    yield
    if FIGURES:
        sizes = ", ".join(f"{n:,} {name}" for name, n in college.counts.items())
        load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
        print(f"\n\nPages of the college ({sizes}) against their bare SQL (median of {REPEAT} after {WARMUP} "
              f"warm-ups; load average {load} on {os.cpu_count()} CPUs):")
        print(HEADER)
        for figure in FIGURES:
            print(figure.line())


def median_ms(fn: Callable[[], object]) -> float:
    for _ in range(WARMUP):
        fn()
    samples = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def signed_in(user_id: int) -> Client:
    from apps.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(pk=user_id))
    return client


SQL = list[tuple[str, dict]]


def run_sql(statements: SQL) -> None:
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
            cursor.fetchall()


def measure(name: str, client: Client, url: str, statements: SQL, *, audit: bool = False) -> Figure:
    def get():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response

    with CaptureQueriesContext(connection) as queries:
        response = get()
    count = len(queries)  # now: the next request clears the log it counts in
    figure = Figure(
        page=name, page_ms=median_ms(get), sql_ms=median_ms(lambda: run_sql(statements)),
        queries=count, kb=len(response.content) / 1024, audit=audit,
    )
    FIGURES.append(figure)
    print(f"\n{HEADER}\n{figure.line()}")
    return figure


# --- the bare SQL, page by page -------------------------------------------------------------------

UNREAD = ("SELECT count(*) FROM notifications_notification WHERE recipient_id = %(user)s AND read_at IS NULL",)


def unread(user: int) -> tuple[str, dict]:
    return UNREAD[0], {"user": user}


def caseload_sql(college) -> SQL:
    return [unread(college.assessor_user_id), ("""
        SELECT e.id, e.start_date, e.planned_end_date, l.full_name, q.number, q.title, p.summary,
               w.waiting, w.oldest_at, w.oldest_id, w.last_evidence, d.last_decision
          FROM learners_enrolment e
          JOIN learners_enrolment_assessors a ON a.enrolment_id = e.id AND a.user_id = %(user)s
          JOIN learners_learner l ON l.id = e.learner_id
          JOIN qualifications_qualification q ON q.id = e.qualification_id
          LEFT JOIN assessment_enrolmentprogress p ON p.enrolment_id = e.id
          LEFT JOIN LATERAL (
                SELECT count(*) FILTER (WHERE v.status = 'submitted') AS waiting,
                       min(v.submitted_at) FILTER (WHERE v.status = 'submitted') AS oldest_at,
                       (array_agg(v.id ORDER BY v.submitted_at, v.id) FILTER (WHERE v.status = 'submitted'))[1]
                           AS oldest_id,
                       max(cv.created_at) AS last_evidence
                  FROM evidence_evidence v LEFT JOIN evidence_evidenceversion cv ON cv.id = v.current_id
                 WHERE v.enrolment_id = e.id) w ON true
          LEFT JOIN LATERAL (SELECT max(signed_at) AS last_decision FROM assessment_decision
                              WHERE enrolment_id = e.id) d ON true
         WHERE e.centre_id = %(centre)s AND e.status = 'active' AND l.user_id IS DISTINCT FROM %(user)s
    """, {"user": college.assessor_user_id, "centre": college.centre_id})]


def records_sql(enrolment: int) -> SQL:
    """An enrolment's assessment records, as the evidence page, unit page and matrix show them."""
    p = {"e": enrolment}
    return [
        ("SELECT id, version_id, criterion_id, verdict, supersedes_id FROM assessment_mapping "
         "WHERE enrolment_id = %(e)s", p),
        ("SELECT d.id, d.version_id, d.criterion_id, d.outcome, d.feedback, d.provisional, d.supersedes_id, d.reason, "
         "d.signed_name, d.signed_at, c.id, c.signed_name, c.signed_at FROM assessment_decision d "
         "LEFT JOIN assessment_countersignature c ON c.decision_id = d.id WHERE d.enrolment_id = %(e)s ORDER BY d.id", p),
        ("SELECT id, version_id, outcome, feedback, supersedes_id, signed_name, signed_at "
         "FROM assessment_evidenceassessment WHERE enrolment_id = %(e)s", p),
        ("SELECT id, version_id, requirement_id, covered, supersedes_id, reason, signed_name, signed_at "
         "FROM assessment_requirementcoverage WHERE enrolment_id = %(e)s", p),
        ("SELECT s.id, s.unit_id, s.signed_name, s.signed_at, s.comment, r.id, r.reason, a.id, a.signed_at "
         "FROM assessment_unitsignoff s LEFT JOIN assessment_unitreopening r ON r.sign_off_id = s.id "
         "LEFT JOIN assessment_signoffacknowledgement a ON a.sign_off_id = s.id WHERE s.enrolment_id = %(e)s", p),
        ("SELECT v.id, v.evidence_id, v.number, v.title FROM evidence_evidenceversion v "
         "JOIN evidence_evidence ev ON ev.id = v.evidence_id WHERE ev.enrolment_id = %(e)s "
         "AND v.submitted_at IS NOT NULL", p),
    ]


def tree_sql(units: str, params: dict) -> SQL:
    """The criteria and evidence requirements of the units chosen by `units` (a WHERE on u)."""
    return [
        (f"""SELECT u.id, u.number, u.title, u.position, u.simulation_allowed, u.workplace_evidence_required,
                    o.id, o.number, o.title, c.id, c.number, c.text, c.position
               FROM qualifications_unit u
               JOIN qualifications_learningoutcome o ON o.unit_id = u.id
               JOIN qualifications_assessmentcriterion c ON c.outcome_id = o.id
              WHERE {units} ORDER BY u.position, o.position, c.position""", params),
        (f"""SELECT r.id, r.unit_id, r.number, r.text FROM qualifications_evidencerequirement r
               JOIN qualifications_unit u ON u.id = r.unit_id WHERE {units} ORDER BY u.position, r.position""", params),
    ]


# Units an enrolment's pages show at first: planned, or with records of the enrolment.
SHOWN_UNITS = """u.qualification_id = %(q)s AND (
    u.id IN (SELECT unit_id FROM learners_plannedunit WHERE enrolment_id = %(e)s)
    OR u.id IN (SELECT c.unit_id FROM assessment_mapping m JOIN qualifications_assessmentcriterion c
                  ON c.id = m.criterion_id WHERE m.enrolment_id = %(e)s)
    OR u.id IN (SELECT unit_id FROM assessment_unitsignoff WHERE enrolment_id = %(e)s))"""


def enrolment_sql(enrolment: int) -> tuple[str, dict]:
    return ("""SELECT e.id, e.status, e.registration_number, e.start_date, e.planned_end_date, l.full_name, l.uln,
                      q.id, q.number, q.title, q.version
                 FROM learners_enrolment e JOIN learners_learner l ON l.id = e.learner_id
                 JOIN qualifications_qualification q ON q.id = e.qualification_id WHERE e.id = %(e)s""",
            {"e": enrolment})


def qualification_of(enrolment: int) -> int:
    from apps.learners.models import Enrolment

    return Enrolment.objects.values_list("qualification_id", flat=True).get(pk=enrolment)


def evidence_sql(college) -> SQL:
    e, q = college.enrolment_id, qualification_of(college.enrolment_id)
    ev = {"ev": college.evidence_id}
    return [
        unread(college.evidence_assessor_user_id),
        ("""SELECT ev.id, ev.status, ev.current_id, ev.shared_version_id, ev.submitted_at, e.id, e.status,
                   l.full_name, q.number, q.title
              FROM evidence_evidence ev JOIN learners_enrolment e ON e.id = ev.enrolment_id
              JOIN learners_learner l ON l.id = e.learner_id
              JOIN qualifications_qualification q ON q.id = e.qualification_id WHERE ev.id = %(ev)s""", ev),
        ("""SELECT v.id, v.number, v.title, v.description, v.evidence_date, v.method, v.context, v.text, v.submitted_at,
                   v.declared_name, f.id, f.original_name, f.size, f.content_type, f.kind
              FROM evidence_evidenceversion v
              LEFT JOIN evidence_evidencefile ef ON ef.version_id = v.id
              LEFT JOIN evidence_storedfile f ON f.id = ef.file_id
             WHERE v.evidence_id = %(ev)s AND v.submitted_at IS NOT NULL ORDER BY v.number DESC, ef.position""", ev),
        ("""SELECT s.evidenceversion_id, s.assessmentcriterion_id FROM evidence_evidenceversion_suggested_criteria s
              JOIN evidence_evidenceversion v ON v.id = s.evidenceversion_id WHERE v.evidence_id = %(ev)s""", ev),
        ("SELECT unit_id FROM learners_plannedunit WHERE enrolment_id = %(e)s", {"e": e}),
        *tree_sql(SHOWN_UNITS, {"q": q, "e": e}),
        *records_sql(e),
    ]


def matrix_sql(college) -> SQL:
    e, q = college.enrolment_id, qualification_of(college.enrolment_id)
    return [
        unread(college.evidence_assessor_user_id),
        enrolment_sql(e),
        ("SELECT unit_id FROM learners_plannedunit WHERE enrolment_id = %(e)s", {"e": e}),
        ("SELECT unit_id, route, reference, achieved_on FROM learners_priorachievement WHERE enrolment_id = %(e)s",
         {"e": e}),
        ("SELECT summary FROM assessment_enrolmentprogress WHERE enrolment_id = %(e)s", {"e": e}),
        *tree_sql(SHOWN_UNITS, {"q": q, "e": e}),
        *records_sql(e),
    ]


def home_sql(college) -> SQL:
    p = {"user": college.learner_user_id, "centre": college.centre_id}
    return [unread(college.learner_user_id), ("""
        SELECT e.id, q.number, q.title, p.summary,
               count(ev.id) FILTER (WHERE ev.status = 'draft'),
               count(ev.id) FILTER (WHERE ev.status = 'submitted'),
               count(ev.id) FILTER (WHERE ev.status = 'referred'),
               (SELECT count(*) FROM learners_plannedunit pu WHERE pu.enrolment_id = e.id AND pu.source = 'chosen'),
               (SELECT count(*) FROM assessment_evidenceassessment a
                 WHERE a.enrolment_id = e.id
                   AND NOT EXISTS (SELECT 1 FROM assessment_evidenceassessment s WHERE s.supersedes_id = a.id)
                   AND NOT EXISTS (SELECT 1 FROM assessment_feedbackread r WHERE r.assessment_id = a.id))
          FROM learners_enrolment e
          JOIN learners_learner l ON l.id = e.learner_id
          JOIN qualifications_qualification q ON q.id = e.qualification_id
          LEFT JOIN assessment_enrolmentprogress p ON p.enrolment_id = e.id
          LEFT JOIN evidence_evidence ev ON ev.enrolment_id = e.id
         WHERE e.centre_id = %(centre)s AND l.user_id = %(user)s AND e.status = 'active'
         GROUP BY e.id, q.number, q.title, p.summary
    """, p)]


def portfolio_sql(college) -> SQL:
    e, q = college.enrolment_id, qualification_of(college.enrolment_id)
    return [
        unread(college.learner_user_id),
        enrolment_sql(e),
        ("SELECT id, number, title FROM qualifications_unit WHERE qualification_id = %(q)s ORDER BY position",
         {"q": q}),
        ("SELECT count(*) FROM evidence_evidence WHERE enrolment_id = %(e)s", {"e": e}),
        ("""SELECT ev.id, ev.status, v.title, v.number, v.evidence_date, v.method,
                   (SELECT count(*) FROM evidence_evidencefile f WHERE f.version_id = v.id)
              FROM evidence_evidence ev JOIN evidence_evidenceversion v ON v.id = ev.current_id
             WHERE ev.enrolment_id = %(e)s ORDER BY v.evidence_date DESC, ev.id DESC LIMIT 25""", {"e": e}),
    ]


def countersign_sql(college) -> SQL:
    p = {"centre": college.centre_id, "user": college.countersigner_user_id}
    return [unread(college.countersigner_user_id), ("""
        SELECT d.id, d.outcome, d.feedback, d.signed_name, d.signed_at, d.supersedes_id, d.reason,
               c.number, c.text, u.number, v.id, v.number, v.title, v.context, v.evidence_id, e.id, l.full_name, q.number
          FROM assessment_decision d
          LEFT JOIN assessment_countersignature s ON s.decision_id = d.id
          LEFT JOIN assessment_decision n ON n.supersedes_id = d.id
          JOIN qualifications_assessmentcriterion c ON c.id = d.criterion_id
          JOIN qualifications_unit u ON u.id = c.unit_id
          JOIN evidence_evidenceversion v ON v.id = d.version_id
          JOIN learners_enrolment e ON e.id = d.enrolment_id
          JOIN learners_learner l ON l.id = e.learner_id
          JOIN qualifications_qualification q ON q.id = e.qualification_id
         WHERE d.centre_id = %(centre)s AND d.provisional AND d.signed_by_id <> %(user)s
           AND s.id IS NULL AND n.id IS NULL AND l.user_id IS DISTINCT FROM %(user)s
         ORDER BY d.signed_at, d.id
    """, p), ("SELECT enrolment_id FROM learners_enrolment_assessors WHERE user_id = %(user)s", p)]


AUDIT_COLUMNS = """a.id, a.created_at, a.action, a.object_type, a.object_id, a.object_repr, a.payload, a.ip_address,
                   u.id, u.email, u.full_name, c.id, c.name"""
AUDIT_FROM = """audit_auditevent a LEFT JOIN accounts_user u ON u.id = a.actor_id
                LEFT JOIN centres_centre c ON c.id = a.centre_id"""


def audit_sql(college, *, where: str = "", params: dict | None = None, oldest: bool = False) -> SQL:
    order = "a.created_at, a.id" if oldest else "a.created_at DESC, a.id DESC"
    p = {"centre": college.centre_id, **(params or {})}
    return [unread(college.admin_user_id),
            (f"SELECT {AUDIT_COLUMNS} FROM {AUDIT_FROM} WHERE a.centre_id = %(centre)s {where} "
             f"ORDER BY {order} LIMIT 51", p)]


def people_sql(college) -> SQL:
    p = {"centre": college.centre_id}
    return [unread(college.admin_user_id),
            ("SELECT count(*) FROM centres_membership WHERE centre_id = %(centre)s", p),
            ("""SELECT m.id, m.is_learner, m.is_assessor, m.is_trainee_assessor, m.is_iqa, m.is_admin, m.is_eqa,
                       m.is_active, u.email, u.full_name
                  FROM centres_membership m JOIN accounts_user u ON u.id = m.user_id
                 WHERE m.centre_id = %(centre)s ORDER BY u.full_name, u.email LIMIT 50""", p)]


# --- the pages ---------------------------------------------------------------------------------------


@pytest.fixture
def people(college, db):
    return college


def test_caseload_of_an_assessor_with_about_100_learners(people):
    measure(f"caseload ({people.caseload_size} learners)", signed_in(people.assessor_user_id), "/caseload/",
            caseload_sql(people))


def test_assessors_evidence_page_of_an_ncfe_learner(people):
    measure(f"evidence page (NCFE, {people.decisions} decisions)", signed_in(people.evidence_assessor_user_id),
            f"/assessment/evidence/{people.evidence_id}/", evidence_sql(people))


def test_tracking_matrix(people):
    measure("tracking matrix (same learner)", signed_in(people.evidence_assessor_user_id),
            f"/assessment/enrolments/{people.enrolment_id}/matrix/", matrix_sql(people))


def test_learner_home(people):
    measure("learner home", signed_in(people.learner_user_id), "/", home_sql(people))


def test_portfolio(people):
    measure("portfolio (the learner's own)", signed_in(people.learner_user_id),
            f"/portfolio/enrolments/{people.enrolment_id}/", portfolio_sql(people))


def test_countersign_queue(people):
    measure("countersign queue", signed_in(people.countersigner_user_id), "/assessment/countersign/",
            countersign_sql(people))


def test_people_page(people):
    measure("centre people (first page)", signed_in(people.admin_user_id), "/centre/people/", people_sql(people))


OLDEST = re.compile(r'href="(\?[^"]*)"[^>]*>\s*Oldest')


def test_audit_trail_pages(people):
    admin = signed_in(people.admin_user_id)
    measure("audit trail: first page", admin, "/audit/", audit_sql(people), audit=True)
    measure("audit trail: one action (unit signed off)", admin, "/audit/?action=assessment.unit_signed_off",
            audit_sql(people, where="AND a.action = %(action)s", params={"action": "assessment.unit_signed_off"}),
            audit=True)
    from apps.accounts.models import User

    assessor = User.objects.get(pk=people.assessor_user_id)
    measure("audit trail: one person (an assessor)", admin, f"/audit/?person={assessor.email}",
            audit_sql(people, where="AND a.actor_id = %(actor)s", params={"actor": assessor.pk}), audit=True)
    first = admin.get("/audit/").content.decode()
    link = OLDEST.search(first)
    last = link.group(1).replace("&amp;", "&") if link else "?page=last"
    measure("audit trail: last page", admin, f"/audit/{last}", audit_sql(people, oldest=True), audit=True)


# --- the plans behind the audit trail and the countersign queue ------------------------------------

BIG = {"audit_auditevent": "audit events", "assessment_decision": "decisions"}


def plans(client: Client, url: str, table: str) -> list[str]:
    """EXPLAIN of each query the page runs on this table (as the page ran it)."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    out = []
    with connection.cursor() as cursor:
        for query in queries.captured_queries:
            if f'FROM "{table}"' in query["sql"]:
                cursor.execute(f"EXPLAIN {query['sql']}")
                out.append("\n".join(row[0] for row in cursor.fetchall()))
    return out


def test_the_audit_trail_and_the_countersign_queue_read_through_indexes(people):
    """At the generated size, no page of the trail and not the queue reads its whole table."""
    from apps.accounts.models import User

    admin = signed_in(people.admin_user_id)
    email = User.objects.get(pk=people.assessor_user_id).email
    pages = [(admin, url, "audit_auditevent") for url in (
        "/audit/", "/audit/?action=assessment.unit_signed_off", f"/audit/?person={email}", "/audit/?oldest=1",
        "/audit/?date_from=2025-06-01&date_to=2025-06-30", "/audit/?action=assessment.unit_reopened&oldest=1",
    )] + [(signed_in(people.countersigner_user_id), "/assessment/countersign/", "assessment_decision")]
    full_size = people.counts.get("decisions", 0) > 200_000
    for client, url, table in pages:
        found = plans(client, url, table)
        assert found, f"{url} ran no query on {table}"
        for plan in found:
            print(f"\nEXPLAIN {url}\n{plan}")
            if full_size:
                assert f"Seq Scan on {table}" not in plan, f"{url} reads every one of the {BIG[table]}"
