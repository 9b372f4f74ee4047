"""Every model says whose its rows are, so that tenancy can be checked rather than trusted.

A model under `apps/` does exactly one of three things:
- carries its centre: a `centre` foreign key to `centres.Centre`;
- names the parent it inherits its centre from: `centre_via = "version__evidence"`, a path of
  foreign keys to a model that carries its centre;
- says it is shared by every centre: `shared_across_centres = True` (the catalogue, accounts).
A model added without saying so fails here.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import F, ForeignKey, OneToOneField

from apps.centres.models import Centre
from tests.evidence.filefixtures import private_storage  # noqa: F401  (a fixture)
from tests.test_admin import every_kind_of_row  # noqa: F401  (a fixture)

# Where the centre may be empty, and what an empty one means. A new nullable centre must be
# added here on purpose: a row without a centre is seen by no centre's admins.
CENTRE_MAY_BE_EMPTY = {
    "audit.AuditEvent": "the platform's own events (catalogue loads, platform staff's imports)",
    "qualifications.SpecImport": "specifications platform staff upload themselves",
}


def label(model) -> str:
    return model._meta.label


def attest_models() -> list[type]:
    # Centre is the tenant itself: everything else is checked against it.
    return sorted(
        (m for m in apps.get_models() if m.__module__.startswith("apps.") and m is not Centre), key=label
    )


MODELS = attest_models()


def centre_field(model):
    try:
        return model._meta.get_field("centre")
    except FieldDoesNotExist:
        return None


def carries_centre(model) -> bool:
    return centre_field(model) is not None


def centre_via(model) -> str:
    return getattr(model, "centre_via", "") or ""


def shared(model) -> bool:
    return getattr(model, "shared_across_centres", False) is True


def path_to_centre(model, path: str) -> list:
    """The foreign keys along a `centre_via` path; fails on a step that is not one."""
    fields, here = [], model
    for step in path.split("__"):
        try:
            field = here._meta.get_field(step)
        except FieldDoesNotExist:
            pytest.fail(f"{label(model)}.centre_via = {path!r}: {label(here)} has no field {step!r}")
        assert isinstance(field, ForeignKey | OneToOneField) and field.concrete, (
            f"{label(model)}.centre_via = {path!r}: {label(here)}.{step} is not a foreign key of {label(here)}"
        )
        fields.append(field)
        here = field.related_model
    return fields


@pytest.mark.parametrize("model", MODELS, ids=label)
def test_every_model_says_whose_its_rows_are(model):
    said = [
        claim
        for claim, holds in (
            ("has a centre field", carries_centre(model)),
            (f"centre_via = {centre_via(model)!r}", bool(centre_via(model))),
            ("shared_across_centres = True", shared(model)),
        )
        if holds
    ]
    assert len(said) == 1, (
        f"{label(model)} must do exactly one of: carry a `centre` foreign key, name the parent it inherits "
        f"its centre from (centre_via = 'parent__path'), or say shared_across_centres = True. It {said or 'does none'}."
    )


@pytest.mark.parametrize("model", [m for m in MODELS if carries_centre(m)], ids=label)
def test_a_centre_field_points_at_the_centre(model):
    field = centre_field(model)
    assert isinstance(field, ForeignKey) and field.related_model is Centre, (
        f"{label(model)}.centre must be a foreign key to centres.Centre"
    )
    if field.null:
        assert label(model) in CENTRE_MAY_BE_EMPTY, (
            f"{label(model)}.centre may be empty: say what an empty one means in CENTRE_MAY_BE_EMPTY"
        )


def test_centres_that_may_be_empty_are_still_so():
    for name in CENTRE_MAY_BE_EMPTY:
        assert centre_field(apps.get_model(name)).null, (
            f"{name}.centre is required now: drop it from CENTRE_MAY_BE_EMPTY"
        )


@pytest.mark.parametrize("model", [m for m in MODELS if centre_via(m)], ids=label)
def test_centre_via_leads_through_required_foreign_keys_to_a_model_that_carries_its_centre(model):
    fields = path_to_centre(model, centre_via(model))
    optional = [f.name for f in fields if f.null]
    assert not optional, (
        f"{label(model)}.centre_via passes through {optional}, which may be empty: its row would have no centre"
    )
    owner = fields[-1].related_model
    assert carries_centre(owner) and not centre_field(owner).null, (
        f"{label(model)}.centre_via = {centre_via(model)!r} ends at {label(owner)}, which does not carry its centre"
    )


@pytest.mark.parametrize("model", [m for m in MODELS if shared(m)], ids=label)
def test_a_shared_model_points_only_at_shared_rows(model):
    # Something every centre sees cannot depend on one centre's row.
    owned = [
        f.name
        for f in model._meta.get_fields()
        if f.is_relation and f.concrete and f.related_model is not None
        and f.related_model.__module__.startswith("apps.") and not shared(f.related_model)
    ]
    assert not owned, f"{label(model)} is shared by every centre but points at centre-owned rows through {owned}"


@pytest.mark.django_db
def test_a_row_and_the_parents_it_points_at_belong_to_the_same_centre(every_kind_of_row):  # noqa: F811
    """Rows that carry their centre and also point at a centre-owned parent agree with it."""
    disagreements = []
    for model in MODELS:
        if not carries_centre(model):
            continue
        for field in model._meta.concrete_fields:
            if not isinstance(field, ForeignKey) or field.name == "centre":
                continue
            parent = field.related_model
            parent_centre = "centre" if carries_centre(parent) else (
                f"{centre_via(parent)}__centre" if centre_via(parent) else None
            )
            if parent_centre is None:
                continue
            rows = model.objects.filter(**{f"{field.name}__isnull": False}).exclude(
                centre=F(f"{field.name}__{parent_centre}")
            )
            for row in rows:
                disagreements.append(f"{label(model)} {row.pk}: centre differs from its {field.name}'s")
    assert not disagreements, "\n".join(disagreements)

