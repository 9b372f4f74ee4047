"""The learners list's filters. Input that does not make sense gets a message on its field and
that field is not applied; the other filters still are."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet

from .models import Enrolment, Learner


class LearnerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Name, email, ULN or MIS reference", method="filter_search", max_length=200, widget=forms.SearchInput(),
        error_messages={"max_length": "Search for at most 200 characters."},
    )
    qualification = django_filters.ChoiceFilter(
        label="Enrolled on",
        empty_label="Any qualification",
        method="filter_qualification",
        error_messages={"invalid_choice": "Nobody here is enrolled on that qualification: choose one from the list."},
    )

    class Meta:
        model = Learner
        fields: list[str] = []

    def __init__(self, data=None, queryset: QuerySet[Learner] | None = None, **kwargs):
        super().__init__(data, queryset, **kwargs)
        # Only the qualifications these learners are enrolled on, by number.
        numbers = (
            Enrolment.objects.filter(learner__in=self.queryset.values("pk"))
            .values_list("qualification__number", flat=True)
            .distinct()
            .order_by("qualification__number")
        )
        self.filters["qualification"].extra["choices"] = [(number, number) for number in numbers]

    def filter_search(self, queryset: QuerySet[Learner], name: str, value: str) -> QuerySet[Learner]:
        # A ULN is ten digits, often typed in groups; an MIS reference is matched whole.
        return queryset.filter(
            Q(full_name__icontains=value)
            | Q(email__icontains=value)
            | Q(uln=value.replace(" ", ""))
            | Q(mis_reference__iexact=value)
        )

    def filter_qualification(self, queryset: QuerySet[Learner], name: str, value: str) -> QuerySet[Learner]:
        return queryset.filter(Exists(Enrolment.objects.filter(learner=OuterRef("pk"), qualification__number=value)))
