"""A portfolio's filters. Input that does not make sense gets a message on its field and that
field is not applied; the other filters still are.

The learner who owns the portfolio works on their current versions; everyone else reads the
version that was submitted. The filters look at the same version the page shows: `version` is
the name of that relation on `Evidence`, "current" or "shared_version"."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet

from apps.qualifications.selectors import unit_choices

from .models import Evidence, EvidenceVersion

VERSIONS = ("current", "shared_version")


class PortfolioFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search", method="filter_search", max_length=200, widget=forms.SearchInput(),
        error_messages={"max_length": "Search for at most 200 characters."},
    )
    unit = django_filters.ChoiceFilter(
        label="Unit",
        empty_label="Any unit",
        method="filter_unit",
        error_messages={"invalid_choice": "That unit is not part of this qualification: choose one from the list."},
    )
    method = django_filters.ChoiceFilter(
        label="Method",
        choices=Evidence.Method.choices,
        empty_label="Any method",
        method="filter_method",
        error_messages={"invalid_choice": "There is no such method of assessment: choose one from the list."},
    )
    status = django_filters.ChoiceFilter(
        label="Status",
        choices=Evidence.Status.choices,
        empty_label="Any status",
        field_name="status",
        error_messages={"invalid_choice": "There is no such status: choose one from the list."},
    )

    feedback = django_filters.ChoiceFilter(
        label="Feedback",
        choices=[("unread", "Not read yet")],
        empty_label="Any",
        method="filter_feedback",
        error_messages={"invalid_choice": "Choose “Not read yet” or “Any”."},
    )

    class Meta:
        model = Evidence
        fields: list[str] = []

    def __init__(self, data=None, queryset: QuerySet[Evidence] | None = None, *, version: str, qualification_id: int,
                 **kwargs):
        if version not in VERSIONS:
            raise ValueError(f"A portfolio shows its current or its shared versions, not {version!r}.")
        super().__init__(data, queryset, **kwargs)
        self.version = version
        self.filters["unit"].extra["choices"] = list(unit_choices(qualification_id))
        if version != "current":
            # Whether feedback has been read is the learner's own business.
            del self.filters["feedback"]

    def filter_search(self, queryset: QuerySet[Evidence], name: str, value: str) -> QuerySet[Evidence]:
        v = self.version
        return queryset.filter(
            Q(**{f"{v}__title__icontains": value})
            | Q(**{f"{v}__description__icontains": value})
            | Q(**{f"{v}__text__icontains": value})
        )

    def filter_unit(self, queryset: QuerySet[Evidence], name: str, value: str) -> QuerySet[Evidence]:
        # A subquery rather than a join, so a version suggesting several criteria of the unit
        # is listed once and its file count stays right.
        versions = EvidenceVersion.objects.filter(suggested_criteria__unit_id=int(value)).values("pk")
        return queryset.filter(**{f"{self.version}__in": versions})

    def filter_method(self, queryset: QuerySet[Evidence], name: str, value: str) -> QuerySet[Evidence]:
        return queryset.filter(**{f"{self.version}__method": value})

    def filter_feedback(self, queryset: QuerySet[Evidence], name: str, value: str) -> QuerySet[Evidence]:
        # The assessment app keeps the assessments (`EvidenceVersion.assessments`) and whether
        # the learner has read them (`read`); only the names of the relations are used here.
        unread = EvidenceVersion.objects.filter(
            evidence=OuterRef("pk"), assessments__superseded_by__isnull=True, assessments__read__isnull=True,
            assessments__isnull=False,
        )
        return queryset.filter(Exists(unread))
