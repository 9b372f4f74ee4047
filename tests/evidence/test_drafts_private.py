"""Drafts are private: until a learner submits a piece of evidence it is theirs alone; once
submitted, everyone in scope sees the submitted versions, never a draft being revised."""

from __future__ import annotations

import html
import io

import pytest
from django.utils import timezone

from apps.evidence.demo_files import demo_image
from apps.evidence.services import EvidenceContent, evidence_create, evidence_submit, evidence_update
from apps.evidence.storage import store
from tests.assessment.helpers import accept
from tests.evidence.filefixtures import *  # noqa: F403

STAFF = ["assessor", "iqa", "admin", "eqa"]


def text(response) -> str:
    return html.unescape(response.content.decode())


def photo(people, name: str):
    return store(source=io.BytesIO(demo_image(name)), original_name=f"{name}.jpg", centre=people.centre,
                 uploaded_by=people.learner.user)


def draft(people, title: str = "My secret draft", files=()):
    return evidence_create(
        enrolment=people.enrolment, actor=people.learner.user,
        content=EvidenceContent(title=title, evidence_date=timezone.localdate(), method="work_product",
                                context="real_work", text="Not finished yet.", files=list(files)),
    )


@pytest.mark.parametrize("who", STAFF)
def test_nobody_but_the_learner_opens_a_draft_or_its_files(client, people, private_storage, who):
    file = photo(people, "Desk")
    evidence = draft(people, files=[file])
    client.force_login(getattr(people, who).user)
    assert client.get(f"/portfolio/evidence/{evidence.pk}/").status_code == 404
    assert client.get(f"/assessment/evidence/{evidence.pk}/").status_code == 404
    for path in (f"/files/{file.pk}/", f"/files/{file.pk}/view/", f"/files/{file.pk}/thumbnail/"):
        assert client.get(path).status_code == 404, path
    assert "My secret draft" not in text(client.get(f"/portfolio/enrolments/{people.enrolment.pk}/"))

    client.force_login(people.learner.user)
    assert client.get(f"/portfolio/evidence/{evidence.pk}/").status_code == 200
    assert client.get(f"/files/{file.pk}/").status_code == 200


@pytest.mark.parametrize("who", STAFF)
def test_once_submitted_everyone_in_scope_sees_it(client, people, private_storage, who):
    file = photo(people, "Desk")
    evidence = draft(people, title="Setting up my desk", files=[file])
    evidence_submit(evidence=evidence, actor=people.learner.user, declared_name=people.learner.user.full_name,
                    ip_address=None)
    client.force_login(getattr(people, who).user)
    assert "Setting up my desk" in text(client.get(f"/portfolio/evidence/{evidence.pk}/"))
    assert client.get(f"/files/{file.pk}/").status_code == 200
    assert "Setting up my desk" in text(client.get(f"/portfolio/enrolments/{people.enrolment.pk}/"))


def test_a_referred_piece_being_revised_shows_others_what_was_submitted(client, people, private_storage):
    first, added = photo(people, "Desk"), photo(people, "Chair")
    evidence = draft(people, title="Setting up my desk", files=[first])
    learner = people.learner.user
    evidence_submit(evidence=evidence, actor=learner, declared_name=learner.full_name, ip_address=None)
    accept(evidence, people.assessor.user, outcome="referred", feedback="Add a photo of the chair.")
    evidence_update(
        evidence=evidence, actor=learner,
        content=EvidenceContent(title="My desk and chair (unfinished)", evidence_date=timezone.localdate(),
                                method="work_product", context="real_work", files=[first, added]),
    )
    for who in STAFF:
        client.force_login(getattr(people, who).user)
        page = text(client.get(f"/portfolio/evidence/{evidence.pk}/"))
        assert "Setting up my desk" in page and "My desk and chair (unfinished)" not in page, who
        assert "The learner is changing this evidence" in page
        assert "My desk and chair (unfinished)" not in text(client.get(f"/assessment/evidence/{evidence.pk}/"))
        listing = text(client.get(f"/portfolio/enrolments/{people.enrolment.pk}/"))
        assert "Setting up my desk" in listing and "(unfinished)" not in listing
        assert client.get(f"/files/{first.pk}/").status_code == 200
        assert client.get(f"/files/{added.pk}/").status_code == 404, who
    client.force_login(learner)
    assert "My desk and chair (unfinished)" in text(client.get(f"/portfolio/evidence/{evidence.pk}/"))
