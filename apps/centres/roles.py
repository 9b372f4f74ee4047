"""Roles a person holds in a centre, and the capabilities each role grants.

Views check capabilities, never role names, so that a role can change what it
may do in one place. Pure Python: no Django imports.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Role(StrEnum):
    LEARNER = "learner"
    ASSESSOR = "assessor"
    IQA = "iqa"
    ADMIN = "admin"
    EQA = "eqa"


ROLE_LABELS: dict[Role, str] = {
    Role.LEARNER: "Learner",
    Role.ASSESSOR: "Assessor",
    Role.IQA: "Internal quality assurer",
    Role.ADMIN: "Centre admin",
    Role.EQA: "External quality assurer",
}


class Cap(StrEnum):
    OWN_PORTFOLIO = "own_portfolio"  # build one's own portfolio
    ASSESS = "assess"  # assess the learners assigned to one
    # A qualified assessor's authority: decisions count at once, trainees' decisions are
    # countersigned, units are signed off. Trainee assessors assess without it.
    SIGN_OFF = "sign_off"
    QUALITY_ASSURE = "quality_assure"  # sample assessment decisions
    MANAGE_CENTRE = "manage_centre"  # people, enrolments, claims
    VIEW_AUDIT = "view_audit"  # browse the centre's audit trail
    VIEW_CATALOGUE = "view_catalogue"  # browse qualifications and units
    READ_RECORDS = "read_records"  # read learners' records without changing them
    SEE_ALL_LEARNERS = "see_all_learners"  # every learner of the centre is in scope, not only assigned ones
    # The lead IQA's authority: approve sampling strategies, allocate IQAs to assessors, see all
    # of the centre's quality assurance. Granted to an IQA marked as lead.
    LEAD_QUALITY_ASSURE = "lead_quality_assure"
    # The awarding organisation's external quality assurer: reads what the centre's grants name,
    # asks for samples, records visit outcomes and actions, signs off claims without Direct
    # Claims Status.
    EXTERNAL_QUALITY_ASSURE = "external_quality_assure"


ROLE_CAPABILITIES: dict[Role, frozenset[Cap]] = {
    Role.LEARNER: frozenset({Cap.OWN_PORTFOLIO}),
    Role.ASSESSOR: frozenset({Cap.ASSESS, Cap.SIGN_OFF, Cap.VIEW_CATALOGUE}),
    Role.IQA: frozenset({Cap.QUALITY_ASSURE, Cap.VIEW_CATALOGUE, Cap.READ_RECORDS}),
    Role.ADMIN: frozenset(
        {Cap.MANAGE_CENTRE, Cap.VIEW_AUDIT, Cap.VIEW_CATALOGUE, Cap.READ_RECORDS, Cap.SEE_ALL_LEARNERS}
    ),
    # Read-only, and only what the centre's grants name (learners.access.external_scope).
    Role.EQA: frozenset({Cap.VIEW_CATALOGUE, Cap.READ_RECORDS, Cap.EXTERNAL_QUALITY_ASSURE}),
}
# What a trainee assessor lacks: their decisions are provisional until countersigned.
TRAINEE_WITHHELD = frozenset({Cap.SIGN_OFF})
# What a lead IQA has beyond an IQA.
LEAD_IQA_GRANTED = frozenset({Cap.LEAD_QUALITY_ASSURE})

STAFF_ROLES = frozenset({Role.ASSESSOR, Role.IQA, Role.ADMIN, Role.EQA})


@dataclass(frozen=True)
class RoleSet:
    """The roles of one membership or invitation."""

    learner: bool = False
    assessor: bool = False
    trainee_assessor: bool = False
    iqa: bool = False
    lead_iqa: bool = False
    admin: bool = False
    eqa: bool = False
    eqa_expires_on: date | None = None

    def errors(self) -> list[str]:
        problems = []
        if not any((self.learner, self.assessor, self.iqa, self.admin, self.eqa)):
            problems.append("Choose at least one role.")
        if self.trainee_assessor and not self.assessor:
            problems.append("Only an assessor can be marked as a trainee.")
        if self.lead_iqa and not self.iqa:
            problems.append("Only an internal quality assurer can be the lead internal quality assurer.")
        if self.eqa and self.eqa_expires_on is None:
            problems.append("External quality assurer access needs an expiry date.")
        if not self.eqa and self.eqa_expires_on is not None:
            problems.append("An expiry date applies only to external quality assurer access.")
        return problems

    def active_roles(self, today: date) -> list[Role]:
        roles = [
            role
            for role, held in (
                (Role.LEARNER, self.learner),
                (Role.ASSESSOR, self.assessor),
                (Role.IQA, self.iqa),
                (Role.ADMIN, self.admin),
            )
            if held
        ]
        if self.eqa and self.eqa_expires_on is not None and today <= self.eqa_expires_on:
            roles.append(Role.EQA)
        return roles

    def capabilities(self, today: date) -> frozenset[Cap]:
        caps: set[Cap] = set()
        for role in self.active_roles(today):
            granted = ROLE_CAPABILITIES[role]
            if role == Role.ASSESSOR and self.trainee_assessor:
                granted = granted - TRAINEE_WITHHELD
            if role == Role.IQA and self.lead_iqa:
                granted = granted | LEAD_IQA_GRANTED
            caps |= granted
        return frozenset(caps)

    def joined_with(self, invited: RoleSet) -> RoleSet:
        """The roles of a member who accepts an invitation: everything either grants, the
        invitation deciding whether an assessor is a trainee and when EQA access ends."""
        return RoleSet(
            learner=self.learner or invited.learner,
            assessor=self.assessor or invited.assessor,
            trainee_assessor=invited.trainee_assessor if invited.assessor else self.trainee_assessor,
            iqa=self.iqa or invited.iqa,
            lead_iqa=invited.lead_iqa if invited.iqa else self.lead_iqa,
            admin=self.admin or invited.admin,
            eqa=self.eqa or invited.eqa,
            eqa_expires_on=invited.eqa_expires_on or self.eqa_expires_on,
        )

    def labels(self) -> list[str]:
        labels = []
        if self.learner:
            labels.append(ROLE_LABELS[Role.LEARNER])
        if self.assessor:
            labels.append("Trainee assessor" if self.trainee_assessor else ROLE_LABELS[Role.ASSESSOR])
        if self.iqa:
            labels.append("Lead internal quality assurer" if self.lead_iqa else ROLE_LABELS[Role.IQA])
        if self.admin:
            labels.append(ROLE_LABELS[Role.ADMIN])
        if self.eqa:
            # House style for dates: "2 Dec 2026", no leading zero.
            end = self.eqa_expires_on
            labels.append(f"{ROLE_LABELS[Role.EQA]} (until {end.day} {end:%b %Y})" if end else ROLE_LABELS[Role.EQA])
        return labels
