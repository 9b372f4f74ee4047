from __future__ import annotations

import factory
from allauth.account.models import EmailAddress

from apps.accounts.models import User
from apps.centres.models import Centre, Membership

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    full_name = factory.Faker("name", locale="en_GB")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if create:
            EmailAddress.objects.create(user=obj, email=obj.email, primary=True, verified=extracted is not False)


class CentreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Centre

    name = factory.Sequence(lambda n: f"Centre {n}")
    slug = factory.Sequence(lambda n: f"centre-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    centre = factory.SubFactory(CentreFactory)
    user = factory.SubFactory(UserFactory)


def canonical_qualification(number: str = "600/0000/1", **overrides) -> dict:
    """A small qualification in the catalogue format: group A mandatory, group B optional."""

    def unit(n: str, group: str, credits: int, level: int = 2) -> dict:
        return {
            "number": n, "urn": f"A/500/{n.zfill(4)}", "title": f"Unit {n} title", "level": level,
            "credits": credits, "glh": 10, "group": group, "kind": "competence", "summary": None,
            "assessment": {"simulation_allowed": None, "workplace_evidence_required": None, "notes": []},
            "evidence_requirements": [],
            "outcomes": [{"number": "1", "title": f"Be able to do {n}", "criteria": [
                {"number": "1.1", "text": f"Do the first thing of {n}"},
                {"number": "1.2", "text": f"Do the second thing of {n}"},
            ]}],
        }

    data = {
        "format": "attest.qualification/1", "number": number, "title": "Certificate in Testing",
        "awarding_organisation": "NCFE", "ao_reference": None, "level": 2, "credits": 10,
        "glh": None, "tqt": None,
        "dates": {"operational_start": None, "operational_end": None, "registration_end": None,
                  "certification_end": None},
        "source": {"file": "test.txt", "edition": None}, "rules_in_source": True,
        "interpretation": {"level_credits": "at_or_above", "group_maximum": "cap"},
        "rules_text": None,
        "groups": [{"id": "A", "title": "Mandatory", "mandatory": True},
                   {"id": "B", "title": "Optional", "mandatory": False}],
        "rules": [{"type": "credits", "groups": None, "min": 10}],
        "barred": [],
        "units": [unit("1", "A", 4), unit("2", "B", 3), unit("3", "B", 3), unit("4", "B", 5, level=3)],
    }
    data.update(overrides)
    return data


def make_qualification(**overrides):
    from apps.qualifications.services import catalogue_load

    return catalogue_load(data=canonical_qualification(**overrides), source="test.txt").qualification
