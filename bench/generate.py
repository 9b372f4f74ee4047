"""A centre the size of a large college, for the benchmarks: built with bulk inserts in minutes.

At scale 1: 5,000 learners; 50 assessors (45 caseloads of about 110 learners: 40 qualified
assessors alone, 5 trainees each with the qualified assessor who countersigns their work);
~100,000 pieces of evidence in versions (drafts, submissions waiting, referrals, resubmissions,
withdrawals); ~500,000 criterion judgements, each a mapping and a decision written as
`apps.assessment.services.evidence_assess` writes them (same columns, the enrolment carried
on both), trainees' decisions provisional and countersigned, corrections that supersede with
a reason, referred assessments; evidence requirements ticked, units signed off, acknowledged
and a few reopened; ~1,000,000 audit events with the codes and payloads the services write;
notifications. The ten qualifications of `fixtures/qualifications/` are loaded with the
catalogue's own service, learners are spread over them weighted to NCFE 600/1257/2, and
each plan is chosen with the rules engine (`plan_to_achieve`), as demo learners' plans are.
Finally every enrolment's progress summary is written with `progress_refresh` (the pages
read it).

Rows are generated in Python, sorted by time and given ids in that order (as a live
database would have them), then written with PostgreSQL's COPY.

    python bench/generate.py --scale 0.1        # a database of its own, dropped afterwards
    python bench/generate.py --scale 0.1 --keep # kept as test_attest_bench_generate

The benchmarks call `college()` once per session (bench/conftest.py).
"""

from __future__ import annotations

import gc
import hashlib
import json
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

SLUG = "bench-college"
NAME = "Riverside College"
PASSWORD = "attest-bench"

# The mix of qualifications, weighted to the NCFE NVQ; 600/1288/2 has no units in its source.
MIX = {
    "600/1257/2": 40, "600/9662/7": 10, "601/5051/8": 8, "600/1137/3": 8, "600/1138/5": 8,
    "600/1135/X": 8, "600/1136/1": 6, "600/1244/4": 6, "600/1286/9": 5, "600/1288/2": 1,
}
# Qualifications whose source prints no rules of combination: the centre plans these units.
UNPLANNED_UNITS = {"600/1135/X": 8, "600/1136/1": 6}

FIRST = ("Aisha Adam Amelia Ben Chloe Daniel Ella Ethan Freya George Grace Harry Isla Jack Jasmine Joshua Kai "
         "Leah Liam Lily Mason Maya Mohammed Noah Olivia Oscar Priya Rhys Ruby Ryan Sana Sophie Thomas Zara "
         "Bilal Callum Demi Ellis Fatima Gethin Hana Imran Jade Kieran Lucy Mia Niamh Owen Poppy Reuben Sian "
         "Tariq Tegan Usman Victoria Will Yasmin Zak Anya Connor Dylan Erin Faisal Holly Isaac Jordan Kayla").split()
LAST = ("Ahmed Ali Bailey Baker Begum Bell Brown Campbell Carter Chen Clarke Davies Edwards Evans Fisher Green "
        "Griffiths Hall Harris Hughes Hussain Jackson James Jones Khan Kaur King Lee Lewis Martin Mitchell Moore "
        "Morgan Morris Murphy Nowak Owen Patel Phillips Price Roberts Robinson Rose Scott Shah Singh Smith "
        "Taylor Thomas Thompson Turner Walker Ward Watson White Williams Wilson Wood Wright Young Okafor").split()

TOPICS = ("a complaint about a late delivery", "a billing query", "a vulnerable caller", "an angry customer",
          "a data protection request", "a broken-down vehicle", "a refund request", "a service outage",
          "a change of address", "an upgrade sale", "a payment plan", "a lost card", "a repeat caller",
          "a call transferred to another team", "a webchat with two customers", "a callback promised")
TITLES = {
    "work_product": ("Call log: {t}", "Case notes: {t}", "Email to a customer about {t}", "CRM record of {t}"),
    "observation": ("Observation of inbound calls", "Observation: {t}", "Observed webchat shift"),
    "witness_testimony": ("Witness statement from my team leader", "Witness testimony: {t}"),
    "professional_discussion": ("Professional discussion on {t}", "Professional discussion: team targets"),
    "questioning": ("Questions on data protection", "Questioning: {t}"),
    "reflective_account": ("Reflective account: {t}", "Reflection on my busiest shift", "What I learned from {t}"),
    "assignment": ("Assignment: the customer journey", "Assignment: complaints procedure"),
}
METHODS = {"work_product": 34, "observation": 20, "witness_testimony": 8, "professional_discussion": 10,
           "questioning": 7, "reflective_account": 16, "assignment": 5}
FEEDBACK = ("Good, clear account of what you did and why.", "Well handled: you followed the procedure.",
            "You show the customer was kept informed at each step.", "Include how you checked the caller's identity.",
            "Good use of the systems; mention the follow-up next time.", "")
REFERRALS = ("Add the totals and the date of the call, then submit it again.",
             "This is a description of the procedure, not of what you did: write about a real call.",
             "The witness statement needs your team leader's job title and signature.",
             "The photo is unreadable: upload a clearer copy.")
CORRECTIONS = ("Outcome keyed in error.", "Judged on the wrong version: corrected after standardisation.",
               "IQA sampling: the evidence does meet the criterion.", "Feedback was about another learner.")
REOPENINGS = ("IQA sampling found a criterion judged on insufficient evidence.",
              "Signed off on the wrong learner's evidence.")


@dataclass
class College:
    """What the benchmarks need to find in the generated centre."""

    centre_id: int
    admin_user_id: int
    assessor_user_id: int  # a qualified assessor with a caseload of about 100
    caseload_size: int
    countersigner_user_id: int  # a qualified assessor who countersigns trainees' decisions
    learner_user_id: int  # an NCFE 600/1257/2 learner with about 300 decisions
    enrolment_id: int
    decisions: int  # of that enrolment
    evidence_id: int  # one of that learner's pieces of evidence waiting for assessment
    evidence_assessor_user_id: int  # who assesses that learner
    counts: dict[str, int] = field(default_factory=dict)


# --- writing rows -----------------------------------------------------------------------------


class Obj:
    """A row being generated; its id is given once rows are sorted by time."""

    __slots__ = ("id", "t", "row")

    def __init__(self, t: datetime, row: tuple):
        self.id = 0
        self.t = t
        self.row = row


def _plain(value: Any) -> Any:
    if isinstance(value, Obj):
        return value.id
    return value


def _copy(table: str, columns: Iterable[str], rows: Iterable[tuple]) -> int:
    """COPY rows into a table; Obj values become their ids."""
    from django.db import connection

    columns = list(columns)
    n = 0
    with connection.cursor() as cursor:
        names = ", ".join(f'"{c}"' for c in columns)
        with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([_plain(v) for v in row])
                n += 1
    return n


def _first_id(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
        return cursor.fetchone()[0]


def _number(table: str, objs: list[Obj]) -> None:
    """Ids in time order, after the table's current rows."""
    objs.sort(key=lambda o: o.t)
    start = _first_id(table)
    for i, obj in enumerate(objs):
        obj.id = start + i


def _set_sequence(table: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")


def _write(table: str, columns: Iterable[str], objs: list[Obj]) -> int:
    n = _copy(table, ["id", *columns], ((o.id, *o.row) for o in objs))
    _set_sequence(table)
    return n


# --- the catalogue and the plans -------------------------------------------------------------


@dataclass
class Crit:
    id: int
    unit_id: int
    label: str  # as payloads name it: "Unit 301, 1.2"
    text: str


@dataclass
class UnitInfo:
    id: int
    number: str
    urn: str
    title: str
    position: int
    criteria: list[Crit]
    requirements: list[tuple[int, str]]  # (id, "Unit 301, R1")
    simulation_allowed: bool | None
    workplace_evidence_required: bool | None
    outcome_titles: dict[int, str]  # criterion id -> its outcome's title


@dataclass
class QualInfo:
    id: int
    number: str
    version: int
    units: dict[int, UnitInfo]
    mandatory: list[int]
    plans: list[list[int]]  # unit ids, in the qualification's order


def _load_catalogue() -> None:
    from apps.qualifications.canonical import catalogue_dir, read_catalogue_file
    from apps.qualifications.services import catalogue_load

    for path in sorted(catalogue_dir().glob("*.yaml")):
        catalogue_load(data=read_catalogue_file(path), source=path.name)


def _achieving_plan(rules, units: list, mandatory: list, order: list) -> list:
    """The mandatory units, then optional units that count (in the given order) until the plan
    achieves the qualification, as demo learners' plans are made."""
    from apps.qualifications.engine import plan_to_achieve

    by_number = {unit.number: unit for unit in [*mandatory, *order]}
    return [by_number[n] for n in plan_to_achieve(rules, [u.number for u in mandatory], [u.number for u in order])]


def _qualifications(rng: random.Random) -> dict[str, QualInfo]:
    from apps.assessment.catalogue import criterion_label, requirement_label
    from apps.qualifications.models import AssessmentCriterion, EvidenceRequirement, Qualification

    out = {}
    for q in Qualification.objects.filter(number__in=MIX, is_current=True).prefetch_related("units"):
        units = sorted(q.units.all(), key=lambda u: u.position)
        infos = {
            u.pk: UnitInfo(u.pk, u.number, u.urn, u.title, u.position, [], [], u.simulation_allowed,
                           u.workplace_evidence_required, {})
            for u in units
        }
        for c in AssessmentCriterion.objects.filter(unit__qualification=q).select_related("outcome").order_by(
            "unit__position", "outcome__position", "position"
        ):
            unit = infos[c.unit_id]
            unit.criteria.append(Crit(c.pk, c.unit_id, f"Unit {unit.number}, {criterion_label(c)}", c.text))
            unit.outcome_titles[c.pk] = c.outcome.title
        for r in EvidenceRequirement.objects.filter(unit__qualification=q).order_by("unit__position", "position"):
            infos[r.unit_id].requirements.append((r.pk, f"Unit {infos[r.unit_id].number}, {requirement_label(r)}"))
        mandatory_groups = {g["id"] for g in q.groups if g.get("mandatory")}
        mandatory = [u for u in units if u.group in mandatory_groups]
        plans: list[list[int]] = []
        if q.number in UNPLANNED_UNITS:
            size = UNPLANNED_UNITS[q.number]
            plans = [[u.pk for u in units[:size]], [u.pk for u in units[1:size + 1]]]
        elif not q.rules_in_source:
            plans = [[u.pk for u in units]]
        else:
            rules = q.rules()
            optional = [u for u in units if u not in mandatory]
            orders = [optional, list(reversed(optional))] + [rng.sample(optional, len(optional)) for _ in range(2)]
            for order in orders:
                plan = sorted(_achieving_plan(rules, units, mandatory, order), key=lambda u: u.position)
                if [u.pk for u in plan] not in plans:
                    plans.append([u.pk for u in plan])
            # A centre plans units it can deliver: no plan far heavier than the lightest.
            size = {tuple(p): sum(len(infos[u].criteria) for u in p) for p in plans}
            plans = [p for p in plans if size[tuple(p)] <= 1.5 * min(size.values())]
        out[q.number] = QualInfo(q.pk, q.number, q.version, infos, [u.pk for u in mandatory], plans or [[]])
    return out


# --- people ---------------------------------------------------------------------------------


@dataclass
class Person:
    user_id: int
    name: str
    email: str
    obj: Obj | None = None  # the account's row, until it has its id


def _ip(rng: random.Random) -> str:
    return f"203.0.113.{rng.randint(1, 254)}" if rng.random() < 0.7 else f"198.51.100.{rng.randint(1, 254)}"


def _uln(n: int) -> str:
    """A valid ULN, different for each n."""
    from apps.learners.uln import uln_check_digit

    first = 100000000 + n * 11
    while True:
        digit = uln_check_digit(str(first))
        if digit is not None and digit < 10:
            return f"{first}{digit}"
        first += 1


# --- the generator --------------------------------------------------------------------------


class Generator:
    def __init__(self, *, scale: float, seed: int, out: Callable[[str], None], store_files: bool = True):
        self.scale = scale
        self.store_files = store_files
        self.rng = random.Random(seed)
        self.out = out
        self.timings: dict[str, float] = {}
        self.now = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
        self.rows: dict[str, list[Obj]] = defaultdict(list)
        self.plain: dict[str, list[tuple]] = defaultdict(list)  # rows nothing refers to
        self.audit: list[tuple] = []
        self.notes: list[tuple] = []
        self.files: list[tuple[Obj, Enrol]] = []  # each stored file with its portfolio

    # -- timing
    def stage(self, name: str, work: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        result = work()
        self.timings[name] = time.perf_counter() - started
        self.out(f"  {name:<44} {self.timings[name]:7.1f} s")
        return result

    # -- audit events and notifications, as the services write them
    def event(self, t: datetime, action: str, actor: int | None, obj_type: str, obj: Any, repr_: str,
              payload: dict, ip: str | None = None) -> None:
        self.audit.append((t, actor, action, obj_type, obj, repr_[:300], payload, ip))

    def note(self, t: datetime, recipient: int, subject: str, body: str, url: tuple) -> None:
        read = t + timedelta(hours=self.rng.uniform(1, 120))
        self.notes.append((t, recipient, subject[:200], body, url, read if read < self.now - timedelta(days=2) else None))

    def ts(self, start: datetime, end: datetime) -> datetime:
        if end <= start:
            return start
        return start + timedelta(seconds=self.rng.uniform(0, (end - start).total_seconds()))

    # ------------------------------------------------------------------------------------------
    def run(self) -> None:
        from django.db import transaction

        scale = self.scale
        self.n_learners = max(20, round(5000 * scale))
        self.n_trainees = max(1, round(5 * scale))
        self.n_groups = max(self.n_trainees + 1, round(45 * scale))
        self.target_audit = round(1_000_000 * scale)

        # Each write is one transaction, timed with its commit (where the foreign keys are checked).
        self.stage("catalogue (load_catalogue's service)", transaction.atomic(_load_catalogue))
        self.quals = self.stage("plans from the rules engine", lambda: _qualifications(self.rng))
        self.stage("centre, staff, learners, enrolments", transaction.atomic(self.people))
        self.stage("portfolios and assessment (in memory)", self.portfolios)
        self.stage("write evidence, versions, files", transaction.atomic(self.write_evidence))
        self.stage("write mappings, decisions, sign-offs", transaction.atomic(self.write_assessment))
        self.stage("write notifications", transaction.atomic(self.write_notifications))
        self.stage("write audit events", transaction.atomic(self.write_audit))
        self.stage("progress summaries (progress_refresh)", self.progress)

    # -- people -------------------------------------------------------------------------------
    def people(self) -> None:
        from django.contrib.auth.hashers import make_password

        from apps.centres.models import Centre

        rng = self.rng
        centre_created = self.now - timedelta(days=760)
        centre = Centre.objects.create(name=NAME, slug=SLUG, ao_centre_number="R-10447", created_at=centre_created)
        self.centre = centre.pk
        password = make_password(PASSWORD)
        users: list[Obj] = []
        people: dict[str, list[Person]] = defaultdict(list)
        used_emails: set[str] = set()

        def person(kind: str, domain: str, joined: datetime) -> Person:
            while True:
                first, last = rng.choice(FIRST), rng.choice(LAST)
                email = f"{first}.{last}".lower()
                n = 1
                while f"{email}{n if n > 1 else ''}@{domain}" in used_emails:
                    n += 1
                email = f"{email}{n if n > 1 else ''}@{domain}"
                used_emails.add(email)
                user = Obj(joined, (password, None, False, "", "", False, True, joined, email, f"{first} {last}"))
                users.append(user)
                p = Person(0, f"{first} {last}", email, obj=user)
                people[kind].append(p)
                return p

        admins = [person("admin", "riverside.test", centre_created + timedelta(hours=2 + 20 * i)) for i in range(2)]
        iqas = [person("iqa", "riverside.test", self.ts(centre_created, centre_created + timedelta(days=60)))
                for _ in range(max(1, round(4 * self.scale)))]
        eqa = person("eqa", "awarding.test", self.now - timedelta(days=30))
        groups = []
        for g in range(self.n_groups):
            joined = self.ts(centre_created, centre_created + timedelta(days=90))
            if g < self.n_trainees:
                groups.append((person("assessor", "riverside.test", joined),
                               person("trainee", "riverside.test", joined + timedelta(days=1))))
            else:
                groups.append((person("assessor", "riverside.test", joined), None))
        learners = [person("learner", "learners.riverside.test", centre_created) for _ in range(self.n_learners)]
        _number("accounts_user", users)
        self.counts = Counter()
        self.counts["users"] = _write(
            "accounts_user",
            ["password", "last_login", "is_superuser", "first_name", "last_name", "is_staff", "is_active",
             "date_joined", "email", "full_name"],
            users,
        )
        for kind in people.values():
            for p in kind:
                p.user_id = p.obj.id
        # Each account's address, verified (an accepted invitation proves it), as user_create writes it.
        _copy("account_emailaddress", ["user_id", "email", "verified", "primary"],
              ((u.id, u.row[8], True, True) for u in users))
        self.admin, self.eqa = admins[0], eqa

        # memberships; every one came by an invitation, accepted
        memberships = []
        roles = {"admin": dict(admin=True), "iqa": dict(iqa=True), "eqa": dict(eqa=True),
                 "assessor": dict(assessor=True), "trainee": dict(assessor=True, trainee=True),
                 "learner": dict(learner=True)}
        labels = {"admin": ["Centre admin"], "iqa": ["Internal quality assurer"], "eqa": ["External quality assurer"],
                  "assessor": ["Assessor"], "trainee": ["Assessor"], "learner": ["Learner"]}
        self.event(centre_created, "centre.created", None, "centres.centre", centre.pk, NAME, {"name": NAME})
        for kind, persons in people.items():
            r = roles[kind]
            for p in persons:
                joined = p.obj.t
                memberships.append((
                    r.get("learner", False), r.get("assessor", False), r.get("trainee", False), r.get("iqa", False),
                    r.get("admin", False), r.get("eqa", False),
                    (self.now + timedelta(days=60)).date() if r.get("eqa") else None,
                    self.centre, p.user_id, True, joined, False,
                ))
                if kind == "learner":
                    continue  # learners' invitations come with their learner records
                sent = max(joined - timedelta(days=rng.uniform(0.1, 3)), centre_created + timedelta(minutes=10))
                inviter = admins[0].user_id if p is not admins[0] else None
                self.event(sent, "invitation.sent", inviter, "centres.invitation", "", f"Invitation for {p.email} to {NAME}",
                           {"email": p.email, "roles": labels[kind]}, _ip(rng))
                self.event(joined, "user.created", p.user_id, "accounts.user", p.user_id, p.name, {}, _ip(rng))
                self.event(joined, "invitation.accepted", p.user_id, "centres.invitation", "",
                           f"Invitation for {p.email} to {NAME}", {"roles": labels[kind]}, _ip(rng))
        self.counts["memberships"] = _copy(
            "centres_membership",
            ["is_learner", "is_assessor", "is_trainee_assessor", "is_iqa", "is_admin", "is_eqa", "eqa_expires_on",
             "centre_id", "user_id", "is_active", "created_at", "is_lead_iqa"],
            memberships,
        )

        # learners and enrolments, spread over the caseloads
        weights = [MIX[n] for n in MIX if n in self.quals]
        numbers = [n for n in MIX if n in self.quals]
        sizes = [rng.uniform(0.78, 1.22) for _ in groups]
        total = sum(sizes)
        group_of = []
        for g, s in enumerate(sizes):
            group_of += [g] * round(self.n_learners * s / total)
        group_of = (group_of + [rng.randrange(len(groups)) for _ in range(self.n_learners)])[: self.n_learners]
        rng.shuffle(group_of)
        self.enrolments = []
        learner_rows: list[Obj] = []
        for i, p in enumerate(learners):
            q = self.quals[rng.choices(numbers, weights)[0]]
            start = (self.now - timedelta(days=rng.uniform(20, 620))).date()
            end = start + timedelta(days=rng.choice((365, 365, 456, 540)))
            added = datetime.combine(start, datetime.min.time(), UTC) - timedelta(days=rng.uniform(3, 30))
            assessor, trainee = groups[group_of[i]]
            dob = date(rng.randint(1970, 2007), rng.randint(1, 12), rng.randint(1, 28))
            learner = Obj(added, (self.centre, p.user_id, p.name, p.email, dob,
                                  _uln(i) if rng.random() < 0.9 else None, f"RC-{i + 1:05d}", added))
            learner_rows.append(learner)
            self.enrolments.append(Enrol(
                learner=learner, person=p, qual=q, start=start, end=end, added=added,
                assessor=trainee or assessor, mentor=assessor if trainee else None,
                iqa=iqas[i % len(iqas)], plan=rng.choice(q.plans),
            ))
        _number("learners_learner", learner_rows)
        self.counts["learners"] = _write(
            "learners_learner",
            ["centre_id", "user_id", "full_name", "email", "date_of_birth", "uln", "mis_reference", "created_at"],
            learner_rows,
        )
        enrolment_rows = []
        for e in self.enrolments:
            elapsed = (self.now.date() - e.start).days / max(1, (e.end - e.start).days)
            e.progress = min(1.0, max(0.0, elapsed * rng.uniform(0.3, 1.08)))
            roll = rng.random()
            if roll < 0.03 and e.progress > 0.2:
                e.status, e.progress = "withdrawn", e.progress * rng.uniform(0.2, 0.6)
            elif e.progress >= 1.0 and roll < 0.5:
                e.status = "completed"
            else:
                e.status = "active"
            e.obj = Obj(e.added + timedelta(minutes=5), (
                self.centre, e.learner, e.qual.id, f"{e.qual.number[:3]}-{rng.randint(100000, 999999)}", e.start,
                e.end, e.status, e.iqa.user_id, e.added + timedelta(minutes=5), "", "",
            ))
            enrolment_rows.append(e.obj)
        _number("learners_enrolment", enrolment_rows)
        self.counts["enrolments"] = _write(
            "learners_enrolment",
            ["centre_id", "learner_id", "qualification_id", "registration_number", "start_date", "planned_end_date",
             "status", "iqa_id", "created_at", "registered_name", "funding_status"],
            enrolment_rows,
        )
        assigned, planned = [], []
        admin = admins[0]
        for e in self.enrolments:
            staff = [e.assessor] + ([e.mentor] if e.mentor else [])
            assigned += [(e.obj.id, s.user_id) for s in staff]
            t = e.obj.t
            units = e.qual.units
            for uid in e.plan:
                source = "mandatory" if uid in e.qual.mandatory else "chosen"
                planned.append((e.obj.id, uid, source, admin.user_id, t + timedelta(minutes=2)))
            name = e.person.name
            learner_repr = f"{name} on {e.qual.number}"
            self.event(e.learner.t, "learner.created", admin.user_id, "learners.learner", e.learner, name,
                       {"email": e.person.email, "uln": e.learner.row[5], "linked_account": False}, _ip(rng))
            self.event(e.learner.t, "invitation.sent", admin.user_id, "centres.invitation", "",
                       f"Invitation for {e.person.email} to {NAME}", {"email": e.person.email, "roles": ["Learner"]},
                       _ip(rng))
            joined = e.learner.t + timedelta(days=rng.uniform(0.1, 2))
            self.event(joined, "user.created", e.person.user_id, "accounts.user", e.person.user_id, name, {}, _ip(rng))
            self.event(joined, "invitation.accepted", e.person.user_id, "centres.invitation", "",
                       f"Invitation for {e.person.email} to {NAME}", {"roles": ["Learner"]}, _ip(rng))
            self.event(joined, "learner.account_linked", e.person.user_id, "learners.learner", e.learner, name,
                       {"email": e.person.email}, _ip(rng))
            self.event(t, "enrolment.created", admin.user_id, "learners.enrolment", e.obj, learner_repr, {
                "learner": name, "qualification": e.qual.number, "version": e.qual.version,
                "registration_number": e.obj.row[3], "start_date": e.start.isoformat(),
                "planned_end_date": e.end.isoformat(), "assessors": [s.name for s in staff], "iqa": [e.iqa.name],
                "mandatory_units": [units[u].number for u in e.qual.mandatory],
            }, _ip(rng))
            chosen = [units[u].number for u in e.plan if u not in e.qual.mandatory]
            if chosen:
                self.event(t + timedelta(minutes=2), "enrolment.plan_changed", admin.user_id, "learners.enrolment",
                           e.obj, learner_repr, {"added": chosen, "removed": []}, _ip(rng))
            if rng.random() < 0.06:
                self.event(self.ts(t, self.now), "enrolment.staff_reassigned", admin.user_id, "learners.enrolment",
                           e.obj, learner_repr, {"assessors": {"before": [rng.choice(groups)[0].name],
                                                               "after": [s.name for s in staff]},
                                                 "iqa": {"before": [e.iqa.name], "after": [e.iqa.name]}}, _ip(rng))
        _copy("learners_enrolment_assessors", ["enrolment_id", "user_id"], assigned)
        self.counts["planned units"] = _copy(
            "learners_plannedunit", ["enrolment_id", "unit_id", "source", "added_by_id", "added_at"], planned
        )
        self.groups = groups
        self.grant_eqa(eqa, admin)

    def grant_eqa(self, eqa: Person, admin: Person) -> None:
        """The EQA's access, as the centre grants it: every learner on the college's biggest
        qualification, from when they joined until their role ends (eqa_expires_on above)."""
        from apps.learners.rules import qualification_name
        from apps.qualifications.models import Qualification

        number = Counter(e.qual.number for e in self.enrolments).most_common(1)[0][0]
        qual = self.quals[number]
        labels = dict(Qualification.AwardingOrganisation.choices)
        catalogued = Qualification.objects.get(pk=qual.id)
        organisation = catalogued.awarding_organisation
        joined = eqa.obj.t
        grant = Obj(joined, (self.centre, eqa.email, eqa.user_id, organisation, joined.date(),
                             (self.now + timedelta(days=60)).date(), admin.user_id, joined))
        _number("learners_externalaccess", [grant])
        self.counts["EQA grants"] = _write(
            "learners_externalaccess",
            ["centre_id", "email", "user_id", "awarding_organisation", "starts_on", "ends_on", "created_by_id",
             "created_at"],
            [grant],
        )
        _copy("learners_externalaccess_qualifications", ["externalaccess_id", "qualification_id"], [(grant, qual.id)])
        self.event(joined, "eqa.access_granted", admin.user_id, "learners.externalaccess", grant,
                   f"EQA access for {eqa.email}", {
                       "email": eqa.email, "awarding_organisation": labels.get(organisation, organisation),
                       "qualifications": [qualification_name(catalogued)], "learners": [], "starts_on": joined.date().isoformat(),
                       "ends_on": (self.now + timedelta(days=60)).date().isoformat()}, _ip(self.rng))

    # -- portfolios ---------------------------------------------------------------------------
    def portfolios(self) -> None:
        gc.disable()  # millions of small objects that live until written: nothing to collect
        try:
            for e in self.enrolments:
                Portfolio(self, e).build()
        finally:
            gc.enable()

    # -- writing ------------------------------------------------------------------------------
    def write_evidence(self) -> None:
        rows = self.rows
        for table in ("evidence_storedfile", "evidence_evidence", "evidence_evidenceversion"):
            _number(table, rows[table])
        c = self.counts
        c["stored files"] = _write(
            "evidence_storedfile",
            ["centre_id", "key", "original_name", "size", "sha256", "content_type", "kind", "thumbnail_key",
             "uploaded_by_id", "created_at"],
            rows["evidence_storedfile"],
        )
        c["evidence"] = _write(
            "evidence_evidence",
            ["centre_id", "enrolment_id", "status", "current_id", "shared_version_id", "created_by_id", "created_at",
             "submitted_at"],
            rows["evidence_evidence"],
        )
        c["evidence versions"] = _write(
            "evidence_evidenceversion",
            ["evidence_id", "number", "title", "description", "evidence_date", "method", "context", "text",
             "created_at", "submitted_at", "declared_name", "declared_ip", "withdrawn_at"],
            rows["evidence_evidenceversion"],
        )
        c["files of versions"] = _copy("evidence_evidencefile", ["version_id", "file_id", "position"],
                                       self.plain["evidence_evidencefile"])
        c["suggested criteria"] = _copy("evidence_evidenceversion_suggested_criteria",
                                        ["evidenceversion_id", "assessmentcriterion_id"], self.plain["suggested"])
        if self.store_files:
            self._store_some_files()

    def _store_some_files(self) -> None:
        """A few stored files hold real bytes (the demo's photo and recording); the rest are rows."""
        from django.core.files.base import ContentFile
        from django.core.files.storage import default_storage

        from apps.evidence.demo_files import demo_audio, demo_image

        real = [o for o in self.rows["evidence_storedfile"] if o.row[6] in ("image", "audio")][-20:]
        image, audio = demo_image("Riverside College: call log"), demo_audio(1.0)
        for o in real:
            content = image if o.row[6] == "image" else audio
            default_storage.save(o.row[1], ContentFile(content))

    def write_assessment(self) -> None:
        rows, c = self.rows, self.counts
        signature = ["signed_by_id", "signed_name", "signed_at", "signed_ip"]
        for table in ("assessment_mapping", "assessment_decision", "assessment_evidenceassessment",
                      "assessment_requirementcoverage", "assessment_unitsignoff", "assessment_countersignature",
                      "assessment_signoffacknowledgement", "assessment_unitreopening"):
            _number(table, rows[table])
        c["mappings"] = _write("assessment_mapping", [
            *signature, "centre_id", "enrolment_id", "version_id", "criterion_id", "verdict", "supersedes_id", "reason",
        ], rows["assessment_mapping"])
        c["decisions"] = _write("assessment_decision", [
            *signature, "centre_id", "enrolment_id", "version_id", "criterion_id", "outcome", "feedback", "provisional",
            "supersedes_id", "reason",
        ], rows["assessment_decision"])
        c["countersignatures"] = _write("assessment_countersignature", [*signature, "decision_id"],
                                        rows["assessment_countersignature"])
        c["evidence assessments"] = _write("assessment_evidenceassessment", [
            *signature, "centre_id", "enrolment_id", "version_id", "outcome", "feedback", "supersedes_id", "reason",
        ], rows["assessment_evidenceassessment"])
        c["feedback read"] = _copy("assessment_feedbackread", ["assessment_id", "read_by_id", "read_at"],
                                   self.plain["assessment_feedbackread"])
        c["requirement coverage"] = _write("assessment_requirementcoverage", [
            *signature, "centre_id", "enrolment_id", "version_id", "requirement_id", "covered", "supersedes_id", "reason",
        ], rows["assessment_requirementcoverage"])
        c["unit sign-offs"] = _write("assessment_unitsignoff", [*signature, "centre_id", "enrolment_id", "unit_id",
                                                                "comment"], rows["assessment_unitsignoff"])
        c["acknowledgements"] = _write("assessment_signoffacknowledgement", [*signature, "sign_off_id"],
                                       rows["assessment_signoffacknowledgement"])
        c["reopenings"] = _write("assessment_unitreopening", [*signature, "sign_off_id", "reason"],
                                 rows["assessment_unitreopening"])

    def write_notifications(self) -> None:
        self.notes.sort(key=lambda n: n[0])
        self.counts["notifications"] = _copy(
            "notifications_notification",
            ["centre_id", "recipient_id", "subject", "body", "url", "created_at", "read_at", "emailed_at"],
            ((self.centre, r, s, b, url[0].format(*(_plain(v) for v in url[1:])), t, read, t + timedelta(seconds=40))
             for t, r, s, b, url, read in self.notes),
        )

    def write_audit(self) -> None:
        rng = self.rng
        # Files opened by assessors, IQAs and learners make up the rest of the trail (a few at least).
        missing = max(self.target_audit - len(self.audit), round(0.02 * self.target_audit))
        for _ in range(missing if self.files else 0):
            f, e = rng.choice(self.files)
            who = rng.choice(self.people_of(e)) if rng.random() < 0.7 else e.person.user_id
            self.event(self.ts(f.t, self.now), "file.downloaded", who, "evidence.storedfile", f, f.row[2],
                       {"name": f.row[2], "sha256": f.row[4], "inline": rng.random() < 0.7}, _ip(rng))
        self.audit.sort(key=lambda a: a[0])
        dumps = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
        self.counts["audit events"] = _copy(
            "audit_auditevent",
            ["created_at", "actor_id", "centre_id", "action", "object_type", "object_id", "object_repr", "payload",
             "ip_address"],
            ((t, actor, self.centre, action, obj_type, "" if obj == "" else str(_plain(obj)), repr_,
              dumps({k: _plain(v) for k, v in payload.items()}), ip)
             for t, actor, action, obj_type, obj, repr_, payload, ip in self.audit),
        )

    @staticmethod
    def people_of(e: Enrol) -> list[int]:
        """Staff who open a learner's files: their assessors and IQA."""
        return [e.assessor.user_id, e.iqa.user_id] + ([e.mentor.user_id] if e.mentor else [])

    def progress(self) -> None:
        from django.db import transaction

        from apps.assessment.progress import progress_refresh

        ids = sorted(e.obj.id for e in self.enrolments)
        for start in range(0, len(ids), 500):
            with transaction.atomic():
                progress_refresh(ids[start:start + 500])
        self.counts["progress summaries"] = len(ids)


@dataclass
class Enrol:
    learner: Obj
    person: Person
    qual: QualInfo
    start: date
    end: date
    added: datetime
    assessor: Person  # who judges: a trainee on a trainee's caseload
    mentor: Person | None  # the qualified assessor who countersigns the trainee's decisions and signs off
    iqa: Person
    plan: list[int]
    progress: float = 0.0
    status: str = "active"
    obj: Obj = None  # type: ignore[assignment]


class Portfolio:
    """One enrolment's evidence and assessment, in time order, as the learner and assessors work."""

    def __init__(self, g: Generator, e: Enrol):
        self.g, self.e, self.rng = g, e, g.rng
        self.units = e.qual.units
        criteria = [c for uid in e.plan for c in self.units[uid].criteria]
        if not criteria:  # no plan (a source without rules): the first units
            criteria = [c for u in sorted(self.units.values(), key=lambda u: u.position)[:3] for c in u.criteria]
        self.criteria = criteria
        self.crit_by_id = {c.id: c for c in criteria}
        self.met_at: dict[int, datetime] = {}  # criterion -> when a counting "met" decision confirmed it
        self.judged: set[int] = set()
        self.covered_at: dict[int, datetime] = {}  # requirement -> when ticked
        self.signed: dict[int, datetime] = {}  # unit -> when signed off (a signed unit is locked)
        self.last_record: dict[int, datetime] = {}  # unit -> its latest decision or countersignature
        self.n_evidence = 0

    # -- helpers
    def begin(self) -> datetime:
        return datetime.combine(self.e.start, datetime.min.time(), UTC) + timedelta(hours=9)

    def stop(self) -> datetime:
        end = datetime.combine(self.e.end, datetime.min.time(), UTC)
        return min(self.g.now - timedelta(hours=6), end)

    def build(self) -> None:
        e, rng = self.e, self.rng
        new_total = round(e.progress * len(self.criteria))
        # Holistic evidence judges some criteria again: a learner well on has ~2.6 judgements a criterion.
        factor = 1.0 + 1.6 * e.progress * rng.uniform(0.6, 1.0)
        judgements = round(new_total * factor)
        pending = list(self.criteria[:new_total])
        retry: list[Crit] = []
        begin, stop = self.begin() + timedelta(days=7), self.stop()
        active = e.status == "active"
        # Assessment goes on until today; what was submitted in the last weeks mostly waits.
        recent = (stop - timedelta(days=8)) if active else stop
        pieces = max(1, round(judgements / 5.6)) if judgements else 0
        span = (recent - begin) if recent > begin else timedelta(days=1)
        done = 0
        for i in range(pieces):
            t = begin + span * ((i + rng.uniform(0.1, 0.9)) / pieces)
            k = max(1, min(12, round(rng.gauss(5.6, 2.2))))
            take_new = min(len(pending) + len(retry), max(1, round(k * new_total / max(1, judgements))))
            chosen: list[Crit] = []
            ids: set[int] = set()
            while retry and len(chosen) < take_new:
                c = retry.pop(0)
                if c.id not in ids and c.id not in self.met_at:
                    chosen.append(c)
                    ids.add(c.id)
            while pending and len(chosen) < take_new:
                c = pending.pop(0)
                if c.id not in ids:
                    chosen.append(c)
                    ids.add(c.id)
            seen = [c for c in self.criteria if c.id in self.judged and c.id not in ids and c.unit_id not in self.signed]
            while seen and len(chosen) < k and done + len(chosen) < judgements:
                pick = rng.choice(seen)
                seen.remove(pick)
                chosen.append(pick)
            if not chosen:
                continue
            done += len(chosen)
            retry += self.assessed_piece(t, chosen)
        if active:
            upcoming = pending + self.criteria[new_total:]
            for _ in range(rng.choices((0, 1, 2, 3), (30, 35, 22, 13))[0]):
                self.waiting_piece(self.g.ts(stop - timedelta(days=25), stop), upcoming[: rng.randint(0, 5)])
            for _ in range(rng.choices((0, 1, 2), (55, 33, 12))[0]):
                self.draft_piece(self.g.ts(stop - timedelta(days=40), stop), upcoming[: rng.randint(0, 3)])
            if rng.random() < 0.04:
                self.withdrawn_piece(self.g.ts(begin, stop))
            if rng.random() < 0.06:
                self.referred_piece(self.g.ts(stop - timedelta(days=30), stop), upcoming[:2])

    # -- the pieces of evidence
    def evidence(self, t: datetime, status: str, *, method: str | None = None) -> tuple[Obj, str, str]:
        rng = self.rng
        method = method or rng.choices(list(METHODS), list(METHODS.values()))[0]
        title = rng.choice(TITLES[method]).format(t=rng.choice(TOPICS))
        title = title[0].upper() + title[1:]
        ev = Obj(t, [self.g.centre, self.e.obj, status, None, None, self.e.person.user_id, t, None])
        self.g.rows["evidence_evidence"].append(ev)
        self.n_evidence += 1
        return ev, method, title

    def version(self, ev: Obj, number: int, title: str, method: str, created: datetime,
                submitted: datetime | None, suggested: list[Crit], *, context: str = "real_work",
                withdrawn: datetime | None = None) -> Obj:
        rng, e = self.rng, self.e
        text = (f"On {created:%d %B} I dealt with {rng.choice(TOPICS)}. I checked the customer's details, "
                f"explained the options and agreed what would happen next. " * rng.randint(1, 4)).strip()
        v = Obj(created, (ev, number, title, "" if rng.random() < 0.6 else f"Evidence for {title.lower()}.",
                          (created - timedelta(days=rng.randint(0, 6))).date(), method, context, text, created,
                          submitted, e.person.name if submitted else "", _ip(rng) if submitted else None, withdrawn))
        self.g.rows["evidence_evidenceversion"].append(v)
        self.g.plain["suggested"] += [(v, c) for c in dict.fromkeys(c.id for c in suggested)]
        if rng.random() < 0.3:
            kind, ext, ctype = rng.choice((("image", "jpg", "image/jpeg"), ("document", "pdf", "application/pdf"),
                                           ("audio", "wav", "audio/wav")))
            name = f"{title[:40].strip()}.{ext}"
            digest = hashlib.sha256(f"{e.obj.t}{title}{created}".encode()).hexdigest()
            f = Obj(created - timedelta(minutes=3), (self.g.centre, f"centres/{self.g.centre}/bench/{digest[:32]}", name,
                                                     rng.randint(40_000, 4_000_000), digest, ctype, kind, "",
                                                     e.person.user_id, created - timedelta(minutes=3)))
            self.g.rows["evidence_storedfile"].append(f)
            self.g.plain["evidence_evidencefile"].append((v, f, 0))
            self.g.files.append((f, e))
            self.g.event(f.t, "file.uploaded", e.person.user_id, "evidence.storedfile", f, name,
                         {"name": name, "size": f.row[3], "type": ctype, "sha256": digest}, _ip(rng))
            files = 1
        else:
            files = 0
        action = "evidence.created" if number == 1 else "evidence.new_version"
        payload = {"title": title, "files": files} if number == 1 else {"version": number, "files": files}
        self.g.event(created, action, e.person.user_id, "evidence.evidence", ev, title, payload, _ip(rng))
        for _ in range(self.rng.choices((0, 1, 2), (75, 22, 3))[0]):
            edited = self.g.ts(created, submitted or min(self.g.now, created + timedelta(days=3)))
            self.g.event(edited, "evidence.updated", e.person.user_id, "evidence.evidence", ev, title,
                         {"version": number, "files": files}, _ip(rng))
        if submitted:
            self.g.event(submitted, "evidence.submitted", e.person.user_id, "evidence.evidence", ev, title,
                         {"version": number, "declared_name": e.person.name}, _ip(rng))
            for staff in self.staff():
                self.g.note(submitted, staff.user_id, f"{e.person.name} submitted “{title}”",
                            f"New evidence from {e.person.name} is waiting for your judgement.",
                            ("/assessment/evidence/{}/", ev))
        return v

    def staff(self) -> list[Person]:
        return [self.e.assessor] + ([self.e.mentor] if self.e.mentor else [])

    def context_for(self, chosen: list[Crit]) -> str:
        from apps.assessment.status import context_refusal

        if self.rng.random() < 0.85:
            return "real_work"
        for c in chosen:
            unit = self.units[c.unit_id]
            if context_refusal(unit_number=unit.number, simulation_allowed=unit.simulation_allowed,
                               workplace_evidence_required=unit.workplace_evidence_required,
                               outcome_title=unit.outcome_titles.get(c.id, ""), context="rwe"):
                return "real_work"
        return "rwe"

    def assessed_piece(self, t: datetime, chosen: list[Crit]) -> list[Crit]:
        """A piece judged (perhaps referred first and resubmitted); returns criteria judged not yet met."""
        rng, g = self.rng, self.g
        created = t - timedelta(days=rng.uniform(0.05, 6))
        ev, method, title = self.evidence(created, "accepted")
        context = self.context_for(chosen)
        suggested = [c for c in chosen if rng.random() < 0.7] if rng.random() < 0.65 else []
        rejected = []
        if rng.random() < 0.05:
            others = [c for c in self.units[chosen[0].unit_id].criteria if c not in chosen]
            rejected = others[:1]
        v1 = self.version(ev, 1, title, method, created, t, suggested + rejected, context=context)
        number, version, submitted = 1, v1, t
        if rng.random() < 0.09 and t + timedelta(days=20) < g.now:
            referred_at = t + timedelta(days=rng.uniform(0.5, 9))
            self.assess(ev, version, number, title, referred_at, [], [], "referred")
            number, created2 = 2, referred_at + timedelta(days=rng.uniform(0.5, 6))
            submitted = created2 + timedelta(hours=rng.uniform(1, 50))
            version = self.version(ev, 2, title, method, created2, submitted, suggested + rejected, context=context)
        when = submitted + timedelta(days=rng.uniform(0.3, 12))
        if when >= g.now - timedelta(hours=1):
            when = submitted + (g.now - timedelta(hours=1) - submitted) * rng.random()
        ev.row[3] = ev.row[4] = version
        ev.row[7] = submitted
        return self.assess(ev, version, number, title, when, chosen, rejected, "accepted")

    def assess(self, ev: Obj, version: Obj, number: int, title: str, when: datetime, chosen: list[Crit],
               rejected: list[Crit], outcome: str) -> list[Crit]:
        """As evidence_assess writes it: mappings, decisions, coverage, the assessment, the events."""
        rng, g, e = self.rng, self.g, self.e
        by = e.assessor if (e.mentor is None or rng.random() < 0.8) else e.mentor
        provisional = by is not e.mentor and e.mentor is not None
        ip = _ip(rng)
        sig = (by.user_id, by.name, when, ip)
        again: list[Crit] = []
        decisions = []
        for c in chosen:
            met = outcome == "accepted" and (c.id in self.met_at or rng.random() < 0.93)
            result = "met" if met else "not_yet_met"
            g.rows["assessment_mapping"].append(Obj(when, (*sig, g.centre, e.obj, version, c.id, "mapped", None, "")))
            d = Obj(when, (*sig, g.centre, e.obj, version, c.id, result, rng.choice(FEEDBACK) if rng.random() < 0.3 else "",
                           provisional, None, ""))
            g.rows["assessment_decision"].append(d)
            decisions.append((d, c, result))
            self.judged.add(c.id)
        for c in rejected:
            g.rows["assessment_mapping"].append(Obj(when, (*sig, g.centre, e.obj, version, c.id, "rejected", None, "")))
        covered = []
        if outcome == "accepted":
            for unit_id in {c.unit_id for c in chosen}:
                unit = self.units[unit_id]
                if all(c.id in self.judged for c in unit.criteria):
                    for rid, label in unit.requirements:
                        if rid not in self.covered_at:
                            covered.append((rid, label))
                            self.covered_at[rid] = when
                            g.rows["assessment_requirementcoverage"].append(
                                Obj(when, (*sig, g.centre, e.obj, version, rid, True, None, "")))
        feedback = rng.choice(REFERRALS) if outcome == "referred" else (rng.choice(FEEDBACK) if rng.random() < 0.5 else "")
        assessment = Obj(when, (*sig, g.centre, e.obj, version, outcome, feedback, None, ""))
        g.rows["assessment_evidenceassessment"].append(assessment)
        if when < g.now - timedelta(days=3) and rng.random() < 0.88:
            g.plain["assessment_feedbackread"].append(
                (assessment, e.person.user_id, when + timedelta(hours=rng.uniform(1, 60))))
        ev.row[2] = outcome
        if chosen or rejected:
            g.event(when, "assessment.mappings_recorded", by.user_id, "evidence.evidence", ev, title,
                    {"version": number, "mapped": [c.label for c in chosen], "rejected": [c.label for c in rejected]}, ip)
        for d, c, result in decisions:
            g.event(when, "assessment.decision_recorded", by.user_id, "assessment.decision", d,
                    f"{'Met' if result == 'met' else 'Not yet met'} ({'provisional' if provisional else 'signed'} by {by.name})",
                    {"evidence": ev, "version": number, "criterion": c.label, "outcome": result,
                     "provisional": provisional, "signed_name": by.name}, ip)
        if covered:
            g.event(when, "assessment.requirements_covered", by.user_id, "evidence.evidence", ev, title,
                    {"version": number, "requirements": [label for _, label in covered]}, ip)
        g.event(when, f"assessment.evidence_{outcome}", by.user_id, "evidence.evidence", ev, title,
                {"version": number, "assessment": assessment, "decisions": len(decisions), "provisional": provisional,
                 "signed_name": by.name}, ip)
        if outcome == "accepted":
            met_n = sum(1 for _, _, r in decisions if r == "met")
            g.note(when, e.person.user_id, f"“{title}” has been assessed",
                   f"Your assessor accepted “{title}” and judged {met_n} of {len(decisions)} criteria met."
                   + (f"\n\n{feedback}" if feedback else ""), ("/portfolio/evidence/{}/", ev))
        else:
            g.note(when, e.person.user_id, f"“{title}” has been referred back to you",
                   f"Your assessor referred “{title}” back to you. Change it and submit it again.\n\n{feedback}",
                   ("/portfolio/evidence/{}/", ev))
        # countersignatures and corrections
        for d, c, result in decisions:
            self.touch(c.unit_id, when)
            confirmed: datetime | None = when
            if provisional:
                signed = when + timedelta(days=rng.uniform(0.2, 6))
                confirmed = signed if signed < g.now else None
            correcting = when + timedelta(days=rng.uniform(0.1, 3))
            # Only a confirmed decision is corrected here (a trainee's correction of their own
            # provisional decision would leave that decision uncountersignable).
            if confirmed is not None and confirmed < correcting < g.now and rng.random() < 0.012:
                if provisional:
                    self.countersign(d, c, result, confirmed)
                later = self.correct(d, c, result, version, correcting)
                if later is not None:
                    result, confirmed = later if later[1] is not None else (result, confirmed)
            elif provisional and confirmed is not None:
                self.countersign(d, c, result, confirmed)
            if result == "met" and confirmed is not None and outcome == "accepted":
                self.met_at[c.id] = min(self.met_at.get(c.id, confirmed), confirmed)
            elif c.id not in self.met_at and outcome == "accepted":
                again.append(c)
        for unit_id in {c.unit_id for c in chosen}:
            self.maybe_sign_off(unit_id)
        return again

    def touch(self, unit_id: int, when: datetime) -> None:
        self.last_record[unit_id] = max(self.last_record.get(unit_id, when), when)

    def countersign(self, d: Obj, c: Crit, result: str, when: datetime) -> None:
        g, e = self.g, self.e
        ip = _ip(self.rng)
        cs = Obj(when, (e.mentor.user_id, e.mentor.name, when, ip, d))
        g.rows["assessment_countersignature"].append(cs)
        self.touch(c.unit_id, when)
        g.event(when, "assessment.decision_countersigned", e.mentor.user_id, "assessment.decision", d,
                f"{'Met' if result == 'met' else 'Not yet met'} (provisional by {d.row[1]})",
                {"countersignature": cs, "criterion": c.label, "outcome": result, "trainee": d.row[1],
                 "signed_name": e.mentor.name}, ip)

    def correct(self, d: Obj, c: Crit, result: str, version: Obj, when: datetime) -> tuple[str, datetime | None] | None:
        """A correction: a new decision that supersedes this one, with the reason. Returns the
        outcome now in force and when it was confirmed (None while a trainee's correction waits)."""
        rng, g, e = self.rng, self.g, self.e
        if c.unit_id in self.signed:
            return None
        new = "met"
        by = e.assessor
        provisional = e.mentor is not None
        ip = _ip(rng)
        reason = rng.choice(CORRECTIONS)
        nd = Obj(when, (by.user_id, by.name, when, ip, g.centre, e.obj, version, c.id, new, "", provisional, d, reason))
        g.rows["assessment_decision"].append(nd)
        self.touch(c.unit_id, when)
        g.event(when, "assessment.decision_corrected", by.user_id, "assessment.decision", nd,
                f"Met ({'provisional' if provisional else 'signed'} by {by.name})",
                {"supersedes": d, "criterion": c.label, "from": result, "to": new, "reason": reason,
                 "provisional": provisional, "signed_name": by.name}, ip)
        g.note(when, e.person.user_id, f"A decision on “{version.row[2]}” was corrected",
               f"{c.label} is now judged met. Reason: {reason}", ("/portfolio/evidence/{}/", version.row[0]))
        if not provisional:
            return new, when
        signed = when + timedelta(days=rng.uniform(0.2, 5))
        if signed >= g.now:
            return new, None  # not countersigned yet: the decision it corrects stays in force
        self.countersign(nd, c, new, signed)
        return new, signed

    def waiting_piece(self, t: datetime, suggested: list[Crit]) -> None:
        ev, method, title = self.evidence(t - timedelta(days=self.rng.uniform(0.1, 4)), "submitted")
        v = self.version(ev, 1, title, method, ev.t, t, suggested)
        ev.row[3] = ev.row[4] = v
        ev.row[7] = t

    def draft_piece(self, t: datetime, suggested: list[Crit]) -> None:
        ev, method, title = self.evidence(t, "draft")
        ev.row[3] = self.version(ev, 1, title, method, t, None, suggested)

    def withdrawn_piece(self, t: datetime) -> None:
        ev, method, title = self.evidence(t, "withdrawn")
        submitted = t + timedelta(hours=2)
        withdrawn = submitted + timedelta(hours=self.rng.uniform(1, 30))
        v = self.version(ev, 1, title, method, t, submitted, [], withdrawn=min(withdrawn, self.g.now))
        ev.row[3] = ev.row[4] = v
        ev.row[7] = submitted
        self.g.event(min(withdrawn, self.g.now), "evidence.withdrawn", self.e.person.user_id, "evidence.evidence", ev,
                     title, {"version": 1}, _ip(self.rng))

    def referred_piece(self, t: datetime, suggested: list[Crit]) -> None:
        """Referred back and not yet resubmitted: perhaps a new draft version started."""
        ev, method, title = self.evidence(t - timedelta(days=2), "referred")
        v = self.version(ev, 1, title, method, ev.t, t, suggested)
        ev.row[3] = ev.row[4] = v
        ev.row[7] = t
        when = min(t + timedelta(days=self.rng.uniform(0.5, 5)), self.g.now - timedelta(hours=1))
        self.assess(ev, v, 1, title, when, [], [], "referred")
        if self.rng.random() < 0.5:
            ev.row[3] = self.version(ev, 2, title, method, min(when + timedelta(days=1), self.g.now), None, suggested)
            ev.row[2] = "draft"
            ev.row[7] = None

    # -- units
    def maybe_sign_off(self, unit_id: int) -> None:
        """Sign the unit off a little while after everything in it is met and covered."""
        g, e = self.g, self.e
        unit = self.units[unit_id]
        if unit_id in self.signed or unit_id not in e.plan or not unit.criteria:
            return
        if any(c.id not in self.met_at for c in unit.criteria) or any(r not in self.covered_at for r, _ in unit.requirements):
            return
        ready = max([self.met_at[c.id] for c in unit.criteria] + [self.covered_at[r] for r, _ in unit.requirements]
                    + [self.last_record.get(unit_id, g.now - timedelta(days=3650))])
        when = ready + timedelta(days=self.rng.uniform(0.5, 14))
        if when < g.now:
            self.signed[unit_id] = when
            self.sign_off(unit, e.mentor or e.assessor, when)

    def sign_off(self, unit: UnitInfo, signer: Person, when: datetime) -> None:
        rng, g, e = self.rng, self.g, self.e
        ip = _ip(rng)
        s = Obj(when, (signer.user_id, signer.name, when, ip, g.centre, e.obj, unit.id,
                       "" if rng.random() < 0.7 else "All criteria met with strong workplace evidence."))
        g.rows["assessment_unitsignoff"].append(s)
        g.event(when, "assessment.unit_signed_off", signer.user_id, "assessment.unitsignoff", s,
                f"Signed off by {signer.name}", {"enrolment": e.obj, "unit": unit.number, "urn": unit.urn,
                                                 "signed_name": signer.name}, ip)
        g.note(when, e.person.user_id, f"Unit {unit.number} has been signed off",
               f"Your assessor signed off unit {unit.number} {unit.title}. Open it to acknowledge the sign-off.",
               ("/assessment/enrolments/{}/units/" + unit.number + "/", e.obj))
        if rng.random() < 0.004:
            reopened = when + timedelta(days=rng.uniform(1, 20))
            if reopened < g.now:
                reason = rng.choice(REOPENINGS)
                g.rows["assessment_unitreopening"].append(
                    Obj(reopened, (signer.user_id, signer.name, reopened, ip, s, reason)))
                g.event(reopened, "assessment.unit_reopened", signer.user_id, "assessment.unitsignoff", s,
                        f"Signed off by {signer.name}", {"unit": unit.number, "reason": reason,
                                                         "signed_name": signer.name}, ip)
                again = reopened + timedelta(days=rng.uniform(1, 10))
                if again < g.now:
                    self.sign_off(unit, signer, again)
                return
        acknowledged = when + timedelta(days=rng.uniform(0.1, 9))
        if acknowledged < g.now and rng.random() < 0.88:
            g.rows["assessment_signoffacknowledgement"].append(
                Obj(acknowledged, (e.person.user_id, e.person.name, acknowledged, _ip(rng), s)))
            g.event(acknowledged, "assessment.sign_off_acknowledged", e.person.user_id, "assessment.unitsignoff", s,
                    f"Signed off by {signer.name}", {"unit": unit.number, "signed_name": e.person.name}, _ip(rng))
            g.note(acknowledged, signer.user_id, f"{e.person.name} acknowledged unit {unit.number}", "",
                   ("/assessment/enrolments/{}/units/" + unit.number + "/", e.obj))


# --- finding what the benchmarks use -------------------------------------------------------------


def _one(sql: str, params: list) -> tuple:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def find_college() -> College | None:
    """The generated centre, if this database has one, with the people the benchmarks act as."""
    from apps.centres.models import Centre

    centre = Centre.objects.filter(slug=SLUG).first()
    if centre is None:
        return None
    admin = _one("SELECT user_id FROM centres_membership WHERE centre_id = %s AND is_admin ORDER BY id LIMIT 1",
                 [centre.pk])[0]
    assessor, size = _one(
        """SELECT a.user_id, count(*) FROM learners_enrolment_assessors a
             JOIN learners_enrolment e ON e.id = a.enrolment_id
             JOIN centres_membership m ON m.user_id = a.user_id AND m.centre_id = e.centre_id
            WHERE e.centre_id = %s AND e.status = 'active' AND m.is_assessor AND NOT m.is_trainee_assessor
              AND NOT EXISTS (SELECT 1 FROM learners_enrolment_assessors t
                                JOIN centres_membership tm ON tm.user_id = t.user_id AND tm.centre_id = e.centre_id
                               WHERE t.enrolment_id = e.id AND tm.is_trainee_assessor)
            GROUP BY a.user_id ORDER BY abs(count(*) - 100), a.user_id LIMIT 1""",
        [centre.pk],
    )
    countersigner = _one(
        """SELECT DISTINCT ON (c.signed_by_id) c.signed_by_id FROM assessment_countersignature c
             JOIN centres_membership m ON m.user_id = c.signed_by_id AND m.centre_id = %s ORDER BY c.signed_by_id
            LIMIT 1""",
        [centre.pk],
    )
    enrolment, learner_user, decisions, evidence = _one(
        """SELECT e.id, l.user_id, count(d.id),
                  (SELECT min(v.id) FROM evidence_evidence v WHERE v.enrolment_id = e.id AND v.status = 'submitted')
             FROM learners_enrolment e
             JOIN learners_learner l ON l.id = e.learner_id
             JOIN qualifications_qualification q ON q.id = e.qualification_id
             JOIN assessment_decision d ON d.enrolment_id = e.id
            WHERE e.centre_id = %s AND q.number = '600/1257/2' AND e.status = 'active'
              AND EXISTS (SELECT 1 FROM evidence_evidence v WHERE v.enrolment_id = e.id AND v.status = 'submitted')
            GROUP BY e.id, l.user_id ORDER BY abs(count(d.id) - 300), e.id LIMIT 1""",
        [centre.pk],
    )
    evidence_assessor = _one(
        """SELECT a.user_id FROM learners_enrolment_assessors a
             JOIN centres_membership m ON m.user_id = a.user_id AND m.centre_id = %s
            WHERE a.enrolment_id = %s ORDER BY m.is_trainee_assessor, a.user_id LIMIT 1""",
        [centre.pk, enrolment],
    )[0]
    counts = {}
    for name, table in (("learners", "learners_learner"), ("evidence", "evidence_evidence"),
                        ("mappings", "assessment_mapping"), ("decisions", "assessment_decision"),
                        ("audit events", "audit_auditevent")):
        counts[name] = _one(f"SELECT count(*) FROM {table}", [])[0]
    return College(
        counts=counts, centre_id=centre.pk, admin_user_id=admin, assessor_user_id=assessor, caseload_size=size,
        countersigner_user_id=countersigner[0] if countersigner else assessor, learner_user_id=learner_user,
        enrolment_id=enrolment, decisions=decisions, evidence_id=evidence, evidence_assessor_user_id=evidence_assessor,
    )


def vacuum_analyze(out: Callable[[str], None] = print) -> None:
    """Fresh statistics and visibility maps, as autovacuum would give a live database; as the
    tables' owner where there is one (the app's role may not)."""
    from django.db import connection

    from apps.core.db import as_owner

    started = time.perf_counter()
    with as_owner():
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
    out(f"  {'vacuum and analyze':<44} {time.perf_counter() - started:7.1f} s")


def generate(*, scale: float = 1.0, seed: int = 10, out: Callable[[str], None] = print) -> College:
    """Build the college in the current database (which must not have it yet) and say how
    long each part took."""
    out(f"Generating {NAME} at scale {scale:g} (seed {seed}):")
    started = time.perf_counter()
    generator = Generator(scale=scale, seed=seed, out=out)
    generator.run()
    vacuum_analyze(out)
    out(f"  {'in all':<44} {time.perf_counter() - started:7.1f} s")
    counts = generator.counts
    out("  " + ", ".join(f"{n:,} {name}" for name, n in counts.items()))
    found = find_college()
    assert found is not None
    return found


def college(*, scale: float = 1.0, out: Callable[[str], None] = print) -> College:
    """The college of this database: generated unless it is already there (a kept database)."""
    found = find_college()
    if found is not None:
        out(f"Reusing {NAME} already in this database.")
        return found
    return generate(scale=scale, out=out)


# --- on its own: a database of its own ---------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    import argparse
    import os

    parser = argparse.ArgumentParser(description="Generate the benchmark college in a database of its own.")
    parser.add_argument("--scale", type=float, default=1.0, help="1 is 5,000 learners and a million audit events")
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--keep", action="store_true",
                        help="keep the database (test_attest_bench_generate) instead of dropping it")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ.setdefault("ATTEST_TEST_RUN_ID", "bench_generate")
    import django

    django.setup()
    from django.db import connection

    from apps.core.db import as_owner, grant_to_app, owner_credentials

    app_user = connection.settings_dict["USER"]
    with as_owner():
        name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        grant_to_app(app_user)
    print(f"Database {name}")
    try:
        generate(scale=args.scale, seed=args.seed)
    finally:
        if not args.keep:
            with as_owner():
                connection.creation.destroy_test_db(name, verbosity=0)
            print(f"Dropped {name}.")
        elif owner_credentials() is not None:
            print(f"Kept {name}.")


if __name__ == "__main__":
    main()
