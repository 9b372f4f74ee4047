"""The EQA signs off claims of qualifications without Direct Claims Status on the EQA pages: the
batches waiting with the learners in scope, approve or query through the certification services,
refused (in words, nothing changed) for a batch with a learner outside the EQA's access."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.certification.models import ClaimBatch
from tests.eqa.support_visit import learner_with_units, today, waiting_batch

pytestmark = pytest.mark.django_db
Status = ClaimBatch.Status


def as_user(client, membership):
    client.force_login(membership.user)
    return client


def url(world) -> str:
    return reverse("eqa_claims", args=[world.grant.pk])


def sign(client, world, batch, *, decision="approve", note="", name=None):
    prefix = f"batch-{batch.pk}"
    return client.post(url(world), {"batch": batch.pk, f"{prefix}-decision": decision, f"{prefix}-note": note,
                                    f"{prefix}-signed_name": world.eqa.user.full_name if name is None else name})


@pytest.fixture
def batch(world):
    amy, ben = learner_with_units(world, "Amy Achiever"), learner_with_units(world, "Ben Finisher")
    return waiting_batch(world, [amy, ben])


def test_the_eqa_sees_the_batch_and_signs_it_off(client, world, batch):
    page = as_user(client, world.eqa).get(url(world))
    text = page.content.decode()
    assert page.status_code == 200
    assert f"Claim {batch.reference} to NCFE" in text and "Amy Achiever" in text and "Ben Finisher" in text
    response = sign(client, world, batch, note="Sampled Amy's unit 1.")
    assert response.status_code == 302
    batch.refresh_from_db()
    assert (batch.status, batch.eqa_by, batch.eqa_note) == (Status.READY, world.eqa.user, "Sampled Amy's unit 1.")
    assert AuditEvent.objects.filter(action="claim.eqa_approved", actor=world.eqa.user).count() == 1
    after = client.get(url(world)).content.decode()
    assert "No claim waits for your sign-off." in after
    assert f"Claim {batch.reference} signed off: the centre may submit it." in after
    assert "Claims you signed off or queried" in after and batch.reference in after


def test_the_eqa_queries_a_batch_saying_what_to_look_at(client, world, batch):
    as_user(client, world.eqa)
    assert sign(client, world, batch, decision="query", note="Ben's unit 3 evidence is not dated.").status_code == 302
    batch.refresh_from_db()
    assert (batch.status, batch.eqa_note) == (Status.EQA_QUERIED, "Ben's unit 3 evidence is not dated.")
    text = client.get(url(world)).content.decode()
    assert "You queried it: Ben&#x27;s unit 3 evidence is not dated." in text


@pytest.mark.parametrize(("decision", "note", "name", "message"), [
    ("approve", "", "", "Type your full name to sign."),
    ("approve", "", "Someone Else", "Type your full name exactly as the centre has it"),
    ("query", "", None, "Say what the centre must look at before the claim can go."),
    ("", "", None, "Choose whether you sign the claim off or query it."),
])
def test_bad_input_is_said_and_changes_nothing(client, world, batch, decision, note, name, message):
    page = sign(as_user(client, world.eqa), world, batch, decision=decision, note=note, name=name)
    assert page.status_code == 200
    assert message in page.content.decode().replace("&#x27;", "'")
    batch.refresh_from_db()
    assert (batch.status, batch.eqa_by) == (Status.AWAITING_EQA, None)
    assert not AuditEvent.objects.filter(action__in=["claim.eqa_approved", "claim.eqa_queried"]).exists()


def test_a_batch_with_a_learner_outside_the_access_is_refused(client, world, batch):
    amy = batch.lines.get(registered_name="Amy Achiever").enrolment
    world.grant.learners.set([amy.learner])  # Ben is no longer in the EQA's access
    page = as_user(client, world.eqa).get(url(world))
    text = page.content.decode()
    assert "1 learner of this batch is outside your access" in text
    assert "Amy Achiever" in text and "Ben Finisher" not in text
    refused = sign(client, world, batch)
    assert refused.status_code == 200
    assert "1 of this batch&#x27;s learners is outside your access" in refused.content.decode()
    batch.refresh_from_db()
    assert (batch.status, batch.eqa_by) == (Status.AWAITING_EQA, None)
    assert not AuditEvent.objects.filter(action="claim.eqa_approved").exists()


def test_a_batch_with_nobody_in_scope_is_not_there(client, world, batch):
    world.grant.qualifications.set([world.pearson])
    as_user(client, world.eqa)
    assert batch.reference not in client.get(url(world)).content.decode()
    assert sign(client, world, batch).status_code == 404
    batch.refresh_from_db()
    assert batch.status == Status.AWAITING_EQA


def test_only_the_eqa_of_an_open_grant_signs_here(client, world, batch):
    assert as_user(client, world.admin).get(url(world)).status_code == 403
    assert sign(client, world, batch, name=world.admin.user.full_name).status_code == 403
    assert as_user(client, world.lead).get(url(world)).status_code == 403  # reads the grant, may not act
    world.grant.starts_on, world.grant.ends_on = today() - timedelta(days=40), today() - timedelta(days=1)
    world.grant.save()
    assert as_user(client, world.eqa).get(url(world)).status_code == 404
    assert sign(client, world, batch).status_code == 404
    batch.refresh_from_db()
    assert batch.status == Status.AWAITING_EQA


def _queries(client, world) -> int:
    """The page's own queries (the access log's writes come and go with its own rules)."""
    with CaptureQueriesContext(connection) as seen:
        assert client.get(url(world)).status_code == 200
    return sum(1 for q in seen.captured_queries if "eqa_accesslog" not in q["sql"] and "SAVEPOINT" not in q["sql"])


def test_the_claims_page_does_not_grow_with_batches(client, world, batch, django_assert_max_num_queries):
    as_user(client, world.eqa)
    sign(client, world, batch)  # one signed off, listed below
    other = waiting_batch(world, [learner_with_units(world, "Cal Complete")])
    before = _queries(client, world)
    waiting_batch(world, [learner_with_units(world, "Dee Done"), learner_with_units(world, "Eve Ended")])
    sign(client, world, other)
    assert _queries(client, world) == before
    with django_assert_max_num_queries(25):
        assert len(client.get(url(world)).context["waiting"]) == 1
