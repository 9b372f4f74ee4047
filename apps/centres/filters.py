"""The people list's filters. Input that does not make sense gets a message on its field and
that field is not applied; the other filters still are."""

from __future__ import annotations

import django_filters
from django import forms
from django.db import models
from django.db.models import Q, QuerySet
from django.http import QueryDict

from .models import Membership
from .roles import ROLE_LABELS


class MemberStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Deactivated"
    EVERYONE = "all", "Everyone"


class PeopleFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Name or email", method="filter_name_or_email", max_length=200, widget=forms.SearchInput(),
        error_messages={"max_length": "Search for at most 200 characters."},
    )
    role = django_filters.ChoiceFilter(
        label="Role",
        choices=[(role.value, label) for role, label in ROLE_LABELS.items()],
        empty_label="Any role",
        method="filter_role",
        error_messages={"invalid_choice": "There is no such role: choose one from the list."},
    )
    status = django_filters.ChoiceFilter(
        label="Status",
        choices=MemberStatus.choices,
        empty_label=None,
        method="filter_status",
        error_messages={"invalid_choice": "There is no such status: choose one from the list. Active members are shown."},
    )

    class Meta:
        model = Membership
        fields: list[str] = []

    def __init__(self, data=None, queryset: QuerySet[Membership] | None = None, **kwargs):
        # Always bound: nothing chosen means the active members, and the form says so.
        data = data.copy() if data is not None else QueryDict(mutable=True)
        if not data.get("status"):
            data["status"] = MemberStatus.ACTIVE
        super().__init__(data, queryset, **kwargs)

    def filter_queryset(self, queryset: QuerySet[Membership]) -> QuerySet[Membership]:
        queryset = super().filter_queryset(queryset)
        if "status" not in self.form.cleaned_data:  # a status that does not exist: the default
            queryset = queryset.filter(is_active=True)
        return queryset

    def filter_name_or_email(self, queryset: QuerySet[Membership], name: str, value: str) -> QuerySet[Membership]:
        return queryset.filter(Q(user__full_name__icontains=value) | Q(user__email__icontains=value))

    def filter_role(self, queryset: QuerySet[Membership], name: str, value: str) -> QuerySet[Membership]:
        return queryset.filter(**{f"is_{value}": True})

    def filter_status(self, queryset: QuerySet[Membership], name: str, value: str) -> QuerySet[Membership]:
        if value == MemberStatus.EVERYONE:
            return queryset
        return queryset.filter(is_active=value == MemberStatus.ACTIVE)
