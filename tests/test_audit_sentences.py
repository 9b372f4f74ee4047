"""Every audit action reads as a sentence of its own (issue 11), criteria as people say them."""

from __future__ import annotations

from apps.accounts.models import User
from apps.audit import presentation
from apps.audit.actions import ACTIONS
from apps.audit.models import AuditEvent
from apps.audit.presentation import codes_without_a_sentence, describe

ASHA = User(pk=1, email="asha@example.test", full_name="Asha Assessor")


def event(action: str, payload: dict | None = None, object_repr: str = "") -> AuditEvent:
    return AuditEvent(action=action, actor=ASHA, object_repr=object_repr, payload=payload or {})


def test_every_declared_action_has_a_sentence_of_its_own():
    # Not the fallback "Asha Assessor — Criterion judged": a new code in actions.py fails here
    # until presentation.py says it in words.
    assert codes_without_a_sentence() == set()
    for code in ACTIONS:
        assert " — " not in describe(event(code)).sentence, code


def test_a_declared_action_without_a_sentence_is_caught(monkeypatch):
    monkeypatch.setattr(presentation, "ACTIONS", {**ACTIONS, "evidence.shredded": "Evidence shredded"})
    assert codes_without_a_sentence() == {"evidence.shredded"}


def test_a_judgement_names_the_criterion_and_its_unit():
    judged = describe(event("assessment.decision_recorded",
                            {"criterion": "Unit 03, 3.1", "outcome": "met", "version": 1, "evidence": 7}))
    assert judged.sentence == "Asha Assessor judged criterion 3.1 of unit 03 met"
    not_yet = describe(event("assessment.decision_recorded",
                             {"criterion": "Unit 03, unnumbered criterion 4", "outcome": "not_yet_met",
                              "provisional": True}))
    assert not_yet.sentence == ("Asha Assessor judged unnumbered criterion 4 of unit 03 not yet met, "
                                "provisionally (a trainee's decision)")


def test_corrections_and_countersignatures_name_the_criterion_the_same_way():
    corrected = describe(event("assessment.decision_corrected",
                               {"criterion": "Unit 02, 1.2", "from": "met", "to": "not_yet_met", "reason": "Wrong unit"}))
    assert corrected.sentence == "Asha Assessor corrected the decision on criterion 1.2 of unit 02 from met to not yet met"
    countersigned = describe(event("assessment.decision_countersigned",
                                   {"criterion": "Unit 02, 1.2", "outcome": "met", "trainee": "Tom Trainee"}))
    assert countersigned.sentence == "Asha Assessor countersigned Tom Trainee's decision that criterion 1.2 of unit 02 is met"


def test_criteria_in_the_details_are_listed_unit_by_unit():
    mapped = describe(event("assessment.mappings_recorded",
                            {"version": 2, "mapped": ["Unit 01, 1.1", "Unit 01, 1.2", "Unit 02, 2.1"], "rejected": []},
                            object_repr="Call log"))
    assert mapped.sentence == "Asha Assessor mapped evidence “Call log” (version 2) to criteria"
    assert [(d.label, d.value) for d in mapped.details] == [("Mapped to", "unit 01: 1.1, 1.2; unit 02: 2.1")]


def test_an_older_payload_that_names_a_criterion_otherwise_still_reads():
    assert describe(event("assessment.decision_recorded", {"criterion": "3.1", "outcome": "met"})).sentence == (
        "Asha Assessor judged 3.1 met"
    )
