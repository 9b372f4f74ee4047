"""Odd bytes and oversized posts get a page that says what was wrong, never a 500.

Walks every URL and method of the permission table (tests/test_permissions.py) with a NUL byte in
the query string and in every field of the form the page shows, as a learner, an assessor and an
admin, and signed out where the page is public.
"""

from __future__ import annotations

import html
from datetime import date
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import assume, given
from hypothesis import settings as examples
from hypothesis import strategies as st

from apps.audit.models import AuditEvent
from apps.core.text import BIDI_CONTROLS, hidden_controls, is_invisible, name_problem, shows_nothing
from apps.evidence.models import Evidence
from apps.evidence.sniffing import Rejected, check_name
from apps.learners.models import Learner
from tests.assessment.conftest import setup  # noqa: F401  (a fixture)
from tests.assessment.helpers import assessment_post, criterion, submitted, unit_criteria
from tests.test_permissions import HEADERS, TABLE, url_for, world  # noqa: F401  (world is a fixture)

PEOPLE = ["learner", "assessor", "admin", "anonymous"]
NUL_MESSAGE = "a character that cannot be used (a NUL byte)"
# Query parameters the pages read without a form (the catalogue's filters, versions, pages).
EXTRA_QUERY = ("q", "page", "ao", "withdrawn", "version", "units", "next")


class _Forms(HTMLParser):
    """The forms of a page: method, action, and for each field the value a person would send,
    with every box for words given a NUL byte (names and emails stay valid, so the NUL gets as far
    into the work as a real post would)."""

    def __init__(self, name: str):
        super().__init__()
        self.name, self.forms, self._textarea = name, [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"method": (a.get("method") or "get").lower(), "action": a.get("action") or "", "data": {}})
        elif not self.forms or "name" not in a or a["name"] == "csrfmiddlewaretoken":
            return
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind == "checkbox" and "checked" in a:
                self.forms[-1]["data"].setdefault(a["name"], []).append(a.get("value", "on"))
            elif kind == "radio":
                self.forms[-1]["data"].setdefault(a["name"], [a.get("value", "on")])
            elif kind not in {"file", "submit", "button"}:
                self.forms[-1]["data"][a["name"]] = [self._value(a["name"], kind, a.get("value") or "")]
        elif tag == "textarea":
            self._textarea = a["name"]
            self.forms[-1]["data"][a["name"]] = ["Written with a NUL \x00 in it."]
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and getattr(self, "_select", None) and a.get("value"):
            self.forms[-1]["data"].setdefault(self._select, [a["value"]])

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None

    def _value(self, field: str, kind: str, value: str) -> str:
        if kind in {"hidden", "date", "number", "email", "password"} or "email" in field:
            return value
        if "name" in field:
            return self.name
        return (value or "Words") + " \x00"


def _forms_by_action(client, urls: list[str], name: str) -> dict[str, list[dict]]:
    """Every form on these pages, by the address it posts to."""
    found: dict[str, list[dict]] = {}
    for url in urls:
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        parser = _Forms(name)
        parser.feed(response.content.decode())
        for form in parser.forms:
            found.setdefault(form["action"] or url, []).append(form)
    return found


def _walk(client, users, objects, person):
    client.raise_request_exception = False  # a failure is a 500 answer here, as a person would see it
    user = users.get(person)
    sign_in = (lambda: client.force_login(user)) if user else client.logout
    sign_in()
    pages = sorted({url_for(name, objects["home"]) for name, method in TABLE if method == "get"})
    forms = _forms_by_action(client, pages, user.full_name if user else "Wanda Witness")
    for (name, method) in sorted(TABLE):
        sign_in()
        url = url_for(name, objects["home"])
        extra = HEADERS.get(name, {})
        query = {key: "x\x00" for key in EXTRA_QUERY}
        for form in forms.get(url, []):
            if form["method"] == "get":
                query |= {key: values[0] + "\x00" for key, values in form["data"].items() if values}
        yield name, method, "query", _ask(client, method, url + "?" + urlencode(query), None, extra)
        if method == "post":
            posted = [f["data"] for f in forms.get(url, []) if f["method"] == "post"]
            for data in posted or [{}]:
                data = {"q": "x\x00"} | data  # a form with nothing to type in still carries one
                yield name, method, "form", _ask(client, method, url, data, extra)


def _ask(client, method: str, url: str, data: dict | None, extra: dict):
    # Each request is undone before the next: a failed query would leave the test's transaction
    # unusable, and an action that worked (a setting changed) would change what the next one meets.
    savepoint = transaction.savepoint()
    try:
        return getattr(client, method)(url, *([data] if data is not None else []), **extra)
    finally:
        transaction.savepoint_rollback(savepoint)


@pytest.mark.parametrize("person", PEOPLE)
def test_a_nul_byte_anywhere_is_a_400_with_a_message_never_a_500(client, db, world, person):  # noqa: F811
    users, objects = world
    failures, wrong = [], []
    for name, method, where, response in _walk(client, users, objects, person):
        if response.status_code >= 500:
            failures.append(f"{method.upper()} {name} ({where}): {response.status_code}")
        elif response.status_code != 400:
            wrong.append(f"{method.upper()} {name} ({where}): {response.status_code}")
        elif method != "head":
            assert NUL_MESSAGE in response.content.decode(), (name, method, where)
    assert not failures, "\n".join(failures)
    assert not wrong, "a NUL byte should be refused with a 400:\n" + "\n".join(wrong)


@pytest.mark.parametrize("url", ["/accounts/login/", "/accounts/password/reset/"])
def test_a_nul_byte_in_the_sign_in_forms_is_a_400(client, db, url):
    response = client.post(url, {"login": "a\x00@example.test", "email": "a\x00@example.test", "password": "x\x00"})
    assert response.status_code == 400
    assert NUL_MESSAGE in response.content.decode()
    assert client.get(url + "?next=%00").status_code == 400


def test_a_nul_byte_in_the_address_itself_is_a_400(client, db, world):  # noqa: F811
    users, _ = world
    client.force_login(users["admin"])
    response = client.get(reverse("qualification_detail", args=["600-0000-1"]) + "%00")
    assert response.status_code == 400
    assert NUL_MESSAGE in response.content.decode()


def test_a_nul_byte_in_an_assessors_feedback_changes_nothing(client, setup):  # noqa: F811
    """The mapping grid reads its feedback boxes without a form field: the NUL still stops at the door."""
    evidence = submitted(setup.enrolment, setup.learner.user)
    c11 = criterion(setup.enrolment, "1", "1.1")
    client.force_login(setup.assessor.user)
    before = AuditEvent.objects.count()
    response = client.post(
        f"/assessment/evidence/{evidence.pk}/",
        assessment_post(signer=setup.assessor.user, judge={c11: "met"}, criterion_feedback={c11: "Good\x00 call."}),
    )
    assert response.status_code == 400 and NUL_MESSAGE in response.content.decode()
    assert AuditEvent.objects.count() == before
    assert not evidence.current.decisions.exists()


def test_a_session_cookie_with_a_nul_byte_signs_the_person_out_rather_than_failing(client, db):
    client.cookies["sessionid"] = "abcdefgh\x00ijkl"
    response = client.get("/")
    assert response.status_code == 200
    assert "Sign in" in response.content.decode()


# --- too big: Django's bare "Bad Request (400)" becomes a page that says what and what to do -------


def _signed_in_layout(page: str, user) -> bool:
    return 'class="site-header"' in page and user.get_short_name() in page


def test_a_piece_of_writing_bigger_than_a_form_may_carry_gets_a_page_saying_so(client, db, world, settings):  # noqa: F811
    users, objects = world
    client.force_login(users["learner"])
    before = AuditEvent.objects.count()
    response = client.post(url_for("evidence_new", objects["home"]), {
        "title": "My long account", "evidence_date": date.today().isoformat(), "method": "work_product",
        "context": "real_work", "text": "word " * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 5 + 1),
    })
    assert response.status_code == 413
    page = html.unescape(response.content.decode())
    assert "The form was too big to accept" in page
    assert "more than 2.5\xa0MB" in page and "nothing was saved" in page
    assert "in a document (Word, PDF or plain text) added under Files" in page
    assert _signed_in_layout(page, users["learner"])
    assert AuditEvent.objects.count() == before


def test_an_over_long_name_in_a_plain_form_gets_the_same_page(client, db, world, settings):  # noqa: F811
    users, objects = world
    client.force_login(users["admin"])
    body = urlencode({"full_name": "A" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1), "email": "long@example.test"})
    response = client.post(url_for("learner_create", objects["home"]), body,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert "The form was too big to accept" in response.content.decode()
    assert not Learner.objects.filter(email="long@example.test").exists()


def test_a_form_with_too_many_fields_gets_a_page_saying_so(client, db, world, settings):  # noqa: F811
    users, objects = world
    client.force_login(users["admin"])
    body = "&".join(f"f{i}=1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    response = client.post(url_for("learner_create", objects["home"]), body,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    page = html.unescape(response.content.decode())
    assert "The form had too many fields to accept" in page and "more than 20,000 fields" in page
    assert _signed_in_layout(page, users["admin"])


def test_a_form_with_too_many_files_gets_a_page_saying_so(client, db, world, settings):  # noqa: F811
    from django.core.files.uploadedfile import SimpleUploadedFile

    users, objects = world
    client.force_login(users["admin"])
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    files = {f"f{i}": SimpleUploadedFile(f"note{i}.txt", b"x") for i in range(4)}
    response = client.post(url_for("learner_create", objects["home"]), files)
    assert response.status_code == 413
    page = html.unescape(response.content.decode())
    assert "Too many files at once" in page and "more than 3 files" in page and "smaller batches" in page
    assert _signed_in_layout(page, users["admin"])


def test_any_other_request_django_refuses_gets_a_page_not_a_bare_bad_request(client, db):
    response = client.get("/", HTTP_HOST="attest.evil.example")  # not one of ALLOWED_HOSTS
    assert response.status_code == 400
    page = response.content.decode()
    assert "Attest could not understand that request" in page and "nothing was saved" in page
    assert "Bad Request (400)" not in page


# --- dates before 1900, and names and titles nobody can read ------------------------------------------


def _today() -> str:
    return date.today().isoformat()


def _observation(o, users) -> dict:
    return {"activity": "Complaint call", "on": _today(), "place": "Floor 2", "context": "real_work",
            "account": "Calm and accurate.", "criteria": [unit_criteria(o["enrolment"], "1")[0].pk],
            "signed_name": users["assessor"].full_name}


def _witness(o, users) -> dict:
    return {"witness_name": "Priya Shah", "witness_email": "priya@example.test", "witness_job_title": "Team leader",
            "relationship": "Line manager", "activity": "Calls in March.", "context": "real_work",
            "criteria": [unit_criteria(o["enrolment"], "1")[0].pk]}


# (who, page, the form as they would fill it in); each case then types into one field.
FORMS = {
    "evidence": ("learner", "evidence_new", lambda o, u: {
        "title": "Call log", "evidence_date": _today(), "method": "work_product", "context": "real_work"}),
    "observation": ("assessor", "records_observation_new", _observation),
    "witness request": ("assessor", "records_witness_new", _witness),
    "new learner": ("admin", "learner_create", lambda o, u: {"full_name": "Nia Newton", "email": "nia@example.test"}),
    "enrolment": ("admin", "enrolment_create", lambda o, u: {
        "qualification": o["enrolment"].qualification_id, "start_date": _today(), "planned_end_date": _today()}),
    "enrolment change": ("admin", "enrolment_edit", lambda o, u: {
        "start_date": _today(), "planned_end_date": _today()}),
    "prior achievement": ("admin", "prior_achievement_add", lambda o, u: {
        "unit": o["enrolment"].qualification.units.get(number="2").pk, "route": "rpl", "reference": "RPL 7"}),
    "invitation": ("admin", "centre_invite", lambda o, u: {
        "full_name": "Eve Quinn", "email": "eve@example.test", "is_assessor": "on"}),
}
DATE_FIELDS = [
    ("evidence", "evidence_date"), ("observation", "on"), ("new learner", "date_of_birth"),
    ("enrolment", "start_date"), ("enrolment change", "planned_end_date"), ("prior achievement", "achieved_on"),
]
NAME_FIELDS = [
    ("evidence", "title"), ("observation", "activity"), ("observation", "place"), ("observation", "signed_name"),
    ("witness request", "witness_name"), ("witness request", "witness_job_title"), ("new learner", "full_name"),
    ("prior achievement", "reference"), ("invitation", "full_name"),
]


def _post(client, world, form: str, **typed):  # noqa: F811
    users, objects = world
    person, name, data = FORMS[form]
    client.force_login(users[person])
    before = AuditEvent.objects.count()
    response = client.post(url_for(name, objects["home"]), data(objects["home"], users) | typed)
    assert AuditEvent.objects.count() == before, "nothing may change"
    return html.unescape(response.content.decode())


@pytest.mark.parametrize(("form", "field"), DATE_FIELDS, ids=[f"{f} {d}" for f, d in DATE_FIELDS])
@pytest.mark.parametrize("typed", ["1899-12-31", "0202-03-04"])
def test_a_date_before_1900_is_refused_with_a_message(client, db, world, form, field, typed):  # noqa: F811
    page = _post(client, world, form, **{field: typed})
    shown = date.fromisoformat(typed)
    assert f"{shown.day} {shown:%B} {shown.year} is before 1900: check the year" in page


def test_the_first_day_of_1900_is_a_date_like_any_other(client, db, world):  # noqa: F811
    users, objects = world
    client.force_login(users["learner"])
    response = client.post(url_for("evidence_new", objects["home"]), FORMS["evidence"][2](objects["home"], users)
                           | {"evidence_date": "1900-01-01"})
    assert response.status_code == 302
    assert Evidence.objects.get(pk=response.url.rstrip("/").rsplit("/", 1)[1]).current.evidence_date == date(1900, 1, 1)


INVISIBLE = {
    "zero-width spaces": "\u200b\u200b\u200b",
    "bidirectional controls": "\u202e\u2066\u2069",
    "a Hangul filler": "\u3164",
    "an escape code": "\x1b",
    "a word joiner and a no-break space": "\u2060\u00a0",
}


@pytest.mark.parametrize(("form", "field"), NAME_FIELDS, ids=[f"{f} {n}" for f, n in NAME_FIELDS])
@pytest.mark.parametrize("typed", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_a_name_or_title_made_only_of_invisible_characters_is_refused(client, db, world, form, field, typed):  # noqa: F811
    page = _post(client, world, form, **{field: typed})
    assert ("is made only of spaces or invisible characters (such as zero-width spaces), so nobody could read it"
            in page or "contains control characters that cannot be used" in page)


@pytest.mark.parametrize(("form", "field"), [("evidence", "title"), ("new learner", "full_name")])
def test_a_name_that_reorders_what_a_reader_sees_is_refused_like_a_file_name(client, db, world, form, field):  # noqa: F811
    page = _post(client, world, form, **{field: "Invoice\u202efdp.exe"})
    assert "contains control characters that cannot be used (U+202E (RIGHT-TO-LEFT OVERRIDE))" in page


def test_writing_may_use_right_to_left_marks_and_line_breaks(client, db, world):  # noqa: F811
    users, objects = world
    client.force_login(users["learner"])
    text = "\u0645\u0631\u062d\u0628\u0627\u200f (hello)\nSecond line"
    response = client.post(url_for("evidence_new", objects["home"]), FORMS["evidence"][2](objects["home"], users)
                           | {"text": text})
    assert response.status_code == 302
    assert Evidence.objects.get(pk=response.url.rstrip("/").rsplit("/", 1)[1]).current.text == text


def test_digits_that_are_not_0_to_9_are_refused_not_a_500(client, db, world):  # noqa: F811
    """'²' is a digit to Python's isdigit() but not to int(): a file id or a ULN made of it failed."""
    users, objects = world
    client.raise_request_exception = False
    client.force_login(users["learner"])
    response = client.post(url_for("evidence_new", objects["home"]), FORMS["evidence"][2](objects["home"], users)
                           | {"files": ["²"]})
    assert response.status_code == 200 and "A file in the list is not one of yours" in html.unescape(response.content.decode())
    client.force_login(users["admin"])
    response = client.post(url_for("learner_create", objects["home"]), FORMS["new learner"][2](objects["home"], users)
                           | {"uln": "²²²²²²²²²²"})
    assert response.status_code == 200 and "must contain only digits" in response.content.decode()
    client.force_login(users["assessor"])
    response = client.post(url_for("records_questioning_new", objects["home"]), {"more": "1", "pairs-TOTAL_FORMS": "²"})
    assert response.status_code == 200


# --- the rules themselves (apps/core/text.py, pure), shared with file names ---------------------------

_INVISIBLE_CHARS = st.sampled_from(
    ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u3164", "\u2800", "\u115f", "\ufe0f", " ", "\t",
     "\x1b", "\x7f", "\u00a0", "\u3000", "\u2028", *sorted(BIDI_CONTROLS)]
)


PROPERTIES = examples(deadline=None)


@PROPERTIES
@given(st.text(_INVISIBLE_CHARS, max_size=20))
def test_text_with_nothing_visible_is_never_a_name(text):
    assert shows_nothing(text)
    assert name_problem(text) is not None
    assert name_problem(text, writing=True) is not None


@PROPERTIES
@given(st.text(st.characters(categories=["L", "N", "P", "S"]).filter(lambda ch: not is_invisible(ch)), min_size=1),
       st.text(_INVISIBLE_CHARS))
def test_a_name_with_something_visible_is_refused_only_for_a_control_character(visible, invisible):
    name = visible + invisible
    assert not shows_nothing(name)
    assert (name_problem(name) is None) == (not hidden_controls(name))


@PROPERTIES
@given(st.text())
def test_file_names_and_typed_names_refuse_the_same_control_characters(name):
    assume(name.strip() and "/" not in name and "\\" not in name and ".." not in name and len(name) <= 255)
    try:
        check_name(name)
        refused = False
    except Rejected as refusal:
        refused = refusal.code == "name_control"
    assert refused == bool(hidden_controls(name))


def test_writing_keeps_its_line_breaks_and_right_to_left_marks():
    assert name_problem("First line\nSecond\u200f line", writing=True) is None
    assert name_problem("First line\nSecond line") is not None
    assert "U+0000 (NUL)" in name_problem("a\x00b")
