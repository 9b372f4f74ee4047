"""The audit trail's filters. Input that does not make sense gets a message on its field and
that field is not applied; the other filters still are.

Each filter is written so the trail's indexes serve it at a million events: the action list
is the declared one (no query), a person is matched among the accounts and their events
found by actor, and dates are ranges of time, never a function of every event's time."""

from __future__ import annotations

import functools
from datetime import date, datetime, time, timedelta
from typing import Any

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from apps.core.widgets import DateInput

from .actions import ACTIONS, grouped_choices
from .models import AuditEvent

NOT_A_DATE = "Enter a real date, such as 2026-04-30."
ANY_ACTION = "Any action"
# Every kind of event Attest writes, by label: the declared list, so showing it costs nothing.
ACTION_CHOICES = grouped_choices(ACTIONS)


class TrailFilterForm(forms.Form):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned


@functools.cache
def _action_options(chosen: str) -> SafeString:
    """The options of the action select, written once for each choice (a bounded few)."""

    def option(value: str, label: str) -> SafeString:
        return format_html('<option value="{}"{}>{}</option>', value, mark_safe(" selected" if value == chosen else ""),
                           label)

    html = [option("", ANY_ACTION)]
    for group, options in ACTION_CHOICES:
        html.append(format_html('<optgroup label="{}">{}</optgroup>', group,
                                mark_safe("".join(option(value, label) for value, label in options))))
    return mark_safe("".join(html))  # every part was escaped by format_html


class ActionSelect(forms.Select):
    """The action filter's select of the declared actions: the same HTML as Django's select,
    without ~70 options going through the template engine on every page of the trail."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        chosen = next(iter(self.format_value(value)), "")
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(self.build_attrs(self.attrs, attrs)),
                           _action_options(chosen if chosen in ACTIONS else ""))


def _start_of(day: date) -> datetime:
    """Midnight at the start of this day where the centre is (the dates people type are local)."""
    return timezone.make_aware(datetime.combine(day, time.min))


class AuditEventFilter(django_filters.FilterSet):
    action = django_filters.ChoiceFilter(
        label="Action",
        empty_label=ANY_ACTION,
        choices=ACTION_CHOICES,
        widget=ActionSelect,
        error_messages={"invalid_choice": "There is no such kind of event: choose one from the list."},
    )
    person = django_filters.CharFilter(label="Person (name or email)", method="filter_person", max_length=200)
    date_from = django_filters.DateFilter(
        label="From", method="filter_date_from", widget=DateInput(), error_messages={"invalid": NOT_A_DATE},
    )
    date_to = django_filters.DateFilter(
        label="To", method="filter_date_to", widget=DateInput(), error_messages={"invalid": NOT_A_DATE},
    )

    class Meta:
        model = AuditEvent
        fields: list[str] = []
        form = TrailFilterForm

    def filter_person(self, queryset: QuerySet[AuditEvent], name: str, value: str) -> QuerySet[AuditEvent]:
        value = value.strip()
        if not value:
            return queryset
        # The accounts that match, as a subquery of the same query: the events are then found
        # by actor through the index on (centre, actor, created_at).
        people = get_user_model().objects.filter(Q(email__icontains=value) | Q(full_name__icontains=value))
        return queryset.filter(actor__in=people.values("pk"))

    def filter_date_from(self, queryset: QuerySet[AuditEvent], name: str, value: date) -> QuerySet[AuditEvent]:
        return queryset.filter(created_at__gte=_start_of(value))

    def filter_date_to(self, queryset: QuerySet[AuditEvent], name: str, value: date) -> QuerySet[AuditEvent]:
        return queryset.filter(created_at__lt=_start_of(value + timedelta(days=1)))
