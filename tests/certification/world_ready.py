"""Permission rows of the ready-to-claim page, the claim settings and the registration facts
(merged into tests/test_permissions.py).

The claim readers are the centre's admins, its lead IQA (none in the world) and its EQA (who
does not see the ready-to-claim page, which lists every learner of the centre); only admins change the settings or a learner's registration facts. An empty post to the settings is
the number form refused with its message (200); to the registration facts, the form refused for
its missing start date (200). In each centre of the world: its number with NCFE and the approval
of the world's qualification, so the admin tests have a row of each."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from apps.certification.models import AOCentreNumber, QualificationApproval
from tests.permission_answers import LOGIN, answers, capability, scoped

READERS = ("admin", "eqa", "other_centre_admin")
ROWS = {
    # The ready-to-claim page lists every learner of the centre: not for an EQA, whose scope is a grant.
    ("claims_ready", "get"): capability("admin", "other_centre_admin"),
    ("claims_settings", "get"): capability(*READERS),
    ("claims_settings", "post"): answers(403, admin=200, other_centre_admin=200, anonymous=LOGIN),
    ("claims_registration", "get"): scoped({"admin": 200}),
    ("claims_registration", "post"): scoped({"admin": 200}),
}


def _objects(centre, admin) -> dict:
    return {
        "ready_ao_number": AOCentreNumber.objects.create(centre=centre, awarding_organisation="NCFE",
                                                         centre_number=f"N{centre.pk}", updated_by=admin),
        "ready_approval": QualificationApproval.objects.create(
            centre=centre, qualification_number="600/0000/1", ao_course_code="P-1", has_dcs=True,
            dcs_since=timezone.localdate() - timedelta(days=30), updated_by=admin),
    }


def extend(users: dict, objects: dict) -> None:
    home, elsewhere = objects["home"]["enrolment"].centre, objects["elsewhere"]["enrolment"].centre
    objects["home"] |= _objects(home, users["admin"])
    objects["elsewhere"] |= _objects(elsewhere, users["other_centre_admin"])


def args(name: str, o: dict) -> list | None:
    if name == "claims_registration":
        return [o["enrolment"].pk]
    if name in ("claims_ready", "claims_settings"):
        return []
    return None
