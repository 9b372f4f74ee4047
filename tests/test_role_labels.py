"""How a member's roles read in words (invitations, the audit trail, the demo's list of people)."""

from __future__ import annotations

from datetime import date

from apps.centres.roles import RoleSet


def test_the_eqa_role_reads_with_its_end_in_house_style():
    labels = RoleSet(assessor=True, eqa=True, eqa_expires_on=date(2026, 12, 2)).labels()
    assert labels == ["Assessor", "External quality assurer (until 2 Dec 2026)"]


def test_an_eqa_role_without_an_end_reads_plainly():
    assert RoleSet(eqa=True).labels() == ["External quality assurer"]
