"""Uploading a specification in the browser: Celery reads it, a centre admin checks the preview
and asks platform staff, and platform staff apply it to the catalogue every centre shares."""

from __future__ import annotations

import time

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.audit.models import AuditEvent
from apps.notifications.models import Notification
from apps.qualifications import spec_imports
from apps.qualifications.models import Qualification, SpecImport
from tests.factories import MembershipFactory, UserFactory, canonical_qualification, make_qualification

Status = SpecImport.Status


def upload(client, name: str, content: bytes):
    return client.post("/catalogue/imports/", {"file": SimpleUploadedFile(name, content)}, follow=True)


def wait_until_finished(spec_import: SpecImport, timeout: float = 60) -> SpecImport:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        spec_import.refresh_from_db()
        if not spec_import.is_pending:
            return spec_import
        time.sleep(0.2)
    raise AssertionError(f"import still {spec_import.status} after {timeout} s")


def wait_for_mail(count: int, timeout: float = 20) -> list:
    deadline = time.monotonic() + timeout
    while len(mail.outbox) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(mail.outbox) >= count, f"expected {count} emails, got {[m.subject for m in mail.outbox]}"
    return mail.outbox


def events(action: str):
    return AuditEvent.objects.filter(action=action)


def ready_import(*, centre, uploaded_by, status: str = Status.READY, data: dict | None = None, **fields) -> SpecImport:
    """An import the worker has read, holding one qualification (without running Celery)."""
    data = data or canonical_qualification()
    preview = {"number": data["number"], "title": data["title"], "effect": "new", "problems": [],
               "units": len(data["units"]), "outcomes": 4, "criteria": 8, "evidence_requirements": 0}
    return SpecImport.objects.create(
        uploaded_by=uploaded_by, centre=centre, filename="spec.txt", text="x", sha256="0", status=status,
        result=[data], report={"preview": [preview], "corrections": [], "warnings": []}, progress=100, **fields,
    )


@pytest.fixture
def staff(db):
    """Platform staff: they run Attest itself and belong to no centre."""
    return UserFactory(is_staff=True, full_name="Pat Platform")


@pytest.fixture
def admin(member):
    return member(is_admin=True)


def page_of(client, spec_import: SpecImport) -> str:
    return client.get(f"/catalogue/imports/{spec_import.pk}/").content.decode()


# --- the whole journey, with a real worker -------------------------------------------------


def test_a_centre_admin_asks_and_platform_staff_apply_the_import_for_every_centre(
    celery_worker, client, member, seed, staff
):
    admin = member(is_admin=True)
    UserFactory(is_staff=True, email="ops@example.test")
    UserFactory(is_staff=True, is_active=False, email="gone@example.test")
    client.force_login(admin.user)
    text = seed("000_7e41e8b106032fbc.txt")
    response = upload(client, "000_7e41e8b106032fbc.txt", text.encode())
    spec_import = SpecImport.objects.get()
    assert response.redirect_chain[-1][0] == f"/catalogue/imports/{spec_import.pk}/"

    wait_until_finished(spec_import)
    page = page_of(client, spec_import)
    assert "Ready" in page
    assert "<td>39</td><td>143</td><td>713</td>" in page  # units, outcomes, criteria
    assert "New" in page and "Warnings for a person to review" in page
    assert "changes the qualification catalogue for every centre, so platform staff do it" in page
    assert "Apply to the catalogue" not in page
    assert not Qualification.objects.exists(), "nothing is applied before platform staff apply it"

    page = client.post(
        f"/catalogue/imports/{spec_import.pk}/request/", {"note": "Our new cohort starts in March."}, follow=True
    ).content.decode()
    assert "Requested on" in page and "waiting for platform staff" in page
    requested = events("catalogue.import_requested").get()
    assert requested.centre == admin.centre and requested.payload["note"] == "Our new cohort starts in March."

    emails = wait_for_mail(2)
    time.sleep(0.3)  # nothing more arrives: one email per active platform-staff account
    assert sorted(m.to[0] for m in mail.outbox) == sorted([staff.email, "ops@example.test"])
    assert f"{admin.centre.name} asks you to apply" in emails[0].subject
    assert f"/catalogue/imports/{spec_import.pk}/" in emails[0].body and "Our new cohort" in emails[0].body

    client.force_login(staff)
    imports_page = client.get("/catalogue/imports/").content.decode()
    assert ">Specification imports</a>" in imports_page and admin.centre.name in imports_page
    page = client.post(f"/catalogue/imports/{spec_import.pk}/apply/", follow=True).content.decode()
    assert "600/1257/2 created (version 1): 39 units" in page
    assert Qualification.objects.get(number="600/1257/2").units.count() == 39
    applied = events("catalogue.import_applied").get()
    assert applied.centre is None, "the platform's trail, not one centre's"
    assert applied.payload["requesting_centre"] == admin.centre.name and applied.actor == staff

    # Every centre now sees it; the centre that asked sees who applied it and when.
    assessor_elsewhere = MembershipFactory(is_assessor=True)
    client.force_login(assessor_elsewhere.user)
    assert "600/1257/2" in client.get("/catalogue/").content.decode()
    client.force_login(admin.user)
    assert "Applied to the catalogue on" in page_of(client, spec_import) and "by Pat Platform" in page_of(
        client, spec_import
    )
    assert Notification.objects.filter(recipient=admin.user, subject__contains="applied your import").exists()


def test_the_progress_fragment_polls_while_the_import_runs(client, admin):
    client.force_login(admin.user)
    spec_import = SpecImport.objects.create(uploaded_by=admin.user, centre=admin.centre, filename="x.txt", text="x", sha256="0")
    fragment = client.get(f"/catalogue/imports/{spec_import.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in fragment and "<progress" in fragment and "<html" not in fragment


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("empty.txt", b"", "The submitted file is empty."),
        ("spec.pdf", b"%PDF-1.7\n\xff\xfe\x00\x01binary", "is not UTF-8 text"),
    ],
)
def test_a_file_that_is_not_specification_text_is_refused_at_once(client, admin, name, content, message):
    client.force_login(admin.user)
    page = upload(client, name, content).content.decode()
    assert message in page
    assert not SpecImport.objects.exists()


def test_text_in_no_known_layout_fails_clearly_and_cannot_be_requested(celery_worker, client, member):
    admin = member(is_admin=True)
    client.force_login(admin.user)
    upload(client, "minutes.txt", b"Minutes of the team meeting\n\nNothing about qualifications here.\n")
    spec_import = wait_until_finished(SpecImport.objects.get())
    page = page_of(client, spec_import)
    assert spec_import.status == Status.FAILED
    assert "not a specification layout Attest knows" in page
    assert "Ask platform staff to apply it" not in page and "Apply to the catalogue" not in page

    page = client.post(f"/catalogue/imports/{spec_import.pk}/request/", follow=True).content.decode()
    assert "This import failed, so there is nothing to apply." in page
    spec_import.refresh_from_db()
    assert spec_import.status == Status.FAILED and spec_import.requested_at is None
    assert not events("catalogue.import_requested").exists() and not Qualification.objects.exists()


# --- who may do what -----------------------------------------------------------------------


def test_a_centre_admin_cannot_apply_an_import_even_one_they_requested(client, admin):
    spec_import = ready_import(centre=admin.centre, uploaded_by=admin.user, status=Status.REQUESTED)
    client.force_login(admin.user)
    assert client.post(f"/catalogue/imports/{spec_import.pk}/apply/").status_code == 403

    with pytest.raises(PermissionDenied):
        spec_imports.spec_import_apply(spec_import=spec_import, actor=admin.user, membership=admin)

    spec_import.refresh_from_db()
    assert spec_import.status == Status.REQUESTED and spec_import.applied_at is None
    assert not Qualification.objects.exists() and not events("catalogue.import_applied").exists()


def test_the_centre_admins_page_says_platform_staff_apply_it_and_offers_to_ask(client, admin):
    spec_import = ready_import(centre=admin.centre, uploaded_by=admin.user)
    client.force_login(admin.user)
    page = page_of(client, spec_import)
    assert "Applying an import changes the qualification catalogue for every centre, so platform staff do it." in page
    assert "Ask platform staff to apply it" in page and "Note for platform staff (optional)" in page
    assert "Apply to the catalogue" not in page


def test_another_centres_admin_finds_no_such_import(client, admin):
    spec_import = ready_import(centre=admin.centre, uploaded_by=admin.user)
    client.force_login(MembershipFactory(is_admin=True).user)
    assert client.get(f"/catalogue/imports/{spec_import.pk}/").status_code == 404
    for action in ("request", "apply", "discard"):
        assert client.post(f"/catalogue/imports/{spec_import.pk}/{action}/").status_code == 404
    spec_import.refresh_from_db()
    assert spec_import.status == Status.READY


def test_a_centre_admin_does_not_see_platform_staffs_own_uploads(client, admin, staff):
    spec_import = ready_import(centre=None, uploaded_by=staff)
    client.force_login(admin.user)
    assert client.get(f"/catalogue/imports/{spec_import.pk}/").status_code == 404
    assert "spec.txt" not in client.get("/catalogue/imports/").content.decode()


def test_staff_who_only_read_or_build_portfolios_are_refused(client, member):
    for roles in ({"is_assessor": True}, {"is_iqa": True}, {"is_learner": True}):
        client.force_login(member(**roles).user)
        assert client.get("/catalogue/imports/").status_code == 403


def test_platform_staff_without_a_centre_see_requests_first(client, staff, admin):
    requested = ready_import(centre=admin.centre, uploaded_by=admin.user, status=Status.REQUESTED,
                             requested_by=admin.user)
    requested.filename = "asked-for.txt"
    requested.save()
    newer = ready_import(centre=None, uploaded_by=staff)
    newer.filename = "mine-and-newer.txt"
    newer.save()
    client.force_login(staff)
    page = client.get("/catalogue/imports/").content.decode()
    assert ">Specification imports</a>" in page, "the navigation offers the imports to platform staff"
    assert page.index("asked-for.txt") < page.index("mine-and-newer.txt")
    page = page_of(client, requested)
    assert "Apply to the catalogue" in page and "Discard" in page
    assert "Ask platform staff to apply it" not in page


def test_platform_staff_upload_for_the_platform_and_apply_it_themselves(client, staff):
    client.force_login(staff)
    spec_import = spec_imports.spec_import_create(actor=staff, membership=None, filename="spec.txt", text="x")
    assert spec_import.centre is None
    assert events("catalogue.import_uploaded").get().centre is None
    SpecImport.objects.filter(pk=spec_import.pk).update(
        status=Status.READY, result=[canonical_qualification()], report={"preview": []}
    )
    page = client.post(f"/catalogue/imports/{spec_import.pk}/apply/", follow=True).content.decode()
    assert "600/0000/1 created (version 1)" in page
    applied = events("catalogue.import_applied").get()
    assert applied.centre is None and "requesting_centre" not in applied.payload


def test_applying_a_request_changes_the_qualification_for_every_centre(client, staff, admin):
    make_qualification(title="Certificate in Testing")
    spec_import = ready_import(
        centre=admin.centre, uploaded_by=admin.user, status=Status.REQUESTED, requested_by=admin.user,
        data=canonical_qualification(title="Certificate in Careful Testing"),
    )
    client.force_login(staff)
    page = client.post(f"/catalogue/imports/{spec_import.pk}/apply/", follow=True).content.decode()
    assert "version 2" in page
    for centre_member in (admin, MembershipFactory(is_assessor=True)):
        client.force_login(centre_member.user)
        assert "Certificate in Careful Testing" in client.get("/catalogue/600-0000-1/").content.decode()


# --- bad input changes nothing -------------------------------------------------------------


def test_applying_twice_is_refused_clearly_and_changes_nothing(client, staff, admin):
    spec_import = ready_import(centre=admin.centre, uploaded_by=admin.user, status=Status.REQUESTED)
    client.force_login(staff)
    client.post(f"/catalogue/imports/{spec_import.pk}/apply/")
    page = client.post(f"/catalogue/imports/{spec_import.pk}/apply/", follow=True).content.decode()
    assert "This import has already been applied; it cannot be applied again." in page
    assert Qualification.objects.filter(number="600/0000/1").count() == 1
    assert events("catalogue.import_applied").count() == 1


def test_requesting_twice_is_refused_clearly(client, admin):
    spec_import = ready_import(centre=admin.centre, uploaded_by=admin.user)
    client.force_login(admin.user)
    client.post(f"/catalogue/imports/{spec_import.pk}/request/", {"note": "first"})
    page = client.post(f"/catalogue/imports/{spec_import.pk}/request/", {"note": "second"}, follow=True).content.decode()
    assert "Platform staff have already been asked to apply this import." in page
    spec_import.refresh_from_db()
    assert spec_import.request_note == "first" and events("catalogue.import_requested").count() == 1


def test_a_note_that_is_too_long_is_refused_on_the_page(client, admin):
    spec_import = ready_import(centre=admin.centre, uploaded_by=admin.user)
    client.force_login(admin.user)
    response = client.post(f"/catalogue/imports/{spec_import.pk}/request/", {"note": "x" * 2001})
    assert response.status_code == 400
    assert "Ensure this value has at most 2000 characters" in response.content.decode()
    spec_import.refresh_from_db()
    assert spec_import.status == Status.READY and not events("catalogue.import_requested").exists()


def test_platform_staff_leave_a_preview_its_centre_has_not_sent_them(client, staff, admin):
    spec_import = ready_import(centre=admin.centre, uploaded_by=admin.user)
    client.force_login(staff)
    page = page_of(client, spec_import)
    assert "Apply to the catalogue" not in page and "Discard" not in page
    page = client.post(f"/catalogue/imports/{spec_import.pk}/apply/", follow=True).content.decode()
    assert f"{admin.centre.name} has not asked for this import to be applied." in page
    page = client.post(f"/catalogue/imports/{spec_import.pk}/discard/", follow=True).content.decode()
    assert "it is theirs to discard" in page
    spec_import.refresh_from_db()
    assert spec_import.status == Status.READY and not Qualification.objects.exists()


def test_a_centre_admin_may_withdraw_their_request_before_it_is_applied(client, staff, admin):
    spec_import = ready_import(centre=admin.centre, uploaded_by=admin.user, status=Status.REQUESTED)
    client.force_login(admin.user)
    page = client.post(f"/catalogue/imports/{spec_import.pk}/discard/", follow=True).content.decode()
    assert "The import was discarded; the catalogue is unchanged." in page and "Discarded on" in page
    assert events("catalogue.import_discarded").get().centre == admin.centre

    client.force_login(staff)
    page = client.post(f"/catalogue/imports/{spec_import.pk}/apply/", follow=True).content.decode()
    assert "This import has already been discarded; it cannot be applied again." in page
    assert not Qualification.objects.exists()


def test_platform_staff_turn_a_request_down_in_the_platform_trail(client, staff, admin):
    spec_import = ready_import(
        centre=admin.centre, uploaded_by=admin.user, status=Status.REQUESTED, requested_by=admin.user
    )
    client.force_login(staff)
    client.post(f"/catalogue/imports/{spec_import.pk}/discard/")
    discarded = events("catalogue.import_discarded").get()
    assert discarded.centre is None and discarded.payload["requesting_centre"] == admin.centre.name

    client.force_login(admin.user)
    page = page_of(client, spec_import)
    assert "Discarded on" in page and "by Pat Platform" in page
    assert "Ask platform staff to apply it" not in page and "Discard" not in page.split("Discarded on")[1]
    assert Notification.objects.filter(recipient=admin.user, subject__contains="discarded your import").exists()


def test_a_centre_admin_cannot_discard_an_applied_import(client, staff, admin):
    spec_import = ready_import(centre=admin.centre, uploaded_by=admin.user, status=Status.REQUESTED)
    spec_imports.spec_import_apply(spec_import=spec_import, actor=staff, membership=None)
    client.force_login(admin.user)
    page = client.post(f"/catalogue/imports/{spec_import.pk}/discard/", follow=True).content.decode()
    assert "This import has already been applied." in page
    spec_import.refresh_from_db()
    assert spec_import.status == Status.APPLIED and not events("catalogue.import_discarded").exists()


# --- telling platform staff ----------------------------------------------------------------


def test_the_request_email_goes_once_to_every_active_platform_staff_account(staff, admin):
    UserFactory(is_staff=True, is_active=False)
    MembershipFactory(is_admin=True)  # a centre admin is not platform staff
    spec_import = ready_import(
        centre=admin.centre, uploaded_by=admin.user, status=Status.REQUESTED, requested_by=admin.user,
        request_note="Please before Friday.",
    )
    assert spec_imports.spec_import_request_email(import_id=spec_import.pk, base_url="https://attest.example") == 1
    assert [m.to for m in mail.outbox] == [[staff.email]]
    assert "https://attest.example/catalogue/imports/" in mail.outbox[0].body
    assert "Please before Friday." in mail.outbox[0].body
    assert spec_imports.spec_import_request_email(import_id=spec_import.pk, base_url="https://attest.example") == 0
    assert len(mail.outbox) == 1, "a repeated task sends nothing twice"


def test_no_request_email_for_an_import_withdrawn_before_the_task_ran(staff, admin):
    spec_import = ready_import(centre=admin.centre, uploaded_by=admin.user, status=Status.DISCARDED)
    assert spec_imports.spec_import_request_email(import_id=spec_import.pk, base_url="https://attest.example") == 0
    assert not mail.outbox


# --- every import URL for every kind of person ---------------------------------------------

ANON, LEARNER, ASSESSOR, IQA, ADMIN, OTHER_ADMIN, EQA, STAFF = (
    "anonymous", "learner", "assessor", "iqa", "admin", "admin_of_another_centre", "eqa", "platform_staff"
)
# (url, method) -> expected status per person, on a ready import of the admin's centre. Only
# centre admins and platform staff deal with imports: to anyone else every import is out of scope.
EXPECTED = {
    ("imports", "get"): {ANON: 302, LEARNER: 403, ASSESSOR: 403, IQA: 403, ADMIN: 200, OTHER_ADMIN: 200, EQA: 403, STAFF: 200},
    ("detail", "get"): {ANON: 302, LEARNER: 404, ASSESSOR: 404, IQA: 404, ADMIN: 200, OTHER_ADMIN: 404, EQA: 404, STAFF: 200},
    ("request", "post"): {ANON: 302, LEARNER: 404, ASSESSOR: 404, IQA: 404, ADMIN: 302, OTHER_ADMIN: 404, EQA: 404, STAFF: 403},
    ("apply", "post"): {ANON: 302, LEARNER: 404, ASSESSOR: 404, IQA: 404, ADMIN: 403, OTHER_ADMIN: 404, EQA: 404, STAFF: 302},
    ("discard", "post"): {ANON: 302, LEARNER: 404, ASSESSOR: 404, IQA: 404, ADMIN: 302, OTHER_ADMIN: 404, EQA: 404, STAFF: 302},
}


@pytest.mark.parametrize("url, method", list(EXPECTED))
@pytest.mark.parametrize("person", [ANON, LEARNER, ASSESSOR, IQA, ADMIN, OTHER_ADMIN, EQA, STAFF])
def test_who_may_use_each_import_url(client, member, url, method, person):
    import datetime

    admin = member(is_admin=True)
    spec_import = ready_import(centre=admin.centre, uploaded_by=admin.user)
    users = {
        LEARNER: lambda: member(is_learner=True).user,
        ASSESSOR: lambda: member(is_assessor=True).user,
        IQA: lambda: member(is_iqa=True).user,
        ADMIN: lambda: admin.user,
        OTHER_ADMIN: lambda: MembershipFactory(is_admin=True).user,
        EQA: lambda: member(is_eqa=True, eqa_expires_on=datetime.date.today() + datetime.timedelta(days=30)).user,
        STAFF: lambda: UserFactory(is_staff=True),
    }
    if person != ANON:
        client.force_login(users[person]())
    path = "/catalogue/imports/" if url == "imports" else f"/catalogue/imports/{spec_import.pk}/"
    if url not in ("imports", "detail"):
        path += f"{url}/"
    assert getattr(client, method)(path).status_code == EXPECTED[(url, method)][person]
