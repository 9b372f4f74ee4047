"""What an IQA signed stays as it was: the database refuses to change or remove a signed sample,
an addendum, a band change in the history or an approved strategy (which only a newer version
supersedes), whoever is connected; the services still save open samples and edit drafts."""

from __future__ import annotations

import pytest

from apps.iqa import sampling
from apps.iqa.models import AssessorProfile, Band, RiskBandChange, SampleAddendum, SamplingStrategy
from apps.iqa.strategies import strategy_approve, strategy_draft, strategy_update
from tests.iqa.support_samples import entry, signed_off_unit
from tests.test_append_only import refused, run

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return signed_off_unit()


def test_an_open_sample_is_saved_and_a_signed_one_is_refused_any_change(w):
    sample = sampling.sample_start_unplanned(actor=w.iqa, enrolment=w.enrolment, unit=w.unit, stage="summative",
                                             reason="A concern")
    assert run("UPDATE iqa_sample SET feedback = %s WHERE id = %s", ["Draft words", sample.pk]) == 1
    sampling.sample_sign(sample=sample, actor=w.iqa, entry=entry(sample), signed_name=w.iqa.full_name, ip_address=None)
    assert "iqa_sample rows are append-only: UPDATE refused" in refused(
        "UPDATE iqa_sample SET outcome = 'disagree' WHERE id = %s", [sample.pk])
    assert "DELETE refused" in refused("DELETE FROM iqa_sample WHERE id = %s", [sample.pk])
    addendum = sampling.sample_addendum(sample=sample, actor=w.iqa, reason="A date was wrong",
                                        text="Sampled on the 3rd.", signed_name=w.iqa.full_name)
    assert "UPDATE refused" in refused("UPDATE iqa_sampleaddendum SET text = '' WHERE id = %s", [addendum.pk])
    sample.refresh_from_db()
    assert sample.outcome == "agree" and SampleAddendum.objects.get().text == "Sampled on the 3rd."


def test_the_band_history_is_never_rewritten(w):
    profile = AssessorProfile.objects.create(centre=w.centre, assessor=w.assessor)
    change = RiskBandChange.objects.create(profile=profile, to_band=Band.HIGH, reason="New to the centre")
    assert "UPDATE refused" in refused("UPDATE iqa_riskbandchange SET reason = '' WHERE id = %s", [change.pk])
    assert "DELETE refused" in refused("DELETE FROM iqa_riskbandchange WHERE id = %s", [change.pk])


def test_an_approved_strategy_never_changes_but_is_superseded_by_a_newer_version(w):
    first = strategy_draft(actor=w.lead, centre_id=w.centre.pk)
    rules = dict(first.rules, period_months=6)
    strategy_update(actor=w.lead, strategy=first, new_rules=rules, rationale="Terms of six months")  # a draft changes
    strategy_approve(actor=w.lead, strategy=first, signed_name=w.lead.full_name)
    assert "never changes: UPDATE refused" in refused(
        "UPDATE iqa_samplingstrategy SET rules = '{}'::jsonb WHERE id = %s", [first.pk])
    assert "never changes: DELETE refused" in refused("DELETE FROM iqa_samplingstrategy WHERE id = %s", [first.pk])
    second = strategy_draft(actor=w.lead, centre_id=w.centre.pk)
    strategy_approve(actor=w.lead, strategy=second, signed_name=w.lead.full_name)
    first.refresh_from_db()
    assert first.status == SamplingStrategy.Status.SUPERSEDED and first.rules["period_months"] == 6
    assert "never changes" in refused(
        "UPDATE iqa_samplingstrategy SET status = 'approved' WHERE id = %s", [first.pk])
