"""An EQA sees exactly what the centre's grants name, on every page that was there before EQA
access had a scope: the learner pages, evidence and its files, decisions and records, the IQA's
records, claim batches and documents. A learner outside the grants, a draft, and anything of a
grant not started or ended early are 404s (nothing says they exist); what the EQA reads they do
not change.

The world (tests/eqa/support.py): Cara and Ned on the NCFE qualification the grant names, Paula
on a Pearson one it does not; Cara also has a draft."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.assessment.models import Decision
from apps.audit.models import AuditEvent
from apps.certification import counters
from apps.certification.models import ClaimBatch, ClaimLine, ClaimUnit, Document, DocumentRun
from apps.evidence.models import Evidence, EvidenceVersion
from apps.iqa.models import (
    Action,
    PlanItem,
    PracticeObservation,
    Sample,
    SamplingPlan,
    SamplingStrategy,
    StandardisationMeeting,
)
from apps.iqa.profiles import profile_for
from apps.iqa.rules import TEMPLATE
from apps.iqa.sampling import snapshot_sha256, unit_snapshot
from apps.records.models import Observation
from tests.eqa.support import grant_for
from tests.factories import MembershipFactory
from tests.records.helpers import make_records

# --- what each learner has, beyond tests/eqa/support.py ------------------------------------------


def _sample(enrolment, world, *, signed: bool = True) -> Sample:
    unit = enrolment.qualification.units.get(number="1")
    snapshot = unit_snapshot(enrolment, unit)
    extra = dict(outcome=Sample.Outcome.AGREE, feedback="Sound.", signed_by=world.iqa.user,
                 signed_name=world.iqa.user.full_name, signed_at=timezone.now()) if signed else {}
    return Sample.objects.create(centre=world.centre, enrolment=enrolment, unit=unit, assessor=world.assessor.user,
                                 iqa=world.iqa.user, stage="interim", snapshot=snapshot,
                                 snapshot_sha256=snapshot_sha256(snapshot), unplanned_reason="A check", **extra)


def batch_of(world, enrolments, *, status=ClaimBatch.Status.DRAFT) -> ClaimBatch:
    """A claim batch of these enrolments (unit 1 each), written straight to the models."""
    year = timezone.localdate().year
    batch = ClaimBatch.objects.create(
        centre=world.centre, awarding_organisation=enrolments[0].qualification.awarding_organisation,
        created_by=world.admin.user, status=status,
        reference=f"CB-{year}-{counters.take(centre_id=world.centre.pk, series='CB', year=year):04d}")
    for number, enrolment in enumerate(enrolments):
        line = ClaimLine.objects.create(batch=batch, enrolment=enrolment, claim_type=ClaimLine.ClaimType.UNIT,
                                        award_date=timezone.localdate(), registration_number=f"R{number:04d}",
                                        registered_name=enrolment.learner.full_name, added_by=world.admin.user)
        ClaimUnit.objects.create(line=line, unit=enrolment.qualification.units.get(number="1"),
                                 achieved_on=timezone.localdate(), assessor_name="Asha Assessor")
    return batch


def _document(world, line: ClaimLine) -> Document:
    pdf = b"%PDF-1.7\n% a record\n"
    return Document.objects.create(
        centre=world.centre, line=line, kind=Document.Kind.ACHIEVEMENT_RECORD,
        number=f"AR-{timezone.now().year}-{line.pk:06d}", public_code=secrets.token_urlsafe(24),
        key=f"documents/{line.pk}.pdf", sha256=hashlib.sha256(pdf).hexdigest(), issued_by=world.admin.user,
        facts={"learner": line.registered_name})


@pytest.fixture
def work(world):
    """Each learner's pages: evidence, file, records, a signed IQA sample, a one-learner claim
    batch with a document; and Cara's and Paula's lines in one batch."""
    pages = {}
    for name in ("cara", "paula"):
        enrolment = world.learners[name]
        evidence = world.evidence if name == "cara" else Evidence.objects.get(enrolment=enrolment)
        batch = batch_of(world, [enrolment])
        records = make_records(enrolment, world.assessor.user)
        e = enrolment.pk
        pages[name] = {
            "portfolio": reverse("portfolio", args=[e]),
            "evidence": reverse("evidence_detail", args=[evidence.pk]),
            "assessor's evidence page": reverse("assessment_evidence", args=[evidence.pk]),
            "file": reverse("file_download", args=[evidence.current.files.get().pk]),
            "tracking matrix": reverse("assessment_matrix", args=[e]),
            "unit and its sign-off": reverse("assessment_unit", args=[e, "1"]),
            "unit plan": reverse("enrolment_plan", args=[e]),
            "records": reverse("records_enrolment", args=[e]),
            "observation record": reverse("records_observation", args=[records["observation"].pk]),
            "IQA sample": reverse("iqa_sample", args=[_sample(enrolment, world).pk]),
            "claim batch": reverse("claims_batch", args=[batch.pk]),
            "document": reverse("document_detail", args=[_document(world, batch.lines.get()).pk]),
        }
    return pages


def answers(client, pages: dict[str, str]) -> dict[str, int]:
    return {what: client.get(url).status_code for what, url in pages.items()}


def signed_in(client, membership):
    client.force_login(membership.user)
    return client


# --- learners in and out of the grant ---------------------------------------------------------


def test_the_eqa_reads_every_page_of_a_learner_in_scope_and_gets_404_for_one_outside(client, world, work):
    signed_in(client, world.eqa)
    assert set(answers(client, work["cara"]).values()) == {200}, answers(client, work["cara"])
    assert set(answers(client, work["paula"]).values()) == {404}, answers(client, work["paula"])


def test_a_draft_is_a_404_to_the_eqa(client, world):
    signed_in(client, world.eqa)
    for url in (reverse("evidence_detail", args=[world.draft.pk]), reverse("assessment_evidence", args=[world.draft.pk]),
                reverse("file_download", args=[world.draft_file.pk])):
        assert client.get(url).status_code == 404, url
    portfolio = client.get(reverse("portfolio", args=[world.cara.pk])).content.decode()
    assert "Site safety walk" in portfolio and "Unfinished notes" not in portfolio


def test_a_grant_naming_learners_hides_the_others_on_the_same_qualification(client, world):
    world.grant.learners.set([world.cara.learner])
    signed_in(client, world.eqa)
    assert client.get(reverse("portfolio", args=[world.cara.pk])).status_code == 200
    assert client.get(reverse("portfolio", args=[world.ned.pk])).status_code == 404


def test_two_grants_never_combine(client, world):
    """A names Cara on NCFE; B names Ned and Paula on Pearson. Ned is on A's qualification and one
    of B's learners, and neither grant covers him."""
    world.grant.learners.set([world.cara.learner])
    grant_for(world.eqa, qualifications=[world.pearson], learners=[world.ned.learner, world.paula.learner],
              created_by=world.admin.user)
    signed_in(client, world.eqa)
    seen = {name: client.get(reverse("portfolio", args=[e.pk])).status_code for name, e in world.learners.items()}
    assert seen == {"cara": 200, "ned": 404, "paula": 200, "elsewhere": 404}


@pytest.mark.parametrize("when", ["not started", "ended early"])
def test_a_grant_not_started_or_ended_early_gives_nothing(client, world, work, when):
    world.grant.delete()
    today = timezone.localdate()
    if when == "not started":
        grant_for(world.eqa, qualifications=[world.ncfe], starts_on=today + timedelta(days=1),
                  ends_on=today + timedelta(days=30), created_by=world.admin.user)
    else:
        grant_for(world.eqa, qualifications=[world.ncfe], ended=True, created_by=world.admin.user)
    signed_in(client, world.eqa)
    assert set(answers(client, work["cara"]).values()) == {404}, answers(client, work["cara"])
    for name in ("iqa_samples", "iqa_strategies", "iqa_people", "claims_batches", "claims_documents"):
        assert client.get(reverse(name)).status_code == 403, name


# --- reading without changing -------------------------------------------------------------------


def _counts(world) -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (
        Evidence, EvidenceVersion, Decision, Observation, Sample, Action, SamplingStrategy, SamplingPlan,
        PracticeObservation, StandardisationMeeting, ClaimBatch)} | {
        "audit": AuditEvent.objects.exclude(action__startswith="eqa.").count()}


def test_the_eqas_posts_to_the_pages_they_read_change_nothing(client, world, work):
    sample = _sample(world.cara, world)
    action = Action.objects.create(centre=world.centre, source=Action.Source.SAMPLE, sample=sample,
                                   enrolment=world.cara, unit=sample.unit, owner=world.assessor.user,
                                   raised_by=world.iqa.user, text="Re-judge 1.1",
                                   due_on=timezone.localdate() + timedelta(days=7))
    e, evidence = world.cara.pk, world.evidence.pk
    posts = {
        reverse("evidence_edit", args=[evidence]): {"title": "Changed"},
        reverse("evidence_withdraw", args=[evidence]): {},
        reverse("assessment_evidence", args=[evidence]): {"signed_name": "Eve External"},
        reverse("assessment_unit_sign_off", args=[e, "1"]): {"signed_name": "Eve External"},
        reverse("assessment_unit_reopen", args=[e, "1"]): {"reason": "Because"},
        reverse("records_observation_new", args=[e]): {"place": "Desk"},
        reverse("enrolment_plan", args=[e]): {},
        reverse("iqa_sample_new"): {"enrolment": e},
        reverse("iqa_sample_addendum", args=[sample.pk]): {"reason": "x", "text": "y"},
        reverse("iqa_action_close", args=[action.pk]): {"note": "Done"},
        reverse("iqa_strategy_new"): {},
        reverse("iqa_observation_new"): {"assessor": world.assessor.user.pk},
        reverse("iqa_plan_generate"): {},
        reverse("claims_batch_add", args=[batch_of(world, [world.cara]).pk]): {"enrolments": [world.ned.pk]},
    }
    before = _counts(world)
    signed_in(client, world.eqa)
    refused = {url: client.post(url, data).status_code for url, data in posts.items()}
    assert set(refused.values()) == {403}, refused
    assert _counts(world) == before
    world.evidence.refresh_from_db()
    assert world.evidence.current.title == "Site safety walk"


# --- the IQA's records --------------------------------------------------------------------------


def test_the_eqa_reads_the_iqa_records_of_their_scope_only(client, world):
    today = timezone.localdate()
    iqa, assessor = world.iqa.user, world.assessor.user
    strategy = {}
    for key, qualification, status in (("default", None, SamplingStrategy.Status.APPROVED),
                                       ("ncfe", world.ncfe, SamplingStrategy.Status.APPROVED),
                                       ("ncfe draft", world.ncfe, SamplingStrategy.Status.DRAFT),
                                       ("pearson", world.pearson, SamplingStrategy.Status.APPROVED)):
        strategy[key] = SamplingStrategy.objects.create(
            centre=world.centre, qualification=qualification, version=2 if key == "ncfe draft" else 1, status=status,
            rules=TEMPLATE, created_by=iqa, approved_at=timezone.now() if status == "approved" else None)
    meeting = {q.number: StandardisationMeeting.objects.create(
        centre=world.centre, qualification=q, held_on=today, facilitator=iqa, exemplar=f"Exemplar {q.number}",
        created_by=iqa) for q in (world.ncfe, world.pearson)}
    observed = {name: PracticeObservation.objects.create(
        centre=world.centre, iqa=iqa, assessor=assessor, enrolment=world.learners[name], observed_on=today,
        activity=f"Assessing {name}", outcome=PracticeObservation.Outcome.SATISFACTORY, signed_name=iqa.full_name)
        for name in ("cara", "paula")}
    plan = {key: SamplingPlan.objects.create(centre=world.centre, iqa=iqa, period_start=today - timedelta(days=days),
                                             period_end=today - timedelta(days=days - 90), seed=days, created_by=iqa)
            for key, days in (("cara and ned", 0), ("cara and paula", 100), ("paula", 200))}
    for key, enrolment in (("cara and ned", world.cara), ("cara and ned", world.ned), ("cara and paula", world.cara),
                           ("cara and paula", world.paula), ("paula", world.paula)):
        p = plan[key]
        PlanItem.objects.create(centre=world.centre, plan=p, enrolment=enrolment, assessor=assessor, stage="interim",
                                unit=enrolment.qualification.units.get(number="1"), due_from=p.period_start,
                                due_by=p.period_end, reason=PlanItem.Reason.RANDOM)
    samples = {"cara": _sample(world.cara, world), "paula": _sample(world.paula, world),
               "cara unsigned": _sample(world.cara, world, signed=False)}
    expected = {
        reverse("iqa_strategy", args=[strategy["default"].pk]): 200,
        reverse("iqa_strategy", args=[strategy["ncfe"].pk]): 200,
        reverse("iqa_strategy", args=[strategy["ncfe draft"].pk]): 404,
        reverse("iqa_strategy", args=[strategy["pearson"].pk]): 404,
        reverse("iqa_standardisation_meeting", args=[meeting[world.ncfe.number].pk]): 200,
        reverse("iqa_standardisation_meeting", args=[meeting[world.pearson.number].pk]): 404,
        reverse("iqa_observation", args=[observed["cara"].pk]): 200,
        reverse("iqa_observation", args=[observed["paula"].pk]): 404,
        reverse("iqa_plan", args=[plan["cara and ned"].pk]): 200,
        # A plan naming Paula too is read, with Cara's items only (the next test).
        reverse("iqa_plan", args=[plan["cara and paula"].pk]): 200,
        reverse("iqa_plan", args=[plan["paula"].pk]): 404,
        reverse("iqa_sample", args=[samples["cara"].pk]): 200,
        reverse("iqa_sample", args=[samples["paula"].pk]): 404,
        reverse("iqa_sample", args=[samples["cara unsigned"].pk]): 404,
        reverse("iqa_profile", args=[profile_for(world.centre.pk, assessor.pk).pk]): 200,
        reverse("iqa_allocations"): 403,
        reverse("iqa_reports"): 403,
    }
    signed_in(client, world.eqa)
    assert {url: client.get(url).status_code for url in expected} == expected
    listed = client.get(reverse("iqa_samples")).content.decode()
    assert "Cara Complete" in listed and "Paula Pearson" not in listed
    listed = client.get(reverse("iqa_observations")).content.decode()
    assert "Assessing cara" in listed and "Assessing paula" not in listed
    listed = client.get(reverse("iqa_standardisation")).content.decode()
    assert reverse("iqa_standardisation_meeting", args=[meeting[world.ncfe.number].pk]) in listed
    assert reverse("iqa_standardisation_meeting", args=[meeting[world.pearson.number].pk]) not in listed


def test_a_plan_with_learners_in_and_out_of_scope_shows_the_eqa_only_their_learners(
        client, world, django_assert_max_num_queries):
    today = timezone.localdate()
    iqa, assessor = world.iqa.user, world.assessor.user
    strategy = {q.number: SamplingStrategy.objects.create(
        centre=world.centre, qualification=q, version=1, status=SamplingStrategy.Status.APPROVED, rules=TEMPLATE,
        created_by=iqa, approved_at=timezone.now()) for q in (world.ncfe, world.pearson)}
    plan = SamplingPlan.objects.create(
        centre=world.centre, iqa=iqa, period_start=today, period_end=today + timedelta(days=90), seed=7,
        created_by=iqa, strategies={str(q.pk): strategy[q.number].pk for q in (world.ncfe, world.pearson)})
    for enrolment, unit, status in ((world.cara, "1", PlanItem.Status.PLANNED),
                                    (world.paula, "1", PlanItem.Status.PLANNED),
                                    (world.paula, "2", PlanItem.Status.DROPPED)):
        PlanItem.objects.create(
            centre=world.centre, plan=plan, enrolment=enrolment, assessor=assessor, stage="interim",
            unit=enrolment.qualification.units.get(number=unit), due_from=today, due_by=plan.period_end,
            reason=PlanItem.Reason.RANDOM, status=status,
            **({"dropped_reason": "Left the course", "dropped_at": timezone.now(), "dropped_by": iqa}
               if status == PlanItem.Status.DROPPED else {}))
    url = reverse("iqa_plan", args=[plan.pk])

    lead_page = signed_in(client, world.lead).get(url).content.decode()
    assert "Paula Pearson" in lead_page and "Cara Complete" in lead_page  # the plan does hold both

    signed_in(client, world.eqa)
    with django_assert_max_num_queries(25):
        response = client.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Cara Complete" in page and "Paula Pearson" not in page and "Left the course" not in page
    assert "1 sample planned" in page
    assert f"for {world.ncfe.number}" in page and world.pearson.number not in page
    # The plan's CSV lists every item: neither linked nor given to the EQA.
    assert reverse("iqa_plan_csv", args=[plan.pk]) not in page
    assert client.get(reverse("iqa_plan_csv", args=[plan.pk])).status_code == 403
    listed = client.get(reverse("iqa_plans")).content.decode()
    assert url in listed


# --- claims and documents -------------------------------------------------------------------------


def test_a_batch_shows_the_eqa_only_their_learners_and_its_files_only_when_they_cover_all(client, world):
    mixed = batch_of(world, [world.cara, world.paula], status=ClaimBatch.Status.AWAITING_EQA)
    own = batch_of(world, [world.cara, world.ned], status=ClaimBatch.Status.AWAITING_EQA)
    signed_in(client, world.eqa)
    page = client.get(reverse("claims_batch", args=[mixed.pk])).content.decode()
    assert "Cara Complete" in page and "Paula Pearson" not in page
    assert "1 more outside your access, not shown" in page
    assert "1 of this batch&#x27;s learners is outside your access: only an EQA whose access covers" in page
    assert reverse("claims_batch_claim_csv", args=[mixed.pk]) not in page
    assert reverse("claims_batch_eqa", args=[mixed.pk]) not in page
    for name in ("claims_batch_claim_csv", "claims_batch_claim_xlsx", "claims_batch_keying_csv",
                 "claims_batch_keying_pdf", "claims_batch_declaration_pdf"):
        assert client.get(reverse(name, args=[mixed.pk])).status_code == 403, name
    refused = client.post(reverse("claims_batch_eqa", args=[mixed.pk]),
                          {"decision": "approve", "signed_name": "Eve External"})
    assert refused.status_code == 403
    mixed.refresh_from_db()
    assert (mixed.status, mixed.eqa_name) == (ClaimBatch.Status.AWAITING_EQA, "")

    page = client.get(reverse("claims_batch", args=[own.pk])).content.decode()
    assert "Cara Complete" in page and "Ned Newcomer" in page and reverse("claims_batch_eqa", args=[own.pk]) in page
    assert client.get(reverse("claims_batch_claim_csv", args=[own.pk])).status_code == 200
    listed = client.get(reverse("claims_batches")).content.decode()
    assert mixed.reference in listed and own.reference in listed


def test_the_eqa_reads_documents_of_their_learners_and_no_zip_of_a_batch_with_others(client, world):
    batch = batch_of(world, [world.cara, world.paula])
    lines = {line.enrolment_id: line for line in batch.lines.all()}
    mine, theirs = _document(world, lines[world.cara.pk]), _document(world, lines[world.paula.pk])
    run = DocumentRun.objects.create(batch=batch, kinds=[Document.Kind.ACHIEVEMENT_RECORD],
                                     requested_by=world.admin.user, status=DocumentRun.Status.DONE, total=2,
                                     zip_key="documents/runs/x.zip", zip_sha256="0" * 64, finished_at=timezone.now())
    signed_in(client, world.eqa)
    assert client.get(reverse("document_detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("document_detail", args=[theirs.pk])).status_code == 404
    listed = client.get(reverse("claims_documents")).content.decode()
    assert mine.number in listed and theirs.number not in listed
    assert client.get(reverse("claims_document_run", args=[run.pk])).status_code == 404
    assert client.get(reverse("claims_document_run_zip", args=[run.pk])).status_code == 404
    panel = client.get(reverse("claims_batch_documents", args=[batch.pk])).content.decode()
    assert "some of them are outside your access" in panel
    assert reverse("claims_document_run_zip", args=[run.pk]) not in panel


def test_only_eqas_whose_grants_cover_the_whole_batch_are_told_it_waits_for_them(world):
    from apps.certification import batches

    other = MembershipFactory(centre=world.centre, is_eqa=True, eqa_expires_on=timezone.localdate() + timedelta(days=9))
    grant_for(other, qualifications=[world.ncfe], learners=[world.cara.learner], created_by=world.admin.user)
    batch = batch_of(world, [world.cara, world.ned])
    assert batches._eqas(batch) == [world.eqa.user]


# --- the EQA's home page --------------------------------------------------------------------------


def test_the_home_page_lists_open_grants_with_their_scope_and_says_when_others_start_or_ended(
        client, world, django_assert_max_num_queries):
    today = timezone.localdate()
    named = grant_for(world.eqa, qualifications=[world.pearson], learners=[world.paula.learner],
                      created_by=world.admin.user, ends_on=today + timedelta(days=10))
    later = grant_for(world.eqa, qualifications=[world.pearson], starts_on=today + timedelta(days=5),
                      ends_on=today + timedelta(days=40), created_by=world.admin.user)
    ended = grant_for(world.eqa, qualifications=[world.ncfe], starts_on=today - timedelta(days=90),
                      ends_on=today - timedelta(days=3), created_by=world.admin.user)
    signed_in(client, world.eqa)
    with django_assert_max_num_queries(30):
        page = client.get("/").content.decode()
    assert "read-only access to this centre&#x27;s records" not in page
    assert f'href="{reverse("eqa_grant", args=[world.grant.pk])}"' in page
    assert f"All learners on {world.ncfe.number}" in page
    assert f'href="{reverse("eqa_grant", args=[named.pk])}"' in page and "1 named learner: Paula Pearson" in page
    assert f"until {today + timedelta(days=10):%-d %b %Y}" in page
    assert f"starts on {later.starts_on:%-d %b %Y}" in page
    assert reverse("eqa_grant", args=[later.pk]) not in page
    assert f"ended on {ended.ends_on:%-d %b %Y}" in page
    assert reverse("eqa_grant", args=[ended.pk]) not in page


def test_the_home_pages_queries_do_not_grow_with_the_eqas_grants(client, world, django_assert_max_num_queries):
    signed_in(client, world.eqa)
    client.get("/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get("/")
    for _ in range(4):
        grant_for(world.eqa, qualifications=[world.pearson], learners=[world.paula.learner],
                  created_by=world.admin.user)
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get("/")
