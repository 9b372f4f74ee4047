"""The caseload's filters and sort. Its rows are worked out in Python, so a plain form reads the
choices; input that does not make sense gets a message and is not applied."""

from __future__ import annotations

from typing import Any, NamedTuple

from django import forms
from django.http import QueryDict

# The red / amber / green colours of `rag.Rag`, as the filter offers them.
RAG_CHOICES = [
    ("red", "Red: well behind plan"),
    ("amber", "Amber: behind plan"),
    ("green", "Green: on track"),
]


class Column(NamedTuple):
    key: str  # a key of `selectors.SORTS`
    label: str
    descending: bool  # most first: the longest wait, the latest activity


COLUMNS = (
    Column("learner", "Learner", False),
    Column("qualification", "Qualification", False),
    Column("progress", "Progress", False),
    Column("waiting", "Waiting", True),
    Column("oldest", "Oldest waiting", True),
    Column("activity", "Last activity", True),
    Column("end", "Planned end", False),
    Column("status", "Status", False),
)
DEFAULT_SORT = "status"


class CaseloadFilterForm(forms.Form):
    q = forms.CharField(
        label="Learner or qualification", required=False, max_length=200, widget=forms.SearchInput(),
        error_messages={"max_length": "Search for at most 200 characters."},
    )
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *RAG_CHOICES],
        error_messages={"invalid_choice": "There is no such status: choose red, amber or green."},
    )
    waiting = forms.BooleanField(
        label="Only learners with evidence waiting", label_suffix="", required=False,
        widget=forms.CheckboxInput(attrs={"value": "1"}),  # keeps the address as it was: ?waiting=1
    )
    sort = forms.ChoiceField(
        required=False, choices=[(column.key, column.label) for column in COLUMNS], widget=forms.HiddenInput,
        error_messages={"invalid_choice": "The list cannot be sorted that way: it is sorted by status."},
    )

    def __init__(self, data=None, **kwargs):
        # Always bound: no sort chosen means by status, and the hidden field carries it on.
        data = data.copy() if data is not None else QueryDict(mutable=True)
        if not data.get("sort"):
            data["sort"] = DEFAULT_SORT
        super().__init__(data, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # The sort travels in a hidden field, where no message would show: say it above the form,
        # and let the field carry the sort the list does use.
        if "sort" in self.errors:
            for error in self.errors["sort"]:
                self.add_error(None, error)
            self.data["sort"] = DEFAULT_SORT
        return cleaned

    def applied(self) -> dict[str, Any]:
        """What to filter and sort by, leaving out whatever did not make sense."""
        self.is_valid()
        return {
            "q": self.cleaned_data.get("q", ""),
            "status": self.cleaned_data.get("status", ""),
            "waiting_only": self.cleaned_data.get("waiting", False),
            "sort": self.cleaned_data.get("sort") or DEFAULT_SORT,
        }
