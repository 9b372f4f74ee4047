"""The batch pages' forms. They read what was typed; whether it may be done is the services' word
(apps/certification/batches.py)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict

from apps.core.validators import date_from_1900, visible_name, visible_text

from .models import ClaimOutcome

MAX_CHOSEN = 2000  # learners in one send of the ready page: a college's largest batch, with room


def chosen_enrolments(data: QueryDict) -> list[int]:
    """The enrolment ids ticked on the ready page (or the batch page's "add learners" list)."""
    values = data.getlist("enrolments")
    if not values:
        raise ValidationError("Choose at least one learner to claim for.")
    if len(values) > MAX_CHOSEN:
        raise ValidationError(f"Choose at most {MAX_CHOSEN} learners at once.")
    ids = []
    for value in values:
        if not value.isascii() or not value.isdigit() or not 0 < int(value) < 2**31:
            raise ValidationError("Choose learners from the list.")
        ids.append(int(value))
    return ids


def _signature(label: str) -> forms.CharField:
    return forms.CharField(label=label, max_length=200, validators=[visible_name],
                           error_messages={"required": "Type your full name to sign."})


class DeclareForm(forms.Form):
    signed_name = _signature("Type your full name to sign the declaration")


class AuthoriseForm(forms.Form):
    signed_name = _signature("Type your full name to authorise the claim")


class EQAForm(forms.Form):
    APPROVE, QUERY = "approve", "query"

    decision = forms.ChoiceField(label="Your decision", widget=forms.RadioSelect, choices=[
        (APPROVE, "Sign the claim off: it may go to the awarding organisation"),
        (QUERY, "Query it: the centre must look at something first"),
    ], error_messages={"required": "Choose whether you sign the claim off or query it."})
    note = forms.CharField(label="Note to the centre", required=False, validators=[visible_text],
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="Needed for a query: say what the centre must look at.")
    signed_name = _signature("Type your full name to sign")


class SubmitForm(forms.Form):
    ao_reference = forms.CharField(label="The AO's order or batch reference (if it gave one)", required=False,
                                   max_length=100, validators=[visible_name])


class OutcomeForm(forms.Form):
    status = forms.ChoiceField(label="What the AO said", choices=ClaimOutcome.Status.choices,
                               error_messages={"required": "Choose what the AO said: certificated, queried or rejected.",
                                               "invalid_choice": "Choose what the AO said: certificated, queried or "
                                                                 "rejected."})
    certificate_number = forms.CharField(label="AO certificate number", required=False, max_length=100,
                                         validators=[visible_name])
    certificate_date = forms.DateField(
        label="Date on the certificate", required=False, validators=[date_from_1900],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "The certificate date is not a date: write it as year-month-day, for example "
                                   "2026-03-31."},
    )
    reason = forms.CharField(label="Why (for a query or a rejection)", required=False, validators=[visible_text],
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, line_id: int, **kwargs) -> None:
        super().__init__(*args, prefix=f"line-{line_id}", **kwargs)
