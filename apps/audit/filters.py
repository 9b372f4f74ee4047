"""The audit trail's filters. Input that does not make sense gets a message on its field and
that field is not applied; the other filters still are."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from apps.core.widgets import DateInput

from .actions import grouped_choices
from .models import AuditEvent
from .selectors import trail_action_codes

NOT_A_DATE = "Enter a real date, such as 2026-04-30."


class TrailFilterForm(forms.Form):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned


class AuditEventFilter(django_filters.FilterSet):
    action = django_filters.ChoiceFilter(
        label="Action",
        empty_label="Any action",
        error_messages={"invalid_choice": "No event of that kind is in this trail: choose another action."},
    )
    person = django_filters.CharFilter(label="Person (name or email)", method="filter_person", max_length=200)
    date_from = django_filters.DateFilter(
        label="From", field_name="created_at", lookup_expr="date__gte", widget=DateInput(),
        error_messages={"invalid": NOT_A_DATE},
    )
    date_to = django_filters.DateFilter(
        label="To", field_name="created_at", lookup_expr="date__lte", widget=DateInput(),
        error_messages={"invalid": NOT_A_DATE},
    )

    class Meta:
        model = AuditEvent
        fields: list[str] = []
        form = TrailFilterForm

    def __init__(self, data=None, queryset: QuerySet[AuditEvent] | None = None, **kwargs):
        super().__init__(data, queryset, **kwargs)
        # Only the kinds of event this trail holds, by their labels.
        self.filters["action"].extra["choices"] = grouped_choices(trail_action_codes(self.queryset))

    def filter_person(self, queryset: QuerySet[AuditEvent], name: str, value: str) -> QuerySet[AuditEvent]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(actor__email__icontains=value) | Q(actor__full_name__icontains=value))
