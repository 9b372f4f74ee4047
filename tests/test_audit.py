import ast
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.audit.actions import ACTIONS, GROUPS, grouped_choices
from apps.audit.models import AuditEvent
from apps.audit.presentation import describe
from apps.audit.services import audit_record
from tests.factories import CentreFactory, UserFactory

APPS = Path(__file__).resolve().parent.parent / "apps"


@pytest.fixture
def event(centre, admin_membership):
    with transaction.atomic():
        return audit_record(
            action="centre.mfa_requirement_changed", actor=admin_membership.user, centre=centre,
            payload={"require_mfa_for_staff": True},
        )


def record(action: str, *, actor=None, centre=None, payload=None, obj=None) -> AuditEvent:
    with transaction.atomic():
        return audit_record(action=action, actor=actor, centre=centre, payload=payload, obj=obj)


def named(membership, full_name: str):
    membership.user.full_name = full_name
    membership.user.save(update_fields=["full_name"])
    return membership


def trail(client, url: str = "/audit/", **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


# --- the record itself ----------------------------------------------------------------------


def test_an_event_records_who_where_what_and_when(event, admin_membership, centre):
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.action, stored.actor, stored.centre, stored.payload) == (
        "centre.mfa_requirement_changed",
        admin_membership.user,
        centre,
        {"require_mfa_for_staff": True},
    )
    assert stored.created_at is not None


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditevent SET action = 'forged' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ],
)
def test_the_database_refuses_to_change_or_delete_an_event(event, statement):
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "centre.mfa_requirement_changed"


def test_the_orm_cannot_change_or_delete_an_event_either(event):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk, action="centre.mfa_requirement_changed").exists()


def test_an_event_outside_a_transaction_is_refused(transactional_db, centre):
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit_record(action="centre.created", actor=None, centre=centre)


# --- one declared list of action codes --------------------------------------------------------


def test_an_undeclared_action_code_is_refused_and_nothing_is_written(centre):
    with pytest.raises(ValueError, match="'evidence.teleported'"), transaction.atomic():
        audit_record(action="evidence.teleported", actor=None, centre=centre)
    assert not AuditEvent.objects.exists()


def _written_codes() -> tuple[set[str], set[str]]:
    """Every code the apps' source passes to audit_record: string literals given as `action=`
    (including both sides of a conditional), assigned to a variable named `action`, or given
    first to a module's own `_audit(...)` helper; and the constant prefixes of f-string codes."""
    codes: set[str] = set()
    prefixes: set[str] = set()

    def collect(node: ast.AST) -> None:
        if isinstance(node, ast.JoinedStr):
            head = node.values[0] if node.values else None
            if isinstance(head, ast.Constant) and isinstance(head.value, str):
                prefixes.add(head.value)
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, str) and "." in node.value:
                codes.add(node.value)
        else:
            for child in ast.iter_child_nodes(node):
                collect(child)

    for path in APPS.rglob("*.py"):
        if "migrations" in path.parts or path.parts[-2] == "audit" or "management" in path.parts:
            continue  # argparse's action="store_true" is not an audit code
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Call):
                for keyword in node.keywords:
                    if keyword.arg == "action":
                        collect(keyword.value)
                if isinstance(node.func, ast.Name) and node.func.id == "_audit" and node.args:
                    collect(node.args[0])
            elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "action" for t in node.targets):
                collect(node.value)
    return codes, prefixes


def test_every_action_code_the_apps_write_is_declared_with_a_label():
    codes, prefixes = _written_codes()
    assert {"evidence.submitted", "records.observation_created", "membership.deactivated"} <= codes  # the scan works
    assert codes - set(ACTIONS) == set(), "declare these in apps/audit/actions.py"
    assert all(any(code.startswith(prefix) for code in ACTIONS) for prefix in prefixes)


def test_each_outcome_of_an_evidence_assessment_has_its_declared_code():
    from apps.assessment.models import EvidenceAssessment

    assert {f"assessment.evidence_{outcome}" for outcome in EvidenceAssessment.Outcome.values} <= set(ACTIONS)


def test_the_codes_colleagues_are_adding_are_declared():
    assert {"catalogue.import_requested", "evidence.recorded", "file.downloaded"} <= set(ACTIONS)


def test_each_code_is_declared_once_with_a_label_of_its_own():
    declared = [code for codes in GROUPS.values() for code in codes]
    assert len(declared) == len(set(declared)) == len(ACTIONS)
    labels = list(ACTIONS.values())
    assert len(labels) == len(set(labels)) and all(label.strip() for label in labels)


def test_action_choices_are_grouped_as_declared_and_sorted_by_label():
    choices = grouped_choices(["evidence.withdrawn", "evidence.submitted", "membership.deactivated", "legacy.code"])
    assert choices == [
        ("Evidence", [("evidence.submitted", "Evidence submitted"), ("evidence.withdrawn", "Evidence withdrawn")]),
        ("People and centre", [("membership.deactivated", "Member deactivated")]),
        ("Other", [("legacy.code", "legacy.code")]),
    ]


def test_the_audit_app_imports_no_other_app_but_core():
    imported = set()
    for path in (APPS / "audit").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
    others = {name for name in imported if name.startswith("apps.") and not name.startswith(("apps.audit", "apps.core"))}
    assert others == set()


# --- sentences -------------------------------------------------------------------------------


def unsaved(action: str, *, actor=None, object_repr: str = "", payload=None, object_id: str = "") -> AuditEvent:
    return AuditEvent(action=action, actor=actor, object_repr=object_repr, object_id=object_id, payload=payload or {})


def test_every_declared_code_reads_as_a_sentence_even_without_its_payload():
    from apps.accounts.models import User

    asha = User(pk=1, email="asha@example.test", full_name="Asha Assessor")
    for code in ACTIONS:
        text = describe(unsaved(code, actor=asha))
        if code != "records.witness_responded":  # a witness has no account: their signed name says who
            assert text.sentence.startswith("Asha Assessor "), code
        assert "  " not in text.sentence and not text.sentence.endswith(" "), code
        assert "{" not in text.sentence and "None" not in text.sentence, code
        assert text.label == ACTIONS[code]


def test_a_code_without_a_sentence_of_its_own_reads_as_actor_label_and_object():
    text = describe(unsaved("legacy.thing", object_repr="Old record"))
    assert text.sentence == "Attest — legacy.thing: Old record"


def test_details_are_labelled_values_never_raw_structures():
    event = unsaved(
        "enrolment.staff_reassigned",
        object_repr="Ben Baker on 600/0000/1",
        payload={
            "assessors": {"before": ["Asha Assessor"], "after": ["Asha Assessor", "Sam Second"]},
            "iqa": {"before": [], "after": ["Ivy Quality"]},
            "enrolment": 12,
            "linked_account": False,
            "changes": {"start_date": ["2026-01-05", "2026-02-01"]},
            "extra": {"nested": {"deeper": True}},
        },
    )
    text = describe(event)
    assert text.sentence == "Attest changed the assessors or IQA of the enrolment of Ben Baker on 600/0000/1"
    assert [(d.label, d.value) for d in text.details] == [
        ("Start date", "5 Jan 2026 → 1 Feb 2026"),
        ("Assessors", "Asha Assessor → Asha Assessor, Sam Second"),
        ("IQA", "none → Ivy Quality"),
        ("Linked to an existing account", "no"),
        ("Extra, nested, deeper", "yes"),
    ]


def test_what_stayed_the_same_is_left_out_of_the_details():
    event = unsaved("enrolment.staff_reassigned", payload={
        "assessors": {"before": ["Asha"], "after": ["Sam"]}, "iqa": {"before": ["Ivy"], "after": ["Ivy"]},
    })
    assert [(d.label, d.value) for d in describe(event).details] == [("Assessors", "Asha → Sam")]


def test_an_unnamed_object_is_not_shown_as_its_model_and_id():
    text = describe(unsaved("assessment.unit_signed_off", object_repr="UnitSignOff object (7)",
                            payload={"enrolment": 3, "unit": "02", "urn": "A/500/0002", "signed_name": "Asha"}))
    assert text.sentence == "Attest signed off unit 02"
    assert [(d.label, d.value) for d in text.details] == [("URN", "A/500/0002"), ("Signed as", "Asha")]


@pytest.fixture
def people(centre):
    from tests.evidence.portfolio_helpers import enrolment_with_people

    enrolment, learner, assessor, iqa = enrolment_with_people(centre)
    for membership, name in ((learner, "Lena Learner"), (assessor, "Asha Assessor")):
        membership.user.full_name = name
        membership.user.save(update_fields=["full_name"])
    enrolment.learner.full_name = "Lena Learner"
    enrolment.learner.save(update_fields=["full_name"])
    return enrolment, learner.user, assessor.user


def sentences(action: str) -> list[str]:
    return [describe(e).sentence for e in AuditEvent.objects.filter(action=action).order_by("id")]


def test_submitting_and_accepting_evidence_read_as_sentences(people):
    from tests.assessment.helpers import accept, criterion, submitted

    enrolment, lena, asha = people
    evidence = submitted(enrolment, lena, title="Call log")
    accept(evidence, asha, met=[criterion(enrolment, "1", "1.1")])

    assert sentences("evidence.submitted") == ["Lena Learner submitted evidence “Call log”, version 1"]
    assert sentences("assessment.evidence_accepted") == ["Asha Assessor accepted evidence “Call log”, version 1"]
    assert sentences("assessment.decision_recorded") == ["Asha Assessor judged criterion 1.1 of unit 1 met"]
    accepted = describe(AuditEvent.objects.get(action="assessment.evidence_accepted"))
    assert [(d.label, d.value) for d in accepted.details] == [("Criteria judged", "1"), ("Signed as", "Asha Assessor")]


def test_referring_evidence_back_reads_as_a_sentence(people):
    from tests.assessment.helpers import accept, submitted

    enrolment, lena, asha = people
    accept(submitted(enrolment, lena, title="Till audit"), asha, outcome="referred", feedback="Add the totals.")
    assert sentences("assessment.evidence_referred") == [
        "Asha Assessor referred evidence “Till audit” (version 1) back to the learner"
    ]


def test_an_assessors_records_read_as_sentences(people):
    from tests.records.helpers import make_records

    enrolment, _, asha = people
    make_records(enrolment, asha)
    assert sentences("records.observation_created") == ["Asha Assessor recorded an observation of “Complaint call 0”"]
    assert sentences("records.witness_requested") == ["Asha Assessor asked Witness 0 for a witness testimony"]
    recorded = describe(AuditEvent.objects.filter(action="evidence.recorded").order_by("id").first())
    assert recorded.sentence == f"Asha Assessor added evidence “Complaint call 0” to {enrolment.learner.full_name}'s portfolio"
    assert ("Method", "observation") in [(d.label, d.value) for d in recorded.details]


def test_changing_someones_roles_reads_as_a_sentence(centre, admin_membership, member):
    from apps.centres.roles import RoleSet
    from apps.centres.services import membership_change_roles, membership_set_active

    named(admin_membership, "Ada Admin")
    ben = named(member(is_learner=True), "Ben Baker")
    membership_change_roles(membership=ben, actor=admin_membership.user, roles=RoleSet(learner=True, assessor=True))
    membership_set_active(membership=ben, actor=admin_membership.user, active=False)

    events = AuditEvent.objects.select_related("actor", "centre").filter(action__startswith="membership.").order_by("id")
    assert [describe(e).sentence for e in events] == [
        "Ada Admin changed the roles of Ben Baker from Learner to Learner, Assessor",
        "Ada Admin deactivated Ben Baker",
    ]


def test_correcting_a_learners_details_lists_each_change(centre, admin_membership):
    from apps.learners.models import Learner
    from apps.learners.services import learner_update

    ben = Learner.objects.create(centre=centre, full_name="Ben Baker", email="ben@example.test")
    named(admin_membership, "Ada Admin")
    learner_update(learner=ben, actor=admin_membership.user, full_name="Ben Baker-Smith", email="ben@example.test",
                   date_of_birth=None, uln="", mis_reference="MIS-9")
    text = describe(AuditEvent.objects.get(action="learner.updated"))
    assert text.sentence == "Ada Admin changed the details of Ben Baker-Smith"
    assert [(d.label, d.value) for d in text.details] == [
        ("Name", "Ben Baker → Ben Baker-Smith"),
        ("MIS reference", "none → MIS-9"),
    ]


def test_loading_a_qualification_reads_as_a_sentence(db):
    from tests.factories import make_qualification

    make_qualification(number="600/0000/9")
    text = describe(AuditEvent.objects.get(action="qualification.loaded"))
    assert text.sentence == "Attest added the qualification “600/0000/9 Certificate in Testing (version 1)” to the catalogue"
    assert ("Units", "4") in [(d.label, d.value) for d in text.details]
    assert "Content hash" not in [d.label for d in text.details]


# --- the centre's trail page -----------------------------------------------------------------


def test_admins_read_their_centres_events_as_sentences(admin_client, admin_membership, member):
    named(admin_membership, "Ada Admin")
    other = named(member(centre=admin_membership.centre, is_learner=True), "Ben Baker")
    record("invitation.sent", actor=admin_membership.user, centre=admin_membership.centre,
           payload={"email": "new@example.test", "roles": ["Assessor", "Internal quality assurer"]})
    record("membership.deactivated", actor=other.user, centre=admin_membership.centre, obj=other)
    page = trail(admin_client)
    assert "Ada Admin invited new@example.test as Assessor, Internal quality assurer" in page
    assert "Ben Baker deactivated Ben Baker" in page
    assert "invitation.sent" not in page.replace('value="invitation.sent"', "") and "{&#x27;" not in page


def test_the_action_filter_lists_labels_in_groups(admin_client, admin_membership):
    record("membership.deactivated", actor=admin_membership.user, centre=admin_membership.centre)
    record("centre.mfa_requirement_changed", actor=admin_membership.user, centre=admin_membership.centre)
    page = trail(admin_client)
    assert '<optgroup label="People and centre">' in page
    assert '<option value="membership.deactivated">Member deactivated</option>' in page
    assert "Any action" in page


def test_admins_filter_by_action_and_person(admin_client, admin_membership, member):
    other = member(centre=admin_membership.centre, is_learner=True)
    record("centre.mfa_requirement_changed", actor=admin_membership.user, centre=admin_membership.centre,
           payload={"require_mfa_for_staff": True})
    record("invitation.accepted", actor=other.user, centre=admin_membership.centre, payload={"roles": ["Learner"]})

    by_action = trail(admin_client, action="invitation.accepted")
    assert "accepted the invitation and joined as Learner" in by_action
    assert "required two-factor authentication" not in by_action

    by_person = trail(admin_client, person=other.user.email.upper())
    assert "accepted the invitation" in by_person and "required two-factor authentication" not in by_person


def test_admins_filter_by_dates(admin_client, admin_membership):
    # Written ten days ago (the trail is append-only, so it is inserted with its date).
    AuditEvent.objects.create(
        action="centre.mfa_requirement_changed", actor=admin_membership.user, centre=admin_membership.centre,
        payload={"require_mfa_for_staff": False}, created_at=timezone.now() - timedelta(days=10),
    )
    record("centre.mfa_requirement_changed", actor=admin_membership.user, centre=admin_membership.centre,
           payload={"require_mfa_for_staff": True})
    today = timezone.localdate()

    recent = trail(admin_client, date_from=(today - timedelta(days=2)).isoformat())
    assert "required two-factor" in recent and "stopped requiring" not in recent
    earlier = trail(admin_client, date_to=(today - timedelta(days=5)).isoformat())
    assert "stopped requiring" in earlier and "required two-factor" not in earlier


def test_a_backwards_date_range_gets_a_clear_message_and_is_not_applied(admin_client, event):
    page = trail(admin_client, date_from="2020-05-01", date_to="2020-04-01")
    assert "The end date is before the start date." in page
    assert "required two-factor authentication for staff" in page  # only the start date was applied


def test_a_malformed_date_gets_a_clear_message_not_an_error(admin_client, event):
    page = trail(admin_client, date_from="2026-13-45", action="centre.mfa_requirement_changed")
    assert "Enter a real date, such as 2026-04-30." in page
    assert "required two-factor authentication for staff" in page


def test_an_unknown_action_gets_a_clear_message(admin_client, event):
    page = trail(admin_client, action="evidence.teleported")
    assert "There is no such kind of event: choose one from the list." in page
    assert "required two-factor authentication for staff" in page


def test_the_action_filter_offers_every_declared_kind_without_reading_the_trail(admin_client, event):
    # The choices are the declared codes: no query over a million events to find which occur.
    page = trail(admin_client)
    assert '<option value="records.witness_responded">Witness testimony given</option>' in page
    with CaptureQueriesContext(connection) as queries:
        trail(admin_client)
    assert not [q for q in queries.captured_queries if "DISTINCT" in q["sql"].upper()]


def test_a_date_range_is_whole_days_where_the_centre_is(admin_client, admin_membership):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    london = ZoneInfo("Europe/London")
    for when, required in ((datetime(2026, 6, 30, 23, 30, tzinfo=london), True),
                           (datetime(2026, 7, 1, 0, 30, tzinfo=london), False)):
        AuditEvent.objects.create(action="centre.mfa_requirement_changed", actor=admin_membership.user,
                                  centre=admin_membership.centre, payload={"require_mfa_for_staff": required},
                                  created_at=when)
    june = trail(admin_client, date_from="2026-06-30", date_to="2026-06-30")
    assert "required two-factor" in june and "stopped requiring" not in june
    july = trail(admin_client, date_from="2026-07-01", date_to="2026-07-01")
    assert "stopped requiring" in july and "required two-factor" not in july


def test_events_of_another_centre_or_of_the_platform_never_show(admin_client, admin_membership):
    elsewhere = CentreFactory(name="Elsewhere College")
    record("centre.created", centre=elsewhere, obj=elsewhere, payload={"name": "Elsewhere College"})
    record("catalogue.import_applied", payload={"filename": "platform-spec.txt", "result": []})
    page = trail(admin_client)
    assert "Elsewhere College" not in page and "platform-spec.txt" not in page


def test_audit_page_queries_do_not_grow_with_events(admin_client, admin_membership, django_assert_num_queries):
    codes = ["membership.deactivated", "invitation.sent", "centre.mfa_requirement_changed"]

    def add(n):
        for i in range(n):
            record(codes[i % 3], actor=admin_membership.user, centre=admin_membership.centre, obj=admin_membership,
                   payload={"email": f"p{i}@example.test", "roles": ["Learner"]})

    add(3)
    with CaptureQueriesContext(connection) as few:
        trail(admin_client)
    expected = len(few)  # read now: the next request clears the log it counts in
    add(60)  # more than a page
    with django_assert_num_queries(expected):
        trail(admin_client, person=admin_membership.user.email)
    first = trail(admin_client)
    for link in ("Older", "Oldest"):  # any page, whichever way it is reached
        with django_assert_num_queries(expected):
            trail(admin_client, **_link(first, link))
    with django_assert_num_queries(expected):
        trail(admin_client, action="membership.deactivated", date_from="2020-01-01", oldest="1")


# --- paging: by position in the trail, never by counting from the start ---------------------


def _link(page: str, label: str) -> dict:
    """The query of the page's link with this label, as parameters."""
    import re
    from urllib.parse import parse_qsl

    match = re.search(r'href="\?([^"]*)"[^>]*>' + label + "<", page)
    assert match, f"no {label} link"
    return dict(parse_qsl(match.group(1).replace("&amp;", "&"), keep_blank_values=True))


def _numbers(page: str) -> list[int]:
    import re

    return [int(n) for n in re.findall(r"invited person(\d+)@example.test", page)]


@pytest.fixture
def many(admin_membership):
    """120 events a minute apart, each naming its number (1 the oldest); events 60 and 61 at the
    same instant, as events written in one transaction are."""
    start = timezone.now() - timedelta(days=1)
    for n in range(1, 121):
        AuditEvent.objects.create(
            action="invitation.sent", actor=admin_membership.user, centre=admin_membership.centre,
            payload={"email": f"person{n}@example.test", "roles": ["Learner"]},
            created_at=start + timedelta(minutes=min(n, 60) if n <= 61 else n),
        )


def test_the_first_page_shows_the_newest_events_and_links_to_older_ones(admin_client, many):
    page = trail(admin_client)
    assert _numbers(page) == list(range(120, 70, -1))
    assert ">Older<" in page and ">Oldest<" in page
    assert ">Newer<" not in page and ">Newest<" not in page


def test_walking_older_shows_every_event_once_in_order(admin_client, many):
    seen, params = [], {}
    for _ in range(5):
        page = trail(admin_client, **params)
        seen += _numbers(page)
        if ">Older<" not in page:
            break
        params = _link(page, "Older")
    assert seen == list(range(120, 0, -1))  # events at the same instant are told apart by id
    assert ">Oldest<" not in page and ">Newest<" in page


def test_the_oldest_page_and_back_towards_the_newest(admin_client, many):
    oldest = trail(admin_client, **_link(trail(admin_client), "Oldest"))
    assert _numbers(oldest) == list(range(50, 0, -1))
    assert ">Older<" not in oldest and ">Newer<" in oldest
    newer = trail(admin_client, **_link(oldest, "Newer"))
    assert _numbers(newer) == list(range(100, 50, -1))
    newest = trail(admin_client, **_link(newer, "Newer"))
    assert _numbers(newest) == list(range(120, 100, -1))
    assert ">Newer<" not in newest and ">Older<" in newest


def test_paging_keeps_the_filters(admin_client, admin_membership, many):
    record("membership.deactivated", actor=admin_membership.user, centre=admin_membership.centre)
    page = trail(admin_client, action="invitation.sent")
    older = _link(page, "Older")
    assert older["action"] == "invitation.sent" and "before" in older
    assert "Member deactivated" not in trail(admin_client, **_link(page, "Oldest")).split("</select>")[-1]


def test_a_position_that_is_not_one_is_ignored(admin_client, many):
    for bad in ("yesterday", "1.2.3", "99999999999999999999.1", "-99999999999999999.1"):
        assert _numbers(trail(admin_client, before=bad)) == list(range(120, 70, -1))


def test_a_page_beyond_the_events_offers_both_ends(admin_client, many):
    page = trail(admin_client, before="0.0")  # older than everything
    assert _numbers(page) == [] and "No events here" in page
    assert ">Newest<" in page and ">Oldest<" in page


# --- the platform's trail --------------------------------------------------------------------


@pytest.fixture
def staff_client(client, db):
    client.force_login(UserFactory(is_staff=True, full_name="Pat Platform"))
    return client


def test_platform_staff_read_the_events_that_belong_to_no_centre(staff_client, centre):
    record("catalogue.import_applied", payload={"filename": "spec.txt", "result": ["600/0000/1: new"]})
    record("centre.created", centre=centre, obj=centre, payload={"name": "Only In A Centre"})
    page = trail(staff_client, "/audit/platform/")
    assert "Attest applied the import of the specification “spec.txt” to the catalogue" in page
    assert "Result: 600/0000/1: new" in page
    assert "Only In A Centre" not in page
    assert 'href="/audit/platform/" aria-current="page"' in page  # the navigation links to it


def test_the_platform_trail_filters_like_a_centres(staff_client, db):
    record("catalogue.import_applied", payload={"filename": "a.txt"})
    record("catalogue.import_discarded", payload={"filename": "b.txt"})
    page = trail(staff_client, "/audit/platform/", action="catalogue.import_discarded")
    assert "discarded the import of the specification “b.txt”" in page and "a.txt" not in page
    assert '<optgroup label="Catalogue">' in page
    bad = trail(staff_client, "/audit/platform/", date_to="yesterday")
    assert "Enter a real date" in bad and "a.txt" in bad


def test_people_who_are_not_platform_staff_are_refused_the_platform_trail(admin_client):
    assert admin_client.get("/audit/platform/").status_code == 403
    assert 'href="/audit/platform/"' not in trail(admin_client)


def test_anonymous_visitors_are_sent_to_sign_in_for_the_platform_trail(client, db):
    response = client.get("/audit/platform/")
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
