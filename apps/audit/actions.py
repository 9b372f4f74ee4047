"""Every audit action code Attest writes, each with the label people read, declared once.

`audit_record` refuses a code that is not declared here, so a new kind of event gets its
label before it can be written. A code is `<area>.<what happened>`; the groups are how the
audit trail's action filter lists them.
"""

from __future__ import annotations

from collections.abc import Iterable

GROUPS: dict[str, dict[str, str]] = {
    "Evidence": {
        "evidence.created": "Evidence drafted",
        "evidence.updated": "Draft evidence changed",
        "evidence.new_version": "New version of evidence started",
        "evidence.submitted": "Evidence submitted",
        "evidence.withdrawn": "Evidence withdrawn",
        "evidence.recorded": "Assessor's record added to a portfolio",
        "file.uploaded": "File uploaded",
        "file.downloaded": "File downloaded or opened",
        "file.discarded": "Uploaded file removed before it was used",
        "file.swept": "Unused uploaded file deleted after a day",
        "portfolio.export_requested": "Portfolio export requested",
    },
    "Assessment": {
        "assessment.mappings_recorded": "Evidence mapped to criteria",
        "assessment.decision_recorded": "Criterion judged",
        "assessment.requirements_covered": "Evidence requirements ticked",
        # Written as f"assessment.evidence_{outcome}": one code per EvidenceAssessment.Outcome.
        "assessment.evidence_accepted": "Evidence accepted",
        "assessment.evidence_referred": "Evidence referred back",
        "assessment.decision_corrected": "Decision corrected",
        "assessment.requirement_coverage_withdrawn": "Evidence requirement tick withdrawn",
        "assessment.decision_countersigned": "Decision countersigned",
        "assessment.unit_signed_off": "Unit signed off",
        "assessment.sign_off_acknowledged": "Unit sign-off acknowledged",
        "assessment.unit_reopened": "Unit reopened",
    },
    "Assessment records": {
        "records.observation_created": "Observation recorded",
        "records.observation_confirmed": "Observation confirmed by the learner",
        "records.questioning_created": "Questioning recorded",
        "records.discussion_created": "Professional discussion recorded",
        "records.witness_requested": "Witness testimony requested",
        "records.witness_request_resent": "Witness request sent again",
        "records.witness_request_cancelled": "Witness request cancelled",
        "records.witness_responded": "Witness testimony given",
    },
    "Internal quality assurance": {
        # people and risk (apps/iqa/profiles.py)
        "iqa.profile_created": "Assessor profile created",
        "iqa.profile_updated": "Assessor profile changed",
        "iqa.band_changed": "Assessor risk band changed",
        "iqa.band_overridden": "Assessor risk band set by hand",
        "iqa.band_override_ended": "Hand-set risk band ended",
        "iqa.allocation_set": "IQA allocated to an assessor",
        "iqa.allocation_removed": "IQA allocation removed",
        # strategy (apps/iqa/strategies.py)
        "iqa.strategy_drafted": "Sampling strategy drafted",
        "iqa.strategy_changed": "Draft sampling strategy changed",
        "iqa.strategy_approved": "Sampling strategy approved",
        "iqa.strategy_superseded": "Sampling strategy superseded",
        # plans (apps/iqa/plans.py)
        "iqa.plan_generated": "Sampling plan generated",
        "iqa.plan_regenerated": "Sampling plan regenerated",
        "iqa.plan_closed": "Sampling plan closed",
        "iqa.plan_item_added": "Sample added to a plan",
        "iqa.plan_item_dropped": "Sample dropped from a plan",
        # samples and actions (apps/iqa/sampling.py, apps/iqa/actions.py)
        "iqa.sample_started": "Sample started",
        "iqa.sample_saved": "Sample progress saved",
        "iqa.sample_signed": "Sample signed",
        "iqa.sample_addendum": "Addendum added to a sample",
        "iqa.sign_off_suspended": "Unit sign-off suspended for a quality check",
        "iqa.action_set": "Action set for an assessor",
        "iqa.action_responded": "Action answered by the assessor",
        "iqa.action_closed": "Action closed",
        "iqa.action_reopened": "Action reopened",
        # observations and standardisation (apps/iqa/quality.py)
        "iqa.practice_observed": "Assessor's practice observed",
        "iqa.standardisation_recorded": "Standardisation meeting recorded",
        # reports (apps/iqa/reports.py)
        "iqa.report_requested": "Quality assurance report requested",
        "iqa.report_downloaded": "Quality assurance report downloaded",
    },
    "Certification": {
        # the centre's details with each awarding organisation (apps/certification/settings.py)
        "certification.ao_number_set": "Centre number with an awarding organisation set",
        "certification.approval_set": "Qualification approval or Direct Claims Status changed",
        "certification.registration_updated": "Awarding organisation registration details changed",
        # claim batches (apps/certification/batches.py)
        "claim.batch_created": "Claim batch started",
        "claim.learners_added": "Learners added to a claim batch",
        "claim.learner_removed": "Learner taken out of a claim batch",
        "claim.reopened": "Claim batch reopened as a draft",
        "claim.declared": "Pre-claim declaration signed",
        "claim.authorised": "Claim authorised by the centre",
        "claim.eqa_approved": "Claim signed off by the EQA",
        "claim.eqa_queried": "Claim queried by the EQA",
        "claim.submitted": "Claim submitted to the awarding organisation",
        "claim.exported": "Claim file downloaded",
        "claim.outcome_recorded": "Awarding organisation's answer recorded",
        # documents for learners (apps/certification/documents.py)
        "document.run_requested": "Documents requested for a claim batch",
        "document.issued": "Document issued",
        "document.revoked": "Document revoked",
        "document.reissued": "Document reissued",
        "document.downloaded": "Document downloaded",
    },
    "External quality assurance": {
        # the centre's grants (apps/eqa/grants.py)
        "eqa.access_granted": "EQA access granted",
        "eqa.access_ended": "EQA access ended early",
        # the visit (apps/eqa/visits.py) and the pack (apps/eqa/packs.py)
        "eqa.sample_requested": "Sample requested by the EQA",
        "eqa.sample_request_withdrawn": "Sample request withdrawn by the EQA",
        "eqa.pack_requested": "EQA pack requested",
        "eqa.pack_downloaded": "EQA pack downloaded",
        "eqa.outcome_recorded": "EQA visit outcome recorded",
        "eqa.action_responded": "Centre answered an EQA action",
        "eqa.action_closed": "EQA action closed",
    },
    "Learners and enrolments": {
        "learner.created": "Learner added",
        "learner.updated": "Learner's details changed",
        "learner.uln_changed": "Learner's ULN changed",
        "learner.account_linked": "Learner record linked to an account",
        "learner_import.uploaded": "Learner file uploaded",
        "learner_import.applied": "Learner file imported",
        "enrolment.created": "Enrolment created",
        "enrolment.updated": "Enrolment details changed",
        "enrolment.staff_reassigned": "Assessors or IQA changed",
        "enrolment.plan_changed": "Unit plan changed",
        "enrolment.prior_achievement_recorded": "Unit achieved elsewhere recorded",
        "enrolment.prior_achievement_removed": "Unit achieved elsewhere removed",
    },
    "People and centre": {
        "centre.created": "Centre created",
        "centre.mfa_requirement_changed": "Two-factor requirement changed",
        "invitation.sent": "Invitation sent",
        "invitation.revoked": "Invitation withdrawn",
        "invitation.accepted": "Invitation accepted",
        "user.created": "Account created",
        "membership.roles_changed": "Roles changed",
        "membership.deactivated": "Member deactivated",
        "membership.reactivated": "Member reactivated",
    },
    "Catalogue": {
        "qualification.loaded": "Qualification added to the catalogue",
        "qualification.versioned": "New version of a qualification loaded",
        "catalogue.import_requested": "Specification import requested",
        "catalogue.import_uploaded": "Specification uploaded for import",
        "catalogue.import_applied": "Specification import applied",
        "catalogue.import_discarded": "Specification import discarded",
    },
}

ACTIONS: dict[str, str] = {code: label for group in GROUPS.values() for code, label in group.items()}
_GROUP_OF: dict[str, str] = {code: group for group, codes in GROUPS.items() for code in codes}
OTHER_GROUP = "Other"


def is_declared(code: str) -> bool:
    return code in ACTIONS


def label(code: str) -> str:
    """The code's label; an event written before its code was declared shows the code itself."""
    return ACTIONS.get(code, code)


def grouped_choices(codes: Iterable[str]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Choices for a select of these codes: grouped as declared, sorted by label in each group."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for code in set(codes):
        groups.setdefault(_GROUP_OF.get(code, OTHER_GROUP), []).append((code, label(code)))
    order = [*GROUPS, OTHER_GROUP]
    return [
        (group, sorted(groups[group], key=lambda choice: choice[1].casefold())) for group in order if group in groups
    ]
