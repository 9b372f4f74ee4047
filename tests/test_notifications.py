"""Deactivated means gone: a member deactivated in a centre is neither notified nor emailed about
its learners' evidence, and no longer sees what the centre told them; another person's
notification is a 404."""

from __future__ import annotations

import time

from django.core import mail
from django.test import override_settings

from apps.centres.services import membership_set_active
from apps.notifications.models import Notification
from apps.notifications.services import notifications_email, notify
from tests.assessment.helpers import submitted
from tests.evidence.portfolio_helpers import enrolment_with_people
from tests.factories import MembershipFactory


def emails_to(user) -> list[str]:
    return [m.subject for m in mail.outbox if m.to == [user.email]]


def test_a_deactivated_assessor_is_not_told_about_submitted_evidence(celery_worker, centre):
    enrolment, learner, assessor, _ = enrolment_with_people(centre)
    colleague = MembershipFactory(centre=centre, is_assessor=True)
    enrolment.assessors.add(colleague.user)
    admin = MembershipFactory(centre=centre, is_admin=True)
    membership_set_active(membership=assessor, actor=admin.user, active=False)

    submitted(enrolment, learner.user, title="Rota")
    deadline = time.monotonic() + 30
    while not emails_to(colleague.user) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert emails_to(colleague.user) and "submitted “Rota”" in emails_to(colleague.user)[0]
    assert emails_to(assessor.user) == []
    assert not Notification.objects.filter(recipient=assessor.user).exists()


@override_settings(ATTEST_BASE_URL="http://attest.test")
def test_someone_deactivated_after_being_notified_is_not_emailed(centre):
    enrolment, learner, assessor, _ = enrolment_with_people(centre)
    admin = MembershipFactory(centre=centre, is_admin=True)
    notes = notify(recipients=[assessor.user, admin.user], centre=centre, subject="Evidence waiting", url="/")
    membership_set_active(membership=assessor, actor=admin.user, active=False)
    assert notifications_email(ids=[n.pk for n in notes], base_url="http://attest.test") == 1
    assert emails_to(assessor.user) == [] and len(emails_to(admin.user)) == 1


def test_a_deactivated_member_no_longer_sees_the_centres_notifications(client, centre):
    enrolment, learner, assessor, _ = enrolment_with_people(centre)
    other_centre_admin = MembershipFactory(is_admin=True)
    MembershipFactory(centre=other_centre_admin.centre, user=assessor.user, is_assessor=True)
    note = notify(recipients=[assessor.user], centre=centre, subject="From the first centre", url="/")[0]
    admin = MembershipFactory(centre=centre, is_admin=True)
    membership_set_active(membership=assessor, actor=admin.user, active=False)
    client.force_login(assessor.user)
    assert "From the first centre" not in client.get("/notifications/").content.decode()
    assert client.post(f"/notifications/{note.pk}/open/").status_code == 404


def test_another_persons_notification_is_a_404(client, centre):
    enrolment, learner, assessor, _ = enrolment_with_people(centre)
    note = notify(recipients=[learner.user], centre=centre, subject="Yours", url="/")[0]
    client.force_login(assessor.user)
    assert client.post(f"/notifications/{note.pk}/open/").status_code == 404
    assert Notification.objects.get(pk=note.pk).read_at is None
