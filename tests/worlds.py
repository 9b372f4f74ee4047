"""One world of people and their work, built through the services: the permission table walks
it, and the admin and tenancy tests need a row of every kind. The EQA's access is a grant of the
world's qualification (every learner on it); the expired EQA's grant has ended."""

from __future__ import annotations

import importlib
import io
import pkgutil
from datetime import timedelta
from pathlib import Path
from types import ModuleType

from django.utils import timezone

from apps.accounts.models import User
from apps.centres.models import Invitation
from apps.centres.services import membership_set_active
from apps.evidence.demo_files import demo_image
from apps.evidence.models import PortfolioExport, Upload
from apps.evidence.services import EvidenceContent, evidence_create, evidence_submit
from apps.evidence.storage import store
from apps.learners.models import Enrolment, Learner, LearnerImport, PriorAchievement
from apps.notifications.services import notify
from apps.qualifications.models import EvidenceRequirement, SpecImport
from tests.assessment.helpers import accept, unit_criteria
from tests.eqa.support import grant_for
from tests.factories import CentreFactory, MembershipFactory, make_qualification
from tests.records.helpers import make_records


def portfolio(centre, *, qualification, learner, assessors, iqa, admin):
    record = Learner.objects.create(centre=centre, user=learner.user, full_name=learner.user.full_name,
                                    email=learner.user.email)
    enrolment = Enrolment.objects.create(
        centre=centre, learner=record, qualification=qualification, start_date=timezone.localdate(),
        planned_end_date=timezone.localdate() + timedelta(days=365), iqa=iqa.user if iqa else None,
    )
    enrolment.assessors.add(*[a.user for a in assessors])
    photo = store(source=io.BytesIO(demo_image("Till")), original_name="till.jpg", centre=centre,
                  uploaded_by=learner.user)
    evidence = evidence_create(
        enrolment=enrolment, actor=learner.user,
        content=EvidenceContent(title="Call log", evidence_date=timezone.localdate(), method="work_product",
                                context="real_work", text="What I did.", files=[photo],
                                criteria=unit_criteria(enrolment, "1")[:1]),
    )
    evidence_submit(evidence=evidence, actor=learner.user, declared_name=record.full_name, ip_address=None)
    requirement, _ = EvidenceRequirement.objects.get_or_create(
        unit=unit_criteria(enrolment, "1")[0].unit, position=0, defaults={"number": "5a", "text": "During a busy time"}
    )
    assessor = assessors[0].user
    accept(evidence, assessor, met=unit_criteria(enrolment, "1")[:1], cover=[requirement])
    records = make_records(enrolment, assessor)
    token, token_hash = Invitation.new_token()
    invitation = Invitation.objects.create(
        centre=centre, email=f"invitee-{centre.slug}@example.test", full_name="Invitee", token_hash=token_hash,
        invited_by=admin.user, expires_at=timezone.now() + timedelta(days=3), is_learner=True,
    )
    return {
        "enrolment": enrolment, "learner": record, "evidence": evidence, "file": photo,
        "decision": evidence.current.decisions.get(), "coverage": evidence.current.requirement_coverage.get(),
        "observation": records["observation"], "questioning": records["questioning"],
        "discussion": records["discussion"], "witness_request": records["witness"], "witness_token": records["token"],
        "member": learner, "invitation": invitation, "invitation_token": token,
        "spec_import": SpecImport.objects.create(uploaded_by=admin.user, centre=centre, filename="spec.txt",
                                                 text="x", sha256="0"),
        "export": PortfolioExport.objects.create(centre=centre, enrolment=enrolment, requested_by=learner.user),
        "learner_import": LearnerImport.objects.create(
            centre=centre, uploaded_by=admin.user, filename="learners.csv", sha256="0", columns={}, rows=[]
        ),
        "prior": PriorAchievement.objects.create(
            enrolment=enrolment, unit=qualification.units.get(number="2"), route="rpl", reference="RPL record 7",
            recorded_by=admin.user,
        ),
        "upload": Upload.objects.create(centre=centre, user=learner.user, filename="a.pdf", length=10,
                                        expires_at=timezone.now() + timedelta(days=1)),
        "notification": notify(recipients=[learner.user], centre=centre, subject="Hello", url="/")[0],
    }



def build_world() -> tuple[dict, dict]:
    """Everyone and everything: the people of tests/test_permissions.py, and in each centre a
    portfolio with submitted, assessed evidence, records, an export, an import and more."""
    qualification = make_qualification(number="600/0000/1")
    home, elsewhere = CentreFactory(name="Home Centre"), CentreFactory(name="Elsewhere")
    today = timezone.localdate()
    people = {
        "learner": MembershipFactory(centre=home, is_learner=True),
        "other_learner": MembershipFactory(centre=home, is_learner=True),
        "assessor": MembershipFactory(centre=home, is_assessor=True),
        "trainee": MembershipFactory(centre=home, is_assessor=True, is_trainee_assessor=True),
        "other_assessor": MembershipFactory(centre=home, is_assessor=True),
        "iqa": MembershipFactory(centre=home, is_iqa=True),
        "admin": MembershipFactory(centre=home, is_admin=True),
        "eqa": MembershipFactory(centre=home, is_eqa=True, eqa_expires_on=today + timedelta(days=30)),
        "expired_eqa": MembershipFactory(centre=home, is_eqa=True, eqa_expires_on=today - timedelta(days=1)),
        "deactivated": MembershipFactory(centre=home, is_assessor=True),
        "other_centre_admin": MembershipFactory(centre=elsewhere, is_admin=True),
        "other_centre_learner": MembershipFactory(centre=elsewhere, is_learner=True),
    }
    objects = {
        "home": portfolio(home, qualification=qualification, learner=people["learner"], iqa=people["iqa"],
                           assessors=[people["assessor"], people["trainee"], people["deactivated"]],
                           admin=people["admin"]),
        "elsewhere": portfolio(elsewhere, qualification=qualification, learner=people["other_centre_learner"],
                                assessors=[MembershipFactory(centre=elsewhere, is_assessor=True)], iqa=None,
                                admin=people["other_centre_admin"]),
    }
    Enrolment.objects.create(
        centre=home, learner=Learner.objects.create(centre=home, user=people["other_learner"].user,
                                                    full_name="Other", email=people["other_learner"].user.email),
        qualification=qualification, start_date=today, planned_end_date=today + timedelta(days=365),
    )
    membership_set_active(membership=people["deactivated"], actor=people["admin"].user, active=False)
    # The EQA sees what the centre's grant names: the world's qualification, from yesterday for
    # 30 days. The expired EQA's grant ended yesterday (and their role with it).
    grant_for(people["eqa"], qualifications=[qualification], created_by=people["admin"].user)
    grant_for(people["expired_eqa"], qualifications=[qualification], created_by=people["admin"].user,
              starts_on=today - timedelta(days=60), ends_on=today - timedelta(days=1))
    users = {name: m.user for name, m in people.items()}
    users["platform_staff"] = User.objects.create_user(email="platform@example.test", full_name="Pat Platform",
                                                       is_staff=True)
    for extension in extensions():
        extension.extend(users, objects)
    return users, objects


def extensions() -> list[ModuleType]:
    """Apps with many pages keep their part of the world beside their tests: each
    `tests/<app>/world_*.py` has ROWS (merged into tests/test_permissions.py's TABLE),
    extend(users, objects) (adds its rows to the "home" and "elsewhere" centres) and
    args(name, objects) (a URL's arguments, or None for names not its own)."""
    root = Path(__file__).parent
    return [
        importlib.import_module(f"tests.{package.name}.{module.name}")
        for package in pkgutil.iter_modules([str(root)]) if package.ispkg
        for module in pkgutil.iter_modules([str(root / package.name)]) if module.name.startswith("world_")
    ]
