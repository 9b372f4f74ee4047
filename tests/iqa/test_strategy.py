"""The sampling strategy (apps/iqa/strategies.py): drafted from the template, edited, approved by
the lead IQA with their signature, superseded, never changed once approved; and its pages."""

from __future__ import annotations

import copy

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.iqa import rules, strategies
from apps.iqa.models import SamplingStrategy
from tests.iqa.support_people import people, qualification

pytestmark = pytest.mark.django_db
Status = SamplingStrategy.Status


@pytest.fixture
def p():
    return people()


def approved(p, qualification_id=None) -> SamplingStrategy:
    draft = strategies.strategy_draft(actor=p.iqa, centre_id=p.centre.pk, qualification_id=qualification_id)
    return strategies.strategy_approve(actor=p.lead, strategy=draft, signed_name="Lee Lead")


def test_a_new_centre_starts_from_the_template_marked_as_a_convention(p):
    draft = strategies.strategy_draft(actor=p.iqa, centre_id=p.centre.pk)
    assert (draft.version, draft.status, draft.from_template, draft.rules) == (1, Status.DRAFT, True, rules.TEMPLATE)
    assert strategies.strategy_draft(actor=p.iqa, centre_id=p.centre.pk) == draft  # one draft at a time
    assert AuditEvent.objects.filter(action="iqa.strategy_drafted", payload__copied_from="template").count() == 1


def test_only_the_lead_approves_signing_with_their_name(p):
    draft = strategies.strategy_draft(actor=p.iqa, centre_id=p.centre.pk)
    with pytest.raises(PermissionDenied):
        strategies.strategy_approve(actor=p.iqa, strategy=draft, signed_name="Ira Quality")
    with pytest.raises(PermissionDenied):
        strategies.strategy_approve(actor=p.admin, strategy=draft, signed_name="Ada Admin")
    with pytest.raises(ValidationError, match="exactly as the centre has it: Lee Lead"):
        strategies.strategy_approve(actor=p.lead, strategy=draft, signed_name="Someone Else")
    assert SamplingStrategy.objects.get(pk=draft.pk).status == Status.DRAFT
    done = strategies.strategy_approve(actor=p.lead, strategy=draft, signed_name=" lee  LEAD ")
    assert (done.status, done.approved_by, done.approved_name) == (Status.APPROVED, p.lead, "lee LEAD")
    assert AuditEvent.objects.filter(action="iqa.strategy_approved", actor=p.lead).exists()


def test_an_approved_strategy_never_changes_and_a_new_version_supersedes_it(p):
    first = approved(p)
    with pytest.raises(ValidationError, match="never changes"):
        strategies.strategy_update(actor=p.iqa, strategy=first, new_rules=rules.TEMPLATE, rationale="x")
    with pytest.raises(ValidationError, match="only a draft is approved"):
        strategies.strategy_approve(actor=p.lead, strategy=first, signed_name="Lee Lead")
    second = strategies.strategy_draft(actor=p.iqa, centre_id=p.centre.pk)
    assert second.version == 2 and second.rules == first.rules
    changed = copy.deepcopy(first.rules) | {"period_months": 6}
    strategies.strategy_update(actor=p.iqa, strategy=second, new_rules=changed, rationale="Two terms a plan")
    assert SamplingStrategy.objects.get(pk=first.pk).rules["period_months"] == 3
    strategies.strategy_approve(actor=p.lead, strategy=second, signed_name="Lee Lead")
    first.refresh_from_db()
    assert first.status == Status.SUPERSEDED and first.superseded_at is not None
    assert strategies.strategy_in_force(p.centre.pk, None).pk == second.pk
    change = AuditEvent.objects.get(action="iqa.strategy_changed")
    assert change.payload["changes"]["period_months"] == [3, 6]


def test_bad_rules_are_refused_in_words_and_nothing_is_saved(p):
    draft = strategies.strategy_draft(actor=p.iqa, centre_id=p.centre.pk)
    bad = copy.deepcopy(rules.TEMPLATE)
    bad["period_months"] = 0
    bad["bands"]["low"]["learner_share"] = 100
    bad["bands"]["high"]["unit_share"] = 150
    with pytest.raises(ValidationError) as refused:
        strategies.strategy_update(actor=p.iqa, strategy=draft, new_rules=bad, rationale="Changed")
    assert refused.value.messages == [
        "The planning period must be a whole number of months from 1 to 12.",
        "High risk: unit share must be a whole percentage from 0 to 100.",
    ]
    draft.refresh_from_db()
    assert draft.rules == rules.TEMPLATE and draft.rationale == ""
    assert not AuditEvent.objects.filter(action="iqa.strategy_changed").exists()


def test_the_strategy_in_force_is_the_qualifications_own_else_the_centre_default(p):
    q = p.enrolment.qualification
    assert strategies.strategy_in_force(p.centre.pk, q.pk) is None
    default = approved(p)
    assert strategies.strategy_in_force(p.centre.pk, q.pk) == default
    own = approved(p, q.pk)
    assert own.version == 1 and own.qualification_id == q.pk
    assert strategies.strategy_in_force(p.centre.pk, q.pk) == own
    assert strategies.strategy_in_force(p.centre.pk, None) == default
    assert strategies.strategy_in_force(p.centre.pk, qualification("600/0000/2").pk) == default
    assert default.status == Status.APPROVED  # the qualification's own does not supersede the default


def test_drafting_is_for_iqas_only(p):
    for actor in (p.admin, p.assessor):
        with pytest.raises(PermissionDenied):
            strategies.strategy_draft(actor=actor, centre_id=p.centre.pk)


# --- the pages --------------------------------------------------------------------------------


def form_data(values: dict, rationale: str = "") -> dict:
    data = {"period_months": values["period_months"],
            "summative_per_assessor_unit_months": values["summative_per_assessor_unit_months"],
            "methods_must_cover": values["methods_must_cover"], "rationale": rationale}
    for flag in ("trainee_first_decision_per_unit", "every_learner_before_claim"):
        if values[flag]:
            data[flag] = "on"
    for band, fields in values["bands"].items():
        for field, value in fields.items():
            data[f"{band}__{field}"] = value
    return data


def test_the_edit_page_covers_every_rule_and_says_what_is_wrong(client, p):
    draft = strategies.strategy_draft(actor=p.iqa, centre_id=p.centre.pk)
    client.force_login(p.iqa)
    url = reverse("iqa_strategy_edit", args=[draft.pk])
    page = client.get(url).content.decode()
    assert rules.TEMPLATE_LABEL in page
    for name in form_data(rules.TEMPLATE):
        assert f'name="{name}"' in page, name
    bad = form_data(rules.TEMPLATE) | {"low__learner_share": 90, "period_months": "three"}
    refused = client.post(url, bad).content.decode()
    assert "Planning period (months): give a whole number." in refused
    bad["period_months"] = 3
    refused = client.post(url, bad).content.decode()
    assert "Nothing was saved" in refused
    assert "A higher risk band must sample at least as many learners as a lower one." in refused
    assert SamplingStrategy.objects.get(pk=draft.pk).rules == rules.TEMPLATE
    good = form_data(rules.TEMPLATE, "Our first strategy") | {"low__learner_share": 10, "methods_must_cover": []}
    assert client.post(url, good).status_code == 302
    draft.refresh_from_db()
    assert draft.rules["bands"]["low"]["learner_share"] == 10 and draft.rules["methods_must_cover"] == []
    assert draft.rationale == "Our first strategy"


def test_the_lead_approves_on_the_page_and_the_approved_version_offers_no_edit(client, p):
    draft = strategies.strategy_draft(actor=p.iqa, centre_id=p.centre.pk)
    client.force_login(p.lead)
    page = client.get(reverse("iqa_strategy", args=[draft.pk])).content.decode()
    assert "Approve and sign" in page and rules.TEMPLATE_LABEL in page
    wrong = client.post(reverse("iqa_strategy_approve", args=[draft.pk]), {"signed_name": "Nobody"}, follow=True)
    assert "exactly as the centre has it" in wrong.content.decode()
    client.post(reverse("iqa_strategy_approve", args=[draft.pk]), {"signed_name": "Lee Lead"})
    draft.refresh_from_db()
    assert draft.status == Status.APPROVED
    page = client.get(reverse("iqa_strategy", args=[draft.pk])).content.decode()
    assert "Approve and sign" not in page and "Change this draft" not in page
    edit = client.get(reverse("iqa_strategy_edit", args=[draft.pk]))
    assert edit.status_code == 302
    listing = client.get(reverse("iqa_strategies")).content.decode()
    assert "approved by Lee Lead" in listing


def test_the_strategy_list_reads_a_fixed_number_of_queries(client, p):
    client.force_login(p.lead)
    approved(p)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("iqa_strategies")).status_code == 200
    for _ in range(3):
        approved(p)
    approved(p, p.enrolment.qualification_id)
    strategies.strategy_draft(actor=p.iqa, centre_id=p.centre.pk)
    with CaptureQueriesContext(connection) as more:
        page = client.get(reverse("iqa_strategies")).content.decode()
    assert len(more) == len(few)
    assert "version 4" in page and "Superseded" in page
