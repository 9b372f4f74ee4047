"""The audit trail in words: each event as a sentence a centre admin understands (who, did
what, to what) and its payload as labelled values, never a raw dict.

Plain functions over a stored event: they run no query (the page selects each event's actor
and centre with it) and read nothing but the event, so an event keeps reading the same way
however the rows it names change later. A sentence tolerates a payload without the keys it
expects: events written before a payload gained a key still read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from .actions import ACTIONS
from .actions import label as action_label
from .models import AuditEvent

SYSTEM = "Attest"  # who acts when nobody signed in did (a scheduled job, a command)
NOTHING = "none"


@dataclass(frozen=True)
class Detail:
    label: str
    value: str


@dataclass(frozen=True)
class EventText:
    sentence: str
    label: str
    details: tuple[Detail, ...] = ()


@dataclass(frozen=True)
class _Facts:
    event: AuditEvent
    actor: str
    name: str  # the object's name as it was when the event was written; "" when it had none
    p: dict[str, Any]

    def text(self, key: str) -> str:
        value = self.p.get(key)
        return "" if value is None else _value(key, value)


_Sentence = Callable[[_Facts], str]
_SENTENCES: dict[str, tuple[_Sentence, frozenset[str]]] = {}


def _says(*codes: str, uses: Iterable[str] = ()) -> Callable[[_Sentence], _Sentence]:
    """Register the sentence for these codes; `uses` are the payload keys it already says."""

    def register(sentence: _Sentence) -> _Sentence:
        for code in codes:
            _SENTENCES[code] = (sentence, frozenset(uses))
        return sentence

    return register


def codes_without_a_sentence() -> set[str]:
    """Declared codes that would read as the bare fallback ("actor — label"): none, and a test
    holds it so (tests/test_audit_sentences.py)."""
    return set(ACTIONS) - set(_SENTENCES)


def describe(event: AuditEvent) -> EventText:
    payload = event.payload if isinstance(event.payload, dict) else {"details": event.payload}
    facts = _Facts(event=event, actor=_actor(event), name=_object_name(event), p=payload)
    label = action_label(event.action)
    said = _SENTENCES.get(event.action)
    if said is None:
        sentence, uses = f"{facts.actor} — {label}" + (f": {facts.name}" if facts.name else ""), frozenset()
    else:
        write, uses = said
        sentence = " ".join(write(facts).split())
    return EventText(sentence=sentence, label=label, details=tuple(_details(payload, uses)))


# --- who and what ----------------------------------------------------------------------------

_UNNAMED = re.compile(r"^\w+ object \([^)]*\)$")  # a model without a name of its own


def _actor(event: AuditEvent) -> str:
    return str(event.actor) if event.actor_id is not None else SYSTEM


def _object_name(event: AuditEvent) -> str:
    name = event.object_repr.strip()
    return "" if _UNNAMED.match(name) else name


def _after(text: str, prefix: str) -> str:
    return text[len(prefix):] if text.startswith(prefix) else text


def _q(text: Any) -> str:
    return f"“{text}”" if text not in (None, "") else ""


def _named(kind: str, name: Any) -> str:
    """'evidence “Call log”', or just 'evidence' when no name was recorded."""
    return f"{kind} {_q(name)}" if name not in (None, "") else kind


def _version(f: _Facts) -> str:
    return f", version {f.p['version']}" if f.p.get("version") not in (None, "") else ""


def _version_within(f: _Facts) -> str:
    """The version where the sentence goes on after it: 'evidence “Call log” (version 2) to …'."""
    return f" (version {f.p['version']})" if f.p.get("version") not in (None, "") else ""


def _unit(f: _Facts) -> str:
    return f"unit {f.p['unit']}" if f.p.get("unit") not in (None, "") else "a unit"


def _person(f: _Facts) -> str:
    """The member a membership event is about: its name reads '<person> at <centre>'."""
    centre = f.event.centre if AuditEvent.centre.is_cached(f.event) else None
    if centre is not None and f.name.endswith(f" at {centre.name}"):
        return f.name.removesuffix(f" at {centre.name}")
    return f.name.partition(" at ")[0] or "a member"


# How services name a criterion or an evidence requirement: "Unit 02, 2.1".
_IN_UNIT = re.compile(r"^Unit (?P<unit>\S+), (?P<what>.+)$")


def _criterion(f: _Facts) -> str:
    """'criterion 2.1 of unit 02', as people say it; 'a criterion' when none was recorded."""
    return _criterion_words(f.p.get("criterion")) or "a criterion"


def _criterion_words(name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        return ""
    match = _IN_UNIT.match(name.strip())
    if match is None:
        return name.strip()
    what = match["what"]
    return f"{what if what.startswith('unnumbered') else 'criterion ' + what} of unit {match['unit']}"


def _by_unit(items: list[Any]) -> str:
    """["Unit 01, 1.1", "Unit 01, 1.2", "Unit 02, 2.1"] as "unit 01: 1.1, 1.2; unit 02: 2.1"."""
    units: dict[str, list[str]] = {}
    others: list[str] = []
    for item in items:
        match = _IN_UNIT.match(item) if isinstance(item, str) else None
        if match is None:
            others.append(_value("", item))
        else:
            units.setdefault(match["unit"], []).append(match["what"])
    return "; ".join([*(f"unit {unit}: {', '.join(what)}" for unit, what in units.items()), *others])


def _provisionally(f: _Facts) -> str:
    return ", provisionally (a trainee's decision)" if f.p.get("provisional") is True else ""


# --- evidence and files ----------------------------------------------------------------------


@_says("evidence.created", uses=["title"])
def _evidence_created(f: _Facts) -> str:
    return f"{f.actor} drafted {_named('evidence', f.name or f.p.get('title'))}"


@_says("evidence.updated", uses=["version"])
def _evidence_updated(f: _Facts) -> str:
    return f"{f.actor} changed the draft of {_named('evidence', f.name)}{_version(f)}"


@_says("evidence.new_version", uses=["version"])
def _evidence_new_version(f: _Facts) -> str:
    number = f"version {f.p['version']}" if f.p.get("version") else "a new version"
    return f"{f.actor} started {number} of {_named('evidence', f.name)}"


@_says("evidence.submitted", uses=["version"])
def _evidence_submitted(f: _Facts) -> str:
    return f"{f.actor} submitted {_named('evidence', f.name)}{_version(f)}"


@_says("evidence.withdrawn", uses=["version"])
def _evidence_withdrawn(f: _Facts) -> str:
    return f"{f.actor} withdrew {_named('evidence', f.name)}{_version(f)}"


@_says("evidence.recorded", uses=["version", "title", "learner"])
def _evidence_recorded(f: _Facts) -> str:
    whose = f"{f.text('learner')}'s portfolio" if f.p.get("learner") else "the learner's portfolio"
    return f"{f.actor} added {_named('evidence', f.name or f.p.get('title'))}{_version_within(f)} to {whose}"


@_says("file.uploaded", uses=["name"])
def _file_uploaded(f: _Facts) -> str:
    return f"{f.actor} uploaded {_named('the file', f.p.get('name') or f.name)}"


@_says("file.downloaded", uses=["name", "inline"])
def _file_downloaded(f: _Facts) -> str:
    verb = "opened" if f.p.get("inline") is True else "downloaded"
    return f"{f.actor} {verb} {_named('the file', f.p.get('name') or f.name)}"


@_says("file.discarded", uses=["name"])
def _file_discarded(f: _Facts) -> str:
    return f"{f.actor} removed {_named('the file', f.p.get('name') or f.name)} before using it"


@_says("file.swept", uses=["name"])
def _file_swept(f: _Facts) -> str:
    return f"{f.actor} deleted {_named('the file', f.p.get('name') or f.name)}, uploaded a day before and never used"


@_says("portfolio.export_requested")
def _export_requested(f: _Facts) -> str:
    return f"{f.actor} asked for an export of a portfolio"


# --- assessment ------------------------------------------------------------------------------


@_says("assessment.mappings_recorded", uses=["version"])
def _mapped(f: _Facts) -> str:
    return f"{f.actor} mapped {_named('evidence', f.name)}{_version_within(f)} to criteria"


@_says("assessment.decision_recorded", uses=["criterion", "outcome", "provisional", "version"])
def _judged(f: _Facts) -> str:
    outcome = f.text("outcome")
    if not outcome:
        return f"{f.actor} judged {_criterion(f)}{_provisionally(f)}"
    return f"{f.actor} judged {_criterion(f)} {outcome}{_provisionally(f)}"


@_says("assessment.requirements_covered", uses=["version"])
def _covered(f: _Facts) -> str:
    return f"{f.actor} ticked evidence requirements as covered by {_named('evidence', f.name)}{_version(f)}"


@_says("assessment.evidence_accepted", uses=["version", "provisional"])
def _accepted(f: _Facts) -> str:
    return f"{f.actor} accepted {_named('evidence', f.name)}{_version(f)}{_provisionally(f)}"


@_says("assessment.evidence_referred", uses=["version", "provisional"])
def _referred(f: _Facts) -> str:
    return f"{f.actor} referred {_named('evidence', f.name)}{_version_within(f)} back to the learner{_provisionally(f)}"


@_says("assessment.decision_corrected", uses=["criterion", "from", "to", "provisional"])
def _corrected(f: _Facts) -> str:
    change = f" from {f.text('from')} to {f.text('to')}" if f.p.get("from") and f.p.get("to") else ""
    return f"{f.actor} corrected the decision on {_criterion(f)}{change}{_provisionally(f)}"


@_says("assessment.requirement_coverage_withdrawn", uses=["unit", "requirement"])
def _tick_withdrawn(f: _Facts) -> str:
    requirement = f"requirement {f.text('requirement')}" if f.p.get("requirement") else "an evidence requirement"
    return f"{f.actor} withdrew the tick against {requirement} of {_unit(f)}"


@_says("assessment.decision_countersigned", uses=["trainee", "criterion", "outcome"])
def _countersigned(f: _Facts) -> str:
    whose = f"{f.text('trainee')}'s decision" if f.p.get("trainee") else "the decision"
    that = f" that {_criterion(f)} is {f.text('outcome')}" if f.p.get("criterion") and f.p.get("outcome") else ""
    return f"{f.actor} countersigned {whose}{that}"


@_says("assessment.unit_signed_off", uses=["unit"])
def _signed_off(f: _Facts) -> str:
    return f"{f.actor} signed off {_unit(f)}"


@_says("assessment.sign_off_acknowledged", uses=["unit"])
def _acknowledged(f: _Facts) -> str:
    return f"{f.actor} acknowledged the sign-off of {_unit(f)}"


@_says("assessment.unit_reopened", uses=["unit"])
def _reopened(f: _Facts) -> str:
    return f"{f.actor} reopened {_unit(f)}"


# --- assessment records ----------------------------------------------------------------------


@_says("records.observation_created", uses=["version"])
def _observed(f: _Facts) -> str:
    return f"{f.actor} recorded an observation of {_q(_after(f.name, 'Observation: ')) or 'the learner'}"


@_says("records.observation_confirmed")
def _observation_confirmed(f: _Facts) -> str:
    activity = _q(_after(f.name, "Observation: "))
    return f"{f.actor} confirmed that the observation {('of ' + activity) if activity else ''} is accurate"


@_says("records.questioning_created", uses=["version"])
def _questioned(f: _Facts) -> str:
    topic = _q(_after(f.name, "Questioning: "))
    return f"{f.actor} recorded questioning{(' on ' + topic) if topic else ''}"


@_says("records.discussion_created", uses=["version"])
def _discussed(f: _Facts) -> str:
    topic = _q(_after(f.name, "Professional discussion: "))
    return f"{f.actor} recorded a professional discussion{(' on ' + topic) if topic else ''}"


def _witness(f: _Facts) -> str:
    return f.text("witness") or _after(f.name, "Witness request to ") or "a witness"


@_says("records.witness_requested", uses=["witness"])
def _witness_requested(f: _Facts) -> str:
    return f"{f.actor} asked {_witness(f)} for a witness testimony"


@_says("records.witness_request_resent")
def _witness_resent(f: _Facts) -> str:
    return f"{f.actor} sent the witness request to {_witness(f)} again"


@_says("records.witness_request_cancelled")
def _witness_cancelled(f: _Facts) -> str:
    return f"{f.actor} cancelled the witness request to {_witness(f)}"


@_says("records.witness_responded", uses=["signed_name"])
def _witness_responded(f: _Facts) -> str:
    # A witness has no account: the name they signed with says who answered.
    who = f.text("signed_name") or _after(f.name, "Witness request to ")
    return f"{who}, the witness, gave their testimony" if who else "The witness gave their testimony"


# --- learners and enrolments -----------------------------------------------------------------


@_says("learner.created")
def _learner_created(f: _Facts) -> str:
    learner = f.name or f.text("email")
    return f"{f.actor} added the learner {learner}" if learner else f"{f.actor} added a learner"


@_says("learner.updated")
def _learner_updated(f: _Facts) -> str:
    return f"{f.actor} changed the details of {f.name or 'a learner'}"


@_says("learner.uln_changed", uses=["before", "after"])
def _uln_changed(f: _Facts) -> str:
    before, after = f.text("before") or NOTHING, f.text("after") or NOTHING
    return f"{f.actor} changed the ULN of {f.name or 'a learner'} from {before} to {after}"


@_says("learner.account_linked")
def _account_linked(f: _Facts) -> str:
    return f"{f.actor} signed in and was linked to the learner record of {f.name or f.text('email') or 'a learner'}"


@_says("learner_import.uploaded", uses=["filename"])
def _learner_file_uploaded(f: _Facts) -> str:
    return f"{f.actor} uploaded {_named('the learner file', f.p.get('filename') or _after(f.name, 'Import of '))}"


@_says("learner_import.applied", uses=["filename"])
def _learner_file_applied(f: _Facts) -> str:
    return f"{f.actor} imported {_named('the learner file', f.p.get('filename') or _after(f.name, 'Import of '))}"


@_says("enrolment.created", uses=["learner", "qualification", "version"])
def _enrolled(f: _Facts) -> str:
    if f.p.get("learner") and f.p.get("qualification"):
        version = f" (version {f.text('version')})" if f.p.get("version") else ""
        return f"{f.actor} enrolled {f.text('learner')} on {f.text('qualification')}{version}"
    return f"{f.actor} enrolled {f.name or 'a learner'}"


def _enrolment(f: _Facts) -> str:
    return f"the enrolment of {f.name}" if f.name else "an enrolment"


@_says("enrolment.updated")
def _enrolment_updated(f: _Facts) -> str:
    return f"{f.actor} changed the details of {_enrolment(f)}"


@_says("enrolment.staff_reassigned")
def _staff_reassigned(f: _Facts) -> str:
    return f"{f.actor} changed the assessors or IQA of {_enrolment(f)}"


@_says("enrolment.plan_changed")
def _plan_changed(f: _Facts) -> str:
    return f"{f.actor} changed the unit plan of {_enrolment(f)}"


@_says("enrolment.prior_achievement_recorded", uses=["unit", "route"])
def _prior_recorded(f: _Facts) -> str:
    route = f" by {f.text('route')}" if f.p.get("route") else ""
    return f"{f.actor} recorded {_unit(f)} as achieved elsewhere{route} for {_enrolment(f)}"


@_says("enrolment.prior_achievement_removed", uses=["unit", "route"])
def _prior_removed(f: _Facts) -> str:
    route = f" (by {f.text('route')})" if f.p.get("route") else ""
    return f"{f.actor} removed {_unit(f)}, achieved elsewhere{route}, from {_enrolment(f)}"


# --- people and the centre -------------------------------------------------------------------


@_says("centre.created", uses=["name"])
def _centre_created(f: _Facts) -> str:
    return f"{f.actor} created the centre {f.text('name') or f.name}".rstrip()


@_says("centre.mfa_requirement_changed", uses=["require_mfa_for_staff"])
def _mfa_changed(f: _Facts) -> str:
    if f.p.get("require_mfa_for_staff") is False:
        return f"{f.actor} stopped requiring two-factor authentication for staff"
    return f"{f.actor} required two-factor authentication for staff"


def _invitee(f: _Facts) -> str:
    return f.text("email") or re.sub(r"^Invitation for (\S+) to .*$", r"\1", f.name) or "someone"


@_says("invitation.sent", uses=["email", "roles"])
def _invited(f: _Facts) -> str:
    roles = f" as {f.text('roles')}" if f.p.get("roles") else ""
    return f"{f.actor} invited {_invitee(f)}{roles}"


@_says("invitation.revoked", uses=["email"])
def _invitation_revoked(f: _Facts) -> str:
    return f"{f.actor} withdrew the invitation to {_invitee(f)}"


@_says("invitation.accepted", uses=["roles"])
def _invitation_accepted(f: _Facts) -> str:
    roles = f" as {f.text('roles')}" if f.p.get("roles") else ""
    return f"{f.actor} accepted the invitation and joined{roles}"


@_says("user.created")
def _account_created(f: _Facts) -> str:
    if f.event.actor_id is not None and str(f.event.actor_id) == f.event.object_id:
        return f"{f.actor} created their account"
    return f"{f.actor} created the account of {f.name or 'someone'}"


@_says("membership.roles_changed", uses=["before", "after"])
def _roles_changed(f: _Facts) -> str:
    before, after = f.text("before") or NOTHING, f.text("after") or NOTHING
    return f"{f.actor} changed the roles of {_person(f)} from {before} to {after}"


@_says("membership.deactivated")
def _deactivated(f: _Facts) -> str:
    return f"{f.actor} deactivated {_person(f)}"


@_says("membership.reactivated")
def _reactivated(f: _Facts) -> str:
    return f"{f.actor} reactivated {_person(f)}"


# --- the catalogue ---------------------------------------------------------------------------


@_says("qualification.loaded", uses=["number", "version"])
def _qualification_loaded(f: _Facts) -> str:
    return f"{f.actor} added {_named('the qualification', f.name or f.p.get('number'))} to the catalogue"


@_says("qualification.versioned", uses=["number", "version", "previous_version"])
def _qualification_versioned(f: _Facts) -> str:
    replacing = f", replacing version {f.text('previous_version')}" if f.p.get("previous_version") else ""
    return f"{f.actor} loaded a new version of the qualification {f.name or f.text('number')}{replacing}"


def _spec(f: _Facts) -> str:
    return _named("the specification", f.p.get("filename") or _after(f.name, "Import of "))


@_says("catalogue.import_requested", uses=["filename"])
def _import_requested(f: _Facts) -> str:
    return f"{f.actor} asked for {_spec(f)} to be added to the catalogue"


@_says("catalogue.import_uploaded", uses=["filename"])
def _import_uploaded(f: _Facts) -> str:
    return f"{f.actor} uploaded {_spec(f)} to import"


@_says("catalogue.import_applied", uses=["filename"])
def _import_applied(f: _Facts) -> str:
    return f"{f.actor} applied the import of {_spec(f)} to the catalogue"


@_says("catalogue.import_discarded", uses=["filename"])
def _import_discarded(f: _Facts) -> str:
    return f"{f.actor} discarded the import of {_spec(f)}"


# --- internal quality assurance: people and strategy (apps/iqa/profiles.py, strategies.py) --------


def _assessor(f: _Facts) -> str:
    return f.text("assessor") or "an assessor"


def _risk(f: _Facts, key: str) -> str:
    return f"{f.text(key)} risk" if f.p.get(key) else NOTHING


@_says("iqa.profile_created", uses=["assessor", "band"])
def _iqa_profile_created(f: _Facts) -> str:
    band = f" at {_risk(f, 'band')}" if f.p.get("band") else ""
    return f"{f.actor} started the assessor profile of {_assessor(f)}{band}"


@_says("iqa.profile_updated", uses=["assessor", "qualified"])
def _iqa_profile_updated(f: _Facts) -> str:
    if f.p.get("qualified"):
        return f"{f.actor} recorded that {_assessor(f)} has qualified as an assessor"
    return f"{f.actor} changed the assessor profile of {_assessor(f)}"


@_says("iqa.band_changed", uses=["assessor", "from", "to", "reason"])
def _iqa_band_changed(f: _Facts) -> str:
    reason = f": {f.text('reason')}" if f.p.get("reason") else ""
    return f"{f.actor} moved {_assessor(f)} from {_risk(f, 'from')} to {_risk(f, 'to')}{reason}"


@_says("iqa.band_overridden", uses=["assessor", "from", "to", "review_on"])
def _iqa_band_overridden(f: _Facts) -> str:
    until = f" until {f.text('review_on')}" if f.p.get("review_on") else ""
    return f"{f.actor} set {_assessor(f)}'s band by hand to {_risk(f, 'to')}{until}"


@_says("iqa.band_override_ended", uses=["assessor", "band", "to"])
def _iqa_band_override_ended(f: _Facts) -> str:
    return f"{f.actor} ended the band set by hand for {_assessor(f)}; the band is now {_risk(f, 'to')}"


@_says("iqa.allocation_set", uses=["assessor", "iqa"])
def _iqa_allocation_set(f: _Facts) -> str:
    return f"{f.actor} allocated {_assessor(f)} to {f.text('iqa') or 'an IQA'} for quality assurance"


@_says("iqa.allocation_removed", uses=["assessor", "iqa"])
def _iqa_allocation_removed(f: _Facts) -> str:
    return f"{f.actor} removed {_assessor(f)}'s allocation to {f.text('iqa') or 'their IQA'}"


def _strategy(f: _Facts) -> str:
    return f"version {f.text('version')} of the sampling strategy" if f.p.get("version") else "a sampling strategy"


@_says("iqa.strategy_drafted", uses=["version"])
def _iqa_strategy_drafted(f: _Facts) -> str:
    return f"{f.actor} drafted {_strategy(f)}"


@_says("iqa.strategy_changed", uses=["version"])
def _iqa_strategy_changed(f: _Facts) -> str:
    return f"{f.actor} changed draft {_strategy(f)}"


@_says("iqa.strategy_approved", uses=["version"])
def _iqa_strategy_approved(f: _Facts) -> str:
    return f"{f.actor} approved and signed {_strategy(f)}"


@_says("iqa.strategy_superseded", uses=["version"])
def _iqa_strategy_superseded(f: _Facts) -> str:
    by = f" by version {f.text('by_version')}" if f.p.get("by_version") else ""
    return f"{f.actor} superseded {_strategy(f)}{by}"


# --- internal quality assurance: plans (apps/iqa/plans.py) -----------------------------------------


def _plan(f: _Facts) -> str:
    return f"the sampling plan for {f.text('period')}" if f.p.get("period") else "a sampling plan"


def _planned_sample(f: _Facts) -> str:
    stage = f"{f.text('stage')} " if f.p.get("stage") else ""
    learner = f" for {f.text('learner')}" if f.p.get("learner") else ""
    article = "an" if stage[:1] in ("a", "e", "i", "o", "u") else "a"
    return f"{article} {stage}sample of {_unit(f)}{learner}"


@_says("iqa.plan_generated", uses=["period"])
def _iqa_plan_generated(f: _Facts) -> str:
    return f"{f.actor} generated {_plan(f)}"


@_says("iqa.plan_regenerated", uses=["period", "why"])
def _iqa_plan_regenerated(f: _Facts) -> str:
    why = f" ({f.text('why')})" if f.p.get("why") else ""
    return f"{f.actor} regenerated {_plan(f)}{why}"


@_says("iqa.plan_closed", uses=["period"])
def _iqa_plan_closed(f: _Facts) -> str:
    return f"{f.actor} closed {_plan(f)}"


@_says("iqa.plan_item_added", uses=["stage", "unit", "learner", "reason"])
def _iqa_plan_item_added(f: _Facts) -> str:
    reason = f": {f.text('reason')}" if f.p.get("reason") else ""
    return f"{f.actor} added {_planned_sample(f)} to a sampling plan{reason}"


@_says("iqa.plan_item_dropped", uses=["stage", "unit", "learner", "reason"])
def _iqa_plan_item_dropped(f: _Facts) -> str:
    reason = f": {f.text('reason')}" if f.p.get("reason") else ""
    return f"{f.actor} dropped {_planned_sample(f)} from a sampling plan{reason}"


# --- internal quality assurance: samples and actions (apps/iqa/sampling.py, actions.py) ------------


def _sample(f: _Facts) -> str:
    return f.name.lower() if f.name else "a sample"


@_says("iqa.sample_started", uses=["unit", "stage"])
def _iqa_sample_started(f: _Facts) -> str:
    return f"{f.actor} started {_sample(f)} of {_unit(f)}"


@_says("iqa.sample_saved")
def _iqa_sample_saved(f: _Facts) -> str:
    return f"{f.actor} saved their progress on {_sample(f)}"


@_says("iqa.sample_signed", uses=["unit", "outcome", "signed_name"])
def _iqa_sample_signed(f: _Facts) -> str:
    outcome = {"agree": "agreeing", "agree_with_advice": "agreeing with advice",
               "disagree": "disagreeing: decision unsafe"}.get(f.p.get("outcome"), "")
    return f"{f.actor} signed {_sample(f)} of {_unit(f)}{', ' + outcome if outcome else ''}"


@_says("iqa.sample_addendum", uses=["reason"])
def _iqa_sample_addendum(f: _Facts) -> str:
    return f"{f.actor} added an addendum to {_sample(f)}: {f.text('reason')}"


@_says("iqa.sign_off_suspended", uses=["unit", "reason"])
def _iqa_sign_off_suspended(f: _Facts) -> str:
    return f"{f.actor} suspended the sign-off of {_unit(f)} for an internal quality check"


@_says("iqa.action_set", uses=["due_on"])
def _iqa_action_set(f: _Facts) -> str:
    return f"{f.actor} set {f.name or 'an action'} for an assessor, due {f.text('due_on')}"


@_says("iqa.action_responded")
def _iqa_action_responded(f: _Facts) -> str:
    return f"{f.actor} answered {f.name or 'an action'}"


@_says("iqa.action_closed", uses=["note"])
def _iqa_action_closed(f: _Facts) -> str:
    return f"{f.actor} closed {f.name or 'an action'}"


@_says("iqa.action_reopened", uses=["note"])
def _iqa_action_reopened(f: _Facts) -> str:
    return f"{f.actor} reopened {f.name or 'an action'}: {f.text('note')}"


# --- internal quality assurance: observations and standardisation (apps/iqa/quality.py) ----------


@_says("iqa.practice_observed", uses=["assessor", "assessor_id", "outcome", "actions"])
def _iqa_practice_observed(f: _Facts) -> str:
    outcome = {"satisfactory": "satisfactory", "satisfactory_with_advice": "satisfactory, with advice",
               "unsatisfactory": "not satisfactory"}.get(f.p.get("outcome"), "recorded")
    actions = f.p.get("actions") or 0
    set_ = f", setting {actions} action{'s' if actions != 1 else ''}" if actions else ""
    return f"{f.actor} observed the practice of {_assessor(f)}: {outcome}{set_}"


@_says("iqa.standardisation_recorded", uses=["attendees", "agreement", "qualification", "unit", "actions"])
def _iqa_standardisation_recorded(f: _Facts) -> str:
    attendees = f.p.get("attendees") or 0
    agreement = f", {f.p['agreement']} % agreeing" if f.p.get("agreement") is not None else ""
    return f"{f.actor} recorded a standardisation meeting of {attendees} attendee{'s' if attendees != 1 else ''}{agreement}"


_REPORT_KINDS = {"sample": "a sample record", "plan": "a sampling plan", "actions": "an action log",
                 "summary": "an IQA summary"}


@_says("iqa.report_requested", uses=["kind"])
def _iqa_report_requested(f: _Facts) -> str:
    return f"{f.actor} asked for {_REPORT_KINDS.get(f.p.get('kind'), 'a quality report')} as a PDF"


@_says("iqa.report_downloaded", uses=["kind", "format"])
def _iqa_report_downloaded(f: _Facts) -> str:
    kind = _REPORT_KINDS.get(f.p.get("kind"), "a quality report")
    return f"{f.actor} downloaded {kind} as {'a CSV file' if f.p.get('format') == 'csv' else 'a PDF'}"


# --- certification: the centre's details with each AO (apps/certification/settings.py) -----------


@_says("certification.ao_number_set", uses=["awarding_organisation", "centre_number", "before"])
def _certification_ao_number_set(f: _Facts) -> str:
    before = f" (was {f.text('before')})" if f.p.get("before") else ""
    return f"{f.actor} set the centre's {f.text('awarding_organisation')} number to {f.text('centre_number')}{before}"


@_says("certification.approval_set", uses=["qualification_number", "ao_course_code", "has_dcs", "dcs_since"])
def _certification_approval_set(f: _Facts) -> str:
    code = f", course code {f.text('ao_course_code')}" if f.p.get("ao_course_code") else ""
    if f.p.get("has_dcs"):
        since = f" since {f.text('dcs_since')}" if f.p.get("dcs_since") else ""
        dcs = f"with Direct Claims Status{since}"
    else:
        dcs = "without Direct Claims Status"
    return f"{f.actor} set the centre's approval for {f.text('qualification_number')}{code}, {dcs}"


@_says("certification.registration_updated", uses=["learner", "qualification", "enrolment"])
def _certification_registration_updated(f: _Facts) -> str:
    on = f" on {f.text('qualification')}" if f.p.get("qualification") else ""
    return f"{f.actor} changed the awarding organisation registration of {f.text('learner') or 'a learner'}{on}"


# --- certification: claim batches (apps/certification/batches.py) ------------------------------


def _batch(f: _Facts) -> str:
    return f"claim batch {f.text('reference')}" if f.p.get("reference") else "a claim batch"


def _learners(f: _Facts) -> str:
    count = f.p.get("learners") or 0
    return f"{count} learner{'s' if count != 1 else ''}"


@_says("claim.batch_created", uses=["reference", "awarding_organisation", "learners"])
def _claim_batch_created(f: _Facts) -> str:
    return f"{f.actor} started {_batch(f)} to {f.text('awarding_organisation')} with {_learners(f)}"


@_says("claim.learners_added", uses=["reference", "learners"])
def _claim_learners_added(f: _Facts) -> str:
    return f"{f.actor} added {_learners(f)} to {_batch(f)}"


@_says("claim.learner_removed", uses=["reference", "learner"])
def _claim_learner_removed(f: _Facts) -> str:
    return f"{f.actor} took {f.text('learner') or 'a learner'} out of {_batch(f)}"


@_says("claim.reopened", uses=["reference"])
def _claim_reopened(f: _Facts) -> str:
    return f"{f.actor} reopened {_batch(f)} as a draft; its signatures were cleared"


@_says("claim.declared", uses=["reference", "signed_name"])
def _claim_declared(f: _Facts) -> str:
    return f"{f.actor} signed the pre-claim declaration of {_batch(f)} as {_q(f.text('signed_name'))}"


@_says("claim.authorised", uses=["reference", "signed_name", "route", "without_dcs"])
def _claim_authorised(f: _Facts) -> str:
    if f.p.get("route") == "dcs":
        return f"{f.actor} authorised {_batch(f)}: ready to submit under Direct Claims Status"
    without = f" (no Direct Claims Status for {f.text('without_dcs')})" if f.p.get("without_dcs") else ""
    return f"{f.actor} authorised {_batch(f)}: awaiting the EQA's sign-off{without}"


@_says("claim.eqa_approved", uses=["reference", "signed_name"])
def _claim_eqa_approved(f: _Facts) -> str:
    return f"{f.actor} signed off {_batch(f)} as the external quality assurer"


@_says("claim.eqa_queried", uses=["reference", "signed_name", "note"])
def _claim_eqa_queried(f: _Facts) -> str:
    note = f": {f.text('note')}" if f.p.get("note") else ""
    return f"{f.actor} queried {_batch(f)}{note}"


@_says("eqa.access_granted", uses=["email", "awarding_organisation", "qualifications", "learners", "starts_on", "ends_on"])
def _eqa_access_granted(f: _Facts) -> str:
    named = f" for {f.text('learners')}" if f.p.get("learners") else ""
    return (
        f"{f.actor} granted {f.text('email')} EQA access for {f.text('awarding_organisation')} to "
        f"{f.text('qualifications')}{named}, {f.text('starts_on')} to {f.text('ends_on')}"
    )


@_says("eqa.access_ended", uses=["email", "reason"])
def _eqa_access_ended(f: _Facts) -> str:
    why = f": {f.text('reason')}" if f.p.get("reason") else ""
    return f"{f.actor} ended the EQA access of {f.text('email')} early{why}"


@_says("eqa.sample_requested", uses=["learners", "due_on", "proposed"])
def _eqa_sample_requested(f: _Facts) -> str:
    how = " (proposed by the awarding organisation's rule)" if f.p.get("proposed") else ""
    return f"{f.actor} asked to see {f.text('learners')} by {f.text('due_on')}{how}"


@_says("eqa.sample_request_withdrawn")
def _eqa_sample_request_withdrawn(f: _Facts) -> str:
    return f"{f.actor} withdrew a sample request"


@_says("eqa.pack_requested")
def _eqa_pack_requested(f: _Facts) -> str:
    return f"{f.actor} asked for the EQA pack"


@_says("eqa.pack_downloaded", uses=["size"])
def _eqa_pack_downloaded(f: _Facts) -> str:
    return f"{f.actor} downloaded the EQA pack"


@_says("eqa.outcome_recorded", uses=["qualification", "result", "dcs", "actions"])
def _eqa_outcome_recorded(f: _Facts) -> str:
    dcs = f"; {f.text('dcs')}" if f.p.get("dcs") else ""
    return f"{f.actor} recorded the EQA outcome for {f.text('qualification')}: {f.text('result')}{dcs}"


@_says("eqa.action_responded", uses=["action"])
def _eqa_action_responded(f: _Facts) -> str:
    return f"{f.actor} answered EQA action {f.text('action')}"


@_says("eqa.action_closed", uses=["action"])
def _eqa_action_closed(f: _Facts) -> str:
    return f"{f.actor} closed EQA action {f.text('action')}"


@_says("claim.submitted", uses=["reference", "awarding_organisation", "learners"])
def _claim_submitted(f: _Facts) -> str:
    return f"{f.actor} submitted {_batch(f)} to {f.text('awarding_organisation')} for {_learners(f)}"


@_says("claim.exported", uses=["reference", "file"])
def _claim_exported(f: _Facts) -> str:
    return f"{f.actor} downloaded {f.text('file') or 'a file'} of {_batch(f)}"


@_says("claim.outcome_recorded", uses=["reference", "learner", "status", "certificate_number", "certificate_date",
                                       "reason", "corrects"])
def _claim_outcome_recorded(f: _Facts) -> str:
    if f.p.get("status") == "certificated":
        answer = f"certificated, certificate {f.text('certificate_number')} of {f.text('certificate_date')}"
    else:
        answer = f"{f.text('status') or 'answered'}: {f.text('reason')}"
    correction = " (a correction)" if f.p.get("corrects") else ""
    learner = f.text("learner") or "a learner"
    return f"{f.actor} recorded the awarding organisation's answer for {learner} in {_batch(f)}: {answer}{correction}"


# --- certification: documents for learners (apps/certification/documents.py) --------------------

_DOCUMENT_KINDS = {"achievement_record": "achievement record", "credit_certificate": "centre credit record"}


def _document(f: _Facts) -> str:
    kind = _DOCUMENT_KINDS.get(f.p.get("kind"), "document")
    return f"{kind} {f.text('number')}" if f.p.get("number") else f"a {kind}"


@_says("document.run_requested", uses=["batch", "learners", "total", "kinds"])
def _document_run_requested(f: _Facts) -> str:
    total = f.p.get("total") or 0
    return (f"{f.actor} asked for {total} document{'s' if total != 1 else ''} for {_learners(f)} "
            f"of claim batch {f.text('batch')}")


@_says("document.issued", uses=["number", "kind", "supersedes"])
def _document_issued(f: _Facts) -> str:
    replacing = f", replacing {f.text('supersedes')}" if f.p.get("supersedes") else ""
    return f"{f.actor} issued {_document(f)}{replacing}"


@_says("document.revoked", uses=["number", "kind", "reason"])
def _document_revoked(f: _Facts) -> str:
    return f"{f.actor} revoked {_document(f)}: {f.text('reason')}"


@_says("document.reissued", uses=["number", "kind", "supersedes", "reason"])
def _document_reissued(f: _Facts) -> str:
    reason = f": {f.text('reason')}" if f.p.get("reason") else ""
    return f"{f.actor} reissued {f.text('supersedes') or 'a document'} as {_document(f)}{reason}"


@_says("document.downloaded", uses=["number", "kind", "zip", "batch"])
def _document_downloaded(f: _Facts) -> str:
    if f.p.get("zip"):
        return f"{f.actor} downloaded the documents of claim batch {f.text('batch')} as a ZIP file"
    return f"{f.actor} downloaded {_document(f)}"


# --- the payload as labelled values ----------------------------------------------------------

# Row ids mean nothing to a reader; the sentence names what they point at.
_HIDDEN = frozenset({"evidence", "assessment", "supersedes", "countersignature", "enrolment", "content_hash"})

# Labels of payload keys, in the order details are shown (keys not listed follow, by name).
_LABELS = {
    "learner": "Learner",
    "qualification": "Qualification",
    "number": "Number",
    "title": "Title",
    "method": "Method",
    "context": "Where the work was done",
    "name": "Name",
    "filename": "File",
    "witness": "Witness",
    "email": "Email",
    "roles": "Roles",
    "full_name": "Name",
    "date_of_birth": "Date of birth",
    "mis_reference": "MIS reference",
    "uln": "ULN",
    "unit": "Unit",
    "urn": "URN",
    "route": "Route",
    "reference": "Reference",
    "achieved_on": "Achieved on",
    "registration_number": "Registration number",
    "start_date": "Start date",
    "planned_end_date": "Planned end date",
    "assessors": "Assessors",
    "iqa": "IQA",
    "mandatory_units": "Mandatory units",
    "added": "Units added",
    "removed": "Units removed",
    "mapped": "Mapped to",
    "rejected": "Suggestions rejected",
    "requirements": "Requirements",
    "outcome": "Outcome",
    "decisions": "Criteria judged",
    "provisional": "Provisional",
    "trainee": "Trainee",
    "criteria": "Criteria",
    "questions": "Questions",
    "files": "Files",
    "size": "Size",
    "type": "Type",
    "sha256": "SHA-256",
    "inline": "Opened in the browser",
    "rows": "Rows",
    "learners": "Learners added",
    "enrolments": "Enrolments added",
    "already_here": "Already here",
    "skipped": "Rows skipped",
    "only_good_rows": "Only the good rows",
    "result": "Result",
    "units": "Units",
    "outcomes": "Outcomes",
    "evidence_requirements": "Evidence requirements",
    "source": "Source",
    "version": "Version",
    "previous_version": "Previous version",
    "job_title": "Job title",
    "was": "Status before",
    "times_sent": "Times sent",
    "linked_account": "Linked to an existing account",
    "require_mfa_for_staff": "Two-factor required for staff",
    "reason": "Reason",
    "note": "Note",
    "before": "Before",
    "after": "After",
    "signed_name": "Signed as",
    "declared_name": "Signed as",
    "confirmed_name": "Signed as",
}
_RANK = {key: position for position, key in enumerate(_LABELS)}

# Stored codes of choices, in words.
_WORDS = {
    "met": "met",
    "not_yet_met": "not yet met",
    "accepted": "accepted",
    "referred": "referred back",
    "credit_transfer": "credit transfer",
    "rpl": "recognition of prior learning",
    "exemption": "exemption",
    "sent": "sent",
    "responded": "responded",
    "expired": "expired",
    "cancelled": "cancelled",
    "real_work": "real work",
    "rwe": "a realistic work environment",
}
# Lists of criteria or requirements named "Unit 02, 2.1": said unit by unit.
_BY_UNIT = frozenset({"mapped", "rejected", "requirements"})
_WORDED = frozenset({"outcome", "from", "to", "route", "was", "method", "context"})
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _label(key: str) -> str:
    return _LABELS.get(key) or key.replace("_", " ").capitalize()


def _lower_first(text: str) -> str:
    # "Before" becomes "before"; an acronym such as "IQA" stays as it is.
    return text if len(text) > 1 and text[1].isupper() else text[:1].lower() + text[1:]


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _value(key: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return NOTHING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if key == "size" and isinstance(value, int):
        return str(filesizeformat(value))
    if key == "files" and isinstance(value, list):
        return str(len(value))  # the files' row ids: how many says more
    if key in _BY_UNIT and isinstance(value, list):
        return _by_unit(value)
    if isinstance(value, list):
        return ("; " if key == "result" else ", ").join(_value(key, item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{_label(k)}: {_value(k, v)}" for k, v in value.items())
    if isinstance(value, str):
        if key in _WORDED:
            return _WORDS.get(value, value.replace("_", " "))
        if _ISO_DATE.match(value):
            try:
                day = date.fromisoformat(value)
            except ValueError:
                return value
            return f"{day.day} {day:%b %Y}"
        if _ISO_DATETIME.match(value):
            try:
                moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                return value
            if timezone.is_aware(moment):
                moment = timezone.localtime(moment)
            return f"{moment.day} {moment:%b %Y %H:%M}"
    return str(value)


def _change(key: str, before: Any, after: Any) -> str:
    return f"{_value(key, before)} → {_value(key, after)}"


def _rank(key: str) -> tuple[int, str]:
    return _RANK.get(key, len(_RANK)), key


def _details(payload: dict[str, Any], uses: frozenset[str]) -> Iterator[Detail]:
    items: list[tuple[str, Any, bool]] = []
    for key, value in payload.items():
        if key in uses or key in _HIDDEN:
            continue
        if key == "changes" and isinstance(value, dict):
            # {"field": [before, after], ...}: one line per field changed.
            items.extend((field, change, True) for field, change in value.items())
        else:
            items.append((key, value, False))
    for key, value, is_change in sorted(items, key=lambda item: _rank(item[0])):
        if is_change and isinstance(value, list | tuple) and len(value) == 2:
            if value[0] != value[1]:
                yield Detail(_label(key), _change(key, *value))
        else:
            yield from _detail(key, value, _label(key))


def _detail(key: str, value: Any, label: str) -> Iterator[Detail]:
    if isinstance(value, dict) and value:
        if set(value) == {"before", "after"}:
            if value["before"] != value["after"]:  # what stayed the same is not news
                yield Detail(label, _change(key, value["before"], value["after"]))
        else:
            for inner_key in sorted(value, key=_rank):
                if inner_key not in _HIDDEN:
                    yield from _detail(inner_key, value[inner_key], f"{label}, {_lower_first(_label(inner_key))}")
    elif not _empty(value):
        yield Detail(label, _value(key, value))
