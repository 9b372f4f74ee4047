"""Permission rows of the EQA pack and set pages (merged into tests/test_permissions.py).

The set of a grant is read by the centre side (its admins; the lead IQA is not among the
table's people) and the grant's EQA while it is open; anyone else is outside it (404). Only the
EQA builds the pack (the admin, who sees the grant, is refused: 403) and downloads it; the
admin sees that a pack was built. In each centre: a ready pack of its EQA's grant, its ZIP in
storage."""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from apps.eqa.models import Pack
from apps.learners.models import ExternalAccess
from tests.eqa.support import grant_for
from tests.factories import MembershipFactory
from tests.permission_answers import answers, scoped

SET = scoped({"admin": 200, "eqa": 200}, in_scope=404)
PACK = answers(404, admin=200, eqa=200)
ROWS = {
    ("eqa_set", "get"): SET,
    ("eqa_set_part", "get"): SET,
    ("eqa_pack_new", "post"): scoped({"admin": 403, "eqa": 302}, in_scope=404),
    ("eqa_pack", "get"): PACK,
    ("eqa_pack_status", "get"): PACK,
    ("eqa_pack_download", "get"): answers(404, admin=403, eqa=200),
}
ON_THE_GRANT = {"eqa_set", "eqa_pack_new"}
ON_THE_PACK = {"eqa_pack", "eqa_pack_status", "eqa_pack_download"}


def _pack(grant: ExternalAccess) -> Pack:
    archive = b"PK\x05\x06" + b"\x00" * 18  # an empty ZIP
    return Pack.objects.create(
        centre_id=grant.centre_id, grant=grant, requested_by=grant.user, status=Pack.Status.READY,
        steps_done=3, steps_total=3, file=default_storage.save(f"eqa-packs/{grant.centre_id}/world.zip",
                                                               ContentFile(archive)),
        size=len(archive), sha256=hashlib.sha256(archive).hexdigest(), finished_at=timezone.now())


def extend(users: dict, objects: dict) -> None:
    home, elsewhere = objects["home"]["enrolment"], objects["elsewhere"]["enrolment"]
    grant = ExternalAccess.objects.get(centre=home.centre, user=users["eqa"])
    outsider_grant = ExternalAccess.objects.filter(centre=elsewhere.centre).first()
    if outsider_grant is None:
        outsider = MembershipFactory(centre=elsewhere.centre, is_eqa=True, eqa_expires_on=home.planned_end_date)
        outsider_grant = grant_for(outsider, qualifications=[elsewhere.qualification],
                                   created_by=users["other_centre_admin"])
    objects["home"] |= {"pack_grant": grant, "pack": _pack(grant)}
    objects["elsewhere"] |= {"pack_grant": outsider_grant, "pack": _pack(outsider_grant)}


def args(name: str, o: dict) -> list | None:
    if name in ON_THE_GRANT:
        return [o["pack_grant"].pk]
    if name == "eqa_set_part":
        return [o["pack_grant"].pk, "assessment-plan"]
    if name in ON_THE_PACK:
        return [o["pack"].pk]
    return None
