"""Assessor profiles, risk bands and allocations (apps/iqa/profiles.py) and their pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.centres.models import IQAAllocation, Membership
from apps.centres.services import membership_change_roles
from apps.iqa import profiles, signals
from apps.iqa.models import AssessorProfile, RiskBandChange
from apps.iqa.profiles import ProfileDetails
from tests.factories import MembershipFactory
from tests.iqa.support_people import open_action, people, signed_sample

pytestmark = pytest.mark.django_db
today = timezone.localdate


@pytest.fixture
def p():
    return people()


@pytest.fixture
def band_signals():
    sent = []

    def listen(sender, profile, from_band, to_band, **kwargs):
        sent.append((profile.assessor_id, from_band, to_band))

    signals.band_changed.connect(listen, dispatch_uid="test_band_signals")
    yield sent
    signals.band_changed.disconnect(dispatch_uid="test_band_signals")


def membership(p, user) -> Membership:
    return Membership.objects.get(centre=p.centre, user=user)


def test_a_profile_starts_from_the_membership_with_its_band_and_history(p):
    trainee = profiles.profile_for(p.centre.pk, p.trainee.pk)
    assert trainee.status == AssessorProfile.Status.TRAINEE and trainee.band == trainee.derived_band == "high"
    assert trainee.qualify_by is not None and trainee.qualify_by > today() + timedelta(days=500)
    first = trainee.band_changes.get()
    assert (first.from_band, first.to_band, first.changed_by) == ("", "high", None)
    assert first.reason.startswith("Profile started: Trainee: every first decision sampled")
    assert AuditEvent.objects.filter(action="iqa.profile_created", object_id=str(trainee.pk), actor=None).exists()
    assessor = profiles.profile_for(p.centre.pk, p.assessor.pk)
    assert assessor.status == AssessorProfile.Status.NEW_TO_CENTRE and assessor.band == "medium"
    assert profiles.profile_for(p.centre.pk, p.assessor.pk) == assessor  # once


def test_every_band_change_is_kept_with_who_when_and_why_and_announced(p, band_signals):
    profile = profiles.profile_for(p.centre.pk, p.assessor.pk)
    profiles.profile_update(actor=p.lead, profile=profile,
                            details=ProfileDetails(status="experienced"))
    profile.refresh_from_db()
    assert profile.band == "low"
    for outcome in ["disagree", "agree", "disagree", "agree", "disagree", "agree"]:
        signed_sample(p, p.assessor, outcome)
    # A sample signed: the sampling area sends this; the band follows by itself.
    signals.quality_facts_changed.send(sender=object, centre_id=p.centre.pk, assessor_id=p.assessor.pk,
                                       reason="A sample was signed")
    profile.refresh_from_db()
    assert profile.band == profile.derived_band == "high"
    latest = profile.band_changes.first()
    assert (latest.from_band, latest.to_band, latest.changed_by) == ("low", "high", None)
    assert latest.reason == ("A sample was signed. Experienced; 3 of the last 6 samples disagreed")
    assert latest.changed_at is not None
    by_lead = profile.band_changes.get(from_band="medium")
    assert by_lead.changed_by == p.lead and by_lead.reason.startswith("Status changed to experienced")
    assert band_signals == [(p.assessor.pk, "medium", "low"), (p.assessor.pk, "low", "high")]
    assert AuditEvent.objects.filter(action="iqa.band_changed", object_id=str(profile.pk)).count() == 2


def test_a_refresh_that_changes_nothing_writes_nothing(p, band_signals):
    profile = profiles.profile_for(p.centre.pk, p.assessor.pk)
    rows = RiskBandChange.objects.count()
    profiles.band_refresh(centre_id=p.centre.pk, assessor_id=p.assessor.pk, reason="Nothing new")
    assert RiskBandChange.objects.count() == rows and band_signals == []
    assert profile.band == AssessorProfile.objects.get(pk=profile.pk).band


def test_open_and_overdue_actions_raise_the_band(p):
    profiles.profile_update(actor=p.lead, profile=profiles.profile_for(p.centre.pk, p.assessor.pk),
                            details=ProfileDetails(status="experienced"))
    open_action(p, p.assessor, due_in_days=5)
    profile = profiles.band_refresh(centre_id=p.centre.pk, assessor_id=p.assessor.pk, reason="An action was set")
    assert profile.band == "medium" and "1 action open" in profile.band_changes.first().reason
    open_action(p, p.assessor, due_in_days=-1)
    profile = profiles.band_refresh(centre_id=p.centre.pk, assessor_id=p.assessor.pk, reason="An action went overdue")
    assert profile.band == "high" and "1 action overdue" in profile.band_changes.first().reason


def test_a_trainee_qualifying_moves_the_band_and_the_membership(p, band_signals):
    p.allocate(p.trainee, p.iqa)
    profile = profiles.profile_for(p.centre.pk, p.trainee.pk)
    qualified_on = today() - timedelta(days=2)
    profile = profiles.profile_record_qualified(actor=p.iqa, profile=profile, qualification="Level 3 CAVA",
                                                qualified_on=qualified_on)
    assert profile.status == AssessorProfile.Status.NEWLY_QUALIFIED
    assert (profile.assessor_qualification, profile.qualified_on) == ("Level 3 CAVA", qualified_on)
    assert profile.band == "medium"
    assert not membership(p, p.trainee).is_trainee_assessor  # their decisions stop being provisional
    change = profile.band_changes.first()
    assert (change.from_band, change.to_band, change.changed_by) == ("high", "medium", p.iqa)
    assert change.reason.startswith("Qualified as an assessor on")
    assert profile.band_changes.count() == 2  # started, qualified: the membership's receiver added nothing
    assert band_signals == [(p.trainee.pk, "high", "medium")]
    roles = AuditEvent.objects.get(action="membership.roles_changed", object_id=str(membership(p, p.trainee).pk))
    assert roles.actor == p.iqa and roles.payload["after"] == ["Assessor"]
    assert AuditEvent.objects.filter(action="iqa.profile_updated", payload__qualified=True).exists()


def test_recording_qualifying_refuses_bad_input_and_changes_nothing(p):
    p.allocate(p.trainee, p.iqa)
    profile = profiles.profile_for(p.centre.pk, p.trainee.pk)
    with pytest.raises(ValidationError) as refused:
        profiles.profile_record_qualified(actor=p.iqa, profile=profile, qualification=" ", qualified_on=None)
    assert refused.value.messages == ["Name the assessor qualification they achieved.", "Give the date they qualified."]
    with pytest.raises(ValidationError) as refused:
        profiles.profile_record_qualified(actor=p.iqa, profile=profile, qualification="CAVA",
                                          qualified_on=today() + timedelta(days=1))
    assert refused.value.messages == ["The date they qualified cannot be in the future."]
    profile.refresh_from_db()
    assert profile.status == "trainee" and membership(p, p.trainee).is_trainee_assessor
    assert profile.band_changes.count() == 1
    experienced = profiles.profile_for(p.centre.pk, p.assessor.pk)
    with pytest.raises(ValidationError, match="is not a trainee"):
        profiles.profile_record_qualified(actor=p.lead, profile=experienced, qualification="CAVA",
                                          qualified_on=today())


def test_an_admin_marking_a_trainee_on_their_roles_moves_the_profile(p, band_signals):
    profiles.profile_update(actor=p.lead, profile=profiles.profile_for(p.centre.pk, p.assessor.pk),
                            details=ProfileDetails(status="experienced"))
    m = membership(p, p.assessor)
    membership_change_roles(membership=m, actor=p.admin,
                            roles=m.roleset.__class__(assessor=True, trainee_assessor=True))
    profile = AssessorProfile.objects.get(centre=p.centre, assessor=p.assessor)
    assert profile.status == "trainee" and profile.band == "high" and profile.qualify_by is not None
    assert profile.band_changes.first().reason.startswith("Marked as a trainee assessor on their roles")
    membership_change_roles(membership=m, actor=p.admin, roles=m.roleset.__class__(assessor=True))
    profile.refresh_from_db()
    assert profile.status == "newly_qualified" and profile.band == "medium"


def test_an_override_needs_a_band_a_reason_and_a_review_date(p):
    profile = profiles.profile_for(p.centre.pk, p.assessor.pk)
    with pytest.raises(ValidationError) as refused:
        profiles.band_override(actor=p.lead, profile=profile, band="", reason="", review_on=None)
    assert refused.value.messages == ["Choose the band: high, medium or low risk.",
                                      "Say why you are setting the band by hand.",
                                      "Give the date to review this band by."]
    with pytest.raises(ValidationError, match="must be after today"):
        profiles.band_override(actor=p.lead, profile=profile, band="low", reason="Observed", review_on=today())
    with pytest.raises(ValidationError, match="within a year"):
        profiles.band_override(actor=p.lead, profile=profile, band="low", reason="Observed",
                               review_on=today() + timedelta(days=400))
    profile.refresh_from_db()
    assert not profile.override_band and profile.band_changes.count() == 1


def test_an_override_wins_until_its_review_date_passes(p, band_signals):
    profile = profiles.profile_for(p.centre.pk, p.assessor.pk)
    review_on = today() + timedelta(days=30)
    profile = profiles.band_override(actor=p.lead, profile=profile, band="low", reason="Strong observation",
                                     review_on=review_on)
    assert (profile.band, profile.derived_band, profile.override_by) == ("low", "medium", p.lead)
    change = profile.band_changes.first()
    assert change.changed_by == p.lead and "Strong observation" in change.reason
    # Facts that would move the derived band do not move the band in force.
    open_action(p, p.assessor, due_in_days=3)
    profile = profiles.band_refresh(centre_id=p.centre.pk, assessor_id=p.assessor.pk, reason="Action set")
    assert (profile.band, profile.derived_band) == ("low", "medium")
    # After the review date, the daily review puts the derived band back in force.
    AssessorProfile.objects.filter(pk=profile.pk).update(override_review_on=today() - timedelta(days=1))
    assert profiles.bands_review_due() == 1
    profile.refresh_from_db()
    assert (profile.band, profile.override_band, profile.override_review_on) == ("medium", "", None)
    ended = profile.band_changes.first()
    assert ended.changed_by is None and "reached its review date" in ended.reason
    assert AuditEvent.objects.filter(action="iqa.band_override_ended", actor=None).exists()
    assert band_signals == [(p.assessor.pk, "medium", "low"), (p.assessor.pk, "low", "medium")]
    assert profiles.bands_review_due() == 0


def test_an_override_can_be_ended_by_hand_and_the_history_keeps_both(p):
    profile = profiles.profile_for(p.centre.pk, p.assessor.pk)
    with pytest.raises(ValidationError, match="no band set by hand"):
        profiles.band_override_end(actor=p.lead, profile=profile)
    profiles.band_override(actor=p.lead, profile=profile, band="medium", reason="Same band, watched",
                           review_on=today() + timedelta(days=10))
    profile = profiles.band_override_end(actor=p.lead, profile=profile, reason="Reviewed early")
    assert profile.band == "medium" and not profile.override_band
    reasons = [c.reason for c in profile.band_changes.all()]
    assert reasons[0].startswith("Band set by hand ended (Reviewed early)")
    assert reasons[1].startswith("Set by hand until")  # kept even though the band stayed the same
    assert AuditEvent.objects.filter(action__in=["iqa.band_overridden", "iqa.band_override_ended"]).count() == 2


def test_only_the_allocated_iqa_or_the_lead_changes_a_profile(p):
    profile = profiles.profile_for(p.centre.pk, p.assessor.pk)
    for actor in (p.iqa, p.admin, p.assessor):
        with pytest.raises(PermissionDenied):
            profiles.band_override(actor=actor, profile=profile, band="low", reason="x",
                                   review_on=today() + timedelta(days=3))
    p.allocate(p.assessor, p.iqa)
    profiles.band_override(actor=p.iqa, profile=profile, band="low", reason="x", review_on=today() + timedelta(days=3))
    # An IQA who is also an assessor never changes their own profile.
    both = MembershipFactory(centre=p.centre, is_iqa=True, is_assessor=True, is_lead_iqa=True)
    with pytest.raises(PermissionDenied):
        profiles.profile_update(actor=both.user, profile=profiles.profile_for(p.centre.pk, both.user.pk),
                                details=ProfileDetails(status="experienced"))


def test_profile_details_refuse_what_does_not_hold_and_change_nothing(p):
    profile = profiles.profile_for(p.centre.pk, p.trainee.pk)
    with pytest.raises(ValidationError) as refused:
        profiles.profile_update(actor=p.lead, profile=profile, details=ProfileDetails(
            status="experienced", qualified_on=today() + timedelta(days=1)))
    assert refused.value.messages == [
        "To record that a trainee has qualified, use “Record that they qualified”: it also stops their decisions "
        "needing a countersignature.",
        "The date they qualified cannot be in the future.",
        "Name the assessor qualification they hold, for the date they qualified.",
    ]
    with pytest.raises(ValidationError, match="Give the date this trainee must qualify by"):
        profiles.profile_update(actor=p.lead, profile=profile, details=ProfileDetails(status="trainee"))
    assert AssessorProfile.objects.get(pk=profile.pk).status == "trainee"
    other = profiles.profile_for(p.centre.pk, p.assessor.pk)
    with pytest.raises(ValidationError, match="A centre admin marks someone as a trainee"):
        profiles.profile_update(actor=p.lead, profile=other, details=ProfileDetails(status="trainee",
                                                                                  qualify_by=today()))


def test_allocations_are_the_lead_iqas_and_never_to_oneself(p):
    with pytest.raises(PermissionDenied):
        profiles.allocations_set(actor=p.iqa, centre_id=p.centre.pk, choices={p.assessor.pk: p.iqa.pk})
    with pytest.raises(ValidationError) as refused:
        profiles.allocations_set(actor=p.lead, centre_id=p.centre.pk,
                                 choices={p.assessor.pk: p.admin.pk, p.trainee.pk: p.iqa.pk})
    assert refused.value.messages == ["Asha Assessor: choose one of the centre's IQAs."]
    assert not IQAAllocation.objects.exists()  # nothing saved, not even the sound choice
    both = MembershipFactory(centre=p.centre, is_iqa=True, is_assessor=True, user__full_name="Bo Both")
    with pytest.raises(ValidationError, match="Bo Both cannot quality-assure their own decisions"):
        profiles.allocations_set(actor=p.lead, centre_id=p.centre.pk, choices={both.user.pk: both.user.pk})
    assert profiles.allocations_set(actor=p.lead, centre_id=p.centre.pk,
                                    choices={p.assessor.pk: p.iqa.pk, p.trainee.pk: p.lead.pk}) == 2
    assert profiles.allocations_set(actor=p.lead, centre_id=p.centre.pk,
                                    choices={p.assessor.pk: p.iqa.pk, p.trainee.pk: None}) == 1
    assert dict(IQAAllocation.objects.values_list("assessor_id", "iqa_id")) == {p.assessor.pk: p.iqa.pk}
    assert list(AuditEvent.objects.filter(action__startswith="iqa.allocation").order_by("pk")
                .values_list("action", flat=True)) == ["iqa.allocation_set", "iqa.allocation_set",
                                                       "iqa.allocation_removed"]


# --- the pages --------------------------------------------------------------------------------


def test_an_iqa_sees_only_allocated_assessors_and_the_lead_sees_all(client, p):
    p.allocate(p.trainee, p.iqa)
    client.force_login(p.iqa)
    page = client.get(reverse("iqa_people")).content.decode()
    assert "Tom Trainee" in page and "Asha Assessor" not in page
    other = profiles.profile_for(p.centre.pk, p.assessor.pk)
    assert client.get(reverse("iqa_profile", args=[other.pk])).status_code == 404
    client.force_login(p.lead)
    page = client.get(reverse("iqa_people")).content.decode()
    assert "Tom Trainee" in page and "Asha Assessor" in page
    assert "Ira Quality" in page  # the trainee's IQA


def test_the_register_flags_a_trainee_near_their_qualify_by_date(client, p):
    profile = profiles.profile_for(p.centre.pk, p.trainee.pk)
    AssessorProfile.objects.filter(pk=profile.pk).update(qualify_by=today() + timedelta(days=20))
    client.force_login(p.lead)
    assert "Must qualify within 20 days" in client.get(reverse("iqa_people")).content.decode()


def _register_queries(client) -> int:
    client.get(reverse("iqa_people"))  # profiles made on the first visit
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("iqa_people")).status_code == 200
    return len(queries)


def test_the_register_reads_a_fixed_number_of_queries(client, p):
    client.force_login(p.lead)
    for outcome in ("agree", "disagree"):
        signed_sample(p, p.assessor, outcome)
    few = _register_queries(client)
    for n in range(6):
        more = MembershipFactory(centre=p.centre, is_assessor=True)
        p.allocate(more.user, p.iqa)
        for _ in range(3):
            signed_sample(p, more.user, "disagree")
        open_action(p, more.user, due_in_days=-n)
    assert _register_queries(client) == few


def test_the_profile_page_records_qualifying_and_shows_the_history(client, p):
    p.allocate(p.trainee, p.iqa)
    profile = profiles.profile_for(p.centre.pk, p.trainee.pk)
    client.force_login(p.iqa)
    url = reverse("iqa_profile_qualified", args=[profile.pk])
    refused = client.post(url, {"qualified-qualification": "CAVA", "qualified-qualified_on": ""})
    assert refused.status_code == 200 and "Give the date they qualified." in refused.content.decode()
    assert AssessorProfile.objects.get(pk=profile.pk).status == "trainee"
    done = client.post(url, {"qualified-qualification": "CAVA", "qualified-qualified_on": today().isoformat()},
                       follow=True)
    text = done.content.decode()
    assert "recorded as qualified" in text and "Qualified as an assessor on" in text
    with CaptureQueriesContext(connection) as first:
        client.get(reverse("iqa_profile", args=[profile.pk]))
    for _ in range(4):
        profiles.band_override(actor=p.lead, profile=profile, band="low", reason="x",
                               review_on=today() + timedelta(days=3))
        profiles.band_override_end(actor=p.lead, profile=profile)
    with CaptureQueriesContext(connection) as later:
        client.get(reverse("iqa_profile", args=[profile.pk]))
    assert len(later) == len(first)


def test_the_override_form_says_what_is_missing_and_saves_nothing(client, p):
    profile = profiles.profile_for(p.centre.pk, p.assessor.pk)
    client.force_login(p.lead)
    response = client.post(reverse("iqa_profile_override", args=[profile.pk]),
                           {"override-band": "low", "override-reason": "", "override-review_on": ""})
    text = response.content.decode()
    assert response.status_code == 200
    assert "Say why you are setting the band by hand." in text and "Give the date to review this band by." in text
    assert not AssessorProfile.objects.get(pk=profile.pk).override_band


def test_the_allocations_page_saves_the_leads_choices(client, p):
    client.force_login(p.lead)
    assert client.get(reverse("iqa_allocations")).status_code == 200
    response = client.post(reverse("iqa_allocations"), {f"assessor_{p.assessor.pk}": str(p.iqa.pk),
                                                        f"assessor_{p.trainee.pk}": ""})
    assert response.status_code == 302
    assert IQAAllocation.objects.get(assessor=p.assessor).iqa == p.iqa
    bad = client.post(reverse("iqa_allocations"), {f"assessor_{p.assessor.pk}": str(p.assessor.pk)})
    assert bad.status_code == 200 and "Select a valid choice" in bad.content.decode()


def test_the_roles_form_offers_the_lead_iqa_box_on_invitations_and_members(admin_client, admin_membership):
    member = MembershipFactory(centre=admin_membership.centre, is_iqa=True)
    assert 'name="is_lead_iqa"' in admin_client.get(reverse("centre_invite")).content.decode()
    assert 'name="is_lead_iqa"' in admin_client.get(reverse("centre_member", args=[member.pk])).content.decode()
    assert admin_client.post(reverse("centre_member", args=[member.pk]),
                             {"is_iqa": "on", "is_lead_iqa": "on"}).status_code == 302
    member.refresh_from_db()
    assert member.is_lead_iqa
    refused = admin_client.post(reverse("centre_member", args=[member.pk]), {"is_assessor": "on", "is_lead_iqa": "on"})
    assert "Only an internal quality assurer can be the lead internal quality assurer." in refused.content.decode()
