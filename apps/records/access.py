"""Who may make, read and manage assessment records (observations, questioning, professional
discussions, witness requests)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from apps.centres.access import has_any, membership_for
from apps.centres.models import Membership
from apps.centres.roles import Cap
from apps.learners.access import assesses, enrolment_get, is_own_learner
from apps.learners.models import Enrolment

from .models import Observation, WitnessRequest

# Staff who read an enrolment's records page (learners see their records as evidence).
RECORD_READERS = (Cap.ASSESS, Cap.QUALITY_ASSURE, Cap.MANAGE_CENTRE, Cap.READ_RECORDS)
NOT_RECORDER = "Only an assessor assigned to this learner creates records for them."
NOT_MANAGER = "Only an assessor assigned to this learner manages their witness requests."


def may_read_records_page(membership: Membership | None) -> bool:
    return has_any(membership, *RECORD_READERS)


def may_record(membership: Membership | None, enrolment: Enrolment) -> bool:
    """The learner's assigned assessor, who is not the learner: records are judgements too."""
    return assesses(membership, enrolment)


def enrolment_get_for_records_page(*, membership: Membership | None, pk: int) -> Enrolment:
    enrolment = enrolment_get(membership=membership, pk=pk)
    if not may_read_records_page(membership):
        raise PermissionDenied("Your records are in your portfolio.")
    return enrolment


def enrolment_get_for_recording(*, membership: Membership | None, pk: int) -> Enrolment:
    enrolment = enrolment_get(membership=membership, pk=pk)
    if not may_record(membership, enrolment):
        raise PermissionDenied(NOT_RECORDER)
    return enrolment


def require_recorder(actor: Any, enrolment: Enrolment) -> None:
    if not may_record(membership_for(actor, enrolment.centre_id), enrolment):
        raise PermissionDenied(NOT_RECORDER)


def may_manage_witness_request(membership: Membership | None, witness_request: WitnessRequest) -> bool:
    return may_record(membership, witness_request.enrolment)


def require_witness_request_manager(membership: Membership | None, witness_request: WitnessRequest) -> None:
    if not may_manage_witness_request(membership, witness_request):
        raise PermissionDenied(NOT_MANAGER)


def may_confirm(membership: Membership | None, observation: Observation) -> bool:
    """Only the learner who was observed confirms the record."""
    return is_own_learner(membership, observation.enrolment)


def require_confirmer(actor: Any, observation: Observation) -> None:
    if not may_confirm(membership_for(actor, observation.centre_id), observation):
        raise PermissionDenied("Only the learner who was observed confirms the record.")
