"""The benchmarks' college (bench/generate.py) gives its EQA a grant as the centre would: every
learner on its biggest qualification, so the pages the benchmarks open as the EQA show a scope."""

from __future__ import annotations

from collections import Counter

import pytest

from apps.audit.models import AuditEvent
from apps.audit.presentation import describe
from apps.centres.models import Membership
from apps.learners.access import enrolments_visible
from apps.learners.models import Enrolment, ExternalAccess


@pytest.fixture
def college(db):
    from bench.generate import Generator, find_college

    Generator(scale=0.004, seed=3, out=lambda _: None, store_files=False).run()
    return find_college()


def test_the_colleges_eqa_sees_every_learner_of_the_biggest_qualification_and_no_other(college, client):
    eqa = Membership.objects.get(centre_id=college.centre_id, is_eqa=True)
    grant = ExternalAccess.objects.get(centre_id=college.centre_id, user_id=eqa.user_id)
    enrolments = Enrolment.objects.filter(centre_id=college.centre_id)
    biggest = Counter(enrolments.values_list("qualification_id", flat=True)).most_common(1)[0][0]
    assert list(grant.qualifications.values_list("pk", flat=True)) == [biggest]
    assert grant.ends_on == eqa.eqa_expires_on and grant.is_open(grant.starts_on)
    assert set(enrolments_visible(membership=eqa).values_list("pk", flat=True)) == set(
        enrolments.filter(qualification_id=biggest).values_list("pk", flat=True))
    granted = AuditEvent.objects.get(action="eqa.access_granted", object_id=str(grant.pk))
    assert f"EQA access for NCFE to {grant.qualifications.get().number}" in describe(granted).sentence
    client.force_login(eqa.user)
    assert f'href="/eqa/access/{grant.pk}/"' in client.get("/").content.decode()
