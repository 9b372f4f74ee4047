"""Forms of the people pages: an assessor's profile, recording a trainee's qualifying, setting a
band by hand, and the lead IQA's allocations. The rules are the services'; forms read input."""

from __future__ import annotations

from typing import Any

from django import forms

from apps.core.validators import date_from_1900, visible_name, visible_text
from apps.core.widgets import DateInput

from .models import AssessorProfile, Band
from .profiles import ProfileDetails

Status = AssessorProfile.Status
NOBODY = ""


def _required(message: str) -> dict[str, str]:
    return {"required": message}


class ProfileForm(forms.Form):
    status = forms.ChoiceField(label="Status", choices=Status.choices)
    assessor_qualification = forms.CharField(
        label="Assessor qualification held", max_length=200, required=False, validators=[visible_name],
        help_text="For example: Level 3 Certificate in Assessing Vocational Achievement.",
    )
    qualified_on = forms.DateField(label="Date qualified", required=False, widget=DateInput(),
                                   validators=[date_from_1900])
    qualify_by = forms.DateField(label="Must qualify by (trainees)", required=False, widget=DateInput(),
                                 validators=[date_from_1900],
                                 help_text="Centre convention: within 18 months of starting as a trainee.")
    occupational_competence = forms.CharField(
        label="Occupational competence", required=False, validators=[visible_text],
        widget=forms.Textarea(attrs={"rows": 3}), help_text="Their experience in the sector they assess.",
    )
    cpd_notes = forms.CharField(label="CPD notes", required=False, validators=[visible_text],
                                widget=forms.Textarea(attrs={"rows": 3}),
                                help_text="Training and updating, with dates.")

    def __init__(self, *args: Any, profile: AssessorProfile, **kwargs: Any):
        kwargs.setdefault("initial", {field: getattr(profile, field) for field in (
            "status", "assessor_qualification", "qualified_on", "qualify_by", "occupational_competence", "cpd_notes")})
        super().__init__(*args, **kwargs)
        # A trainee stays a trainee until "Record that they qualified"; nobody becomes one here
        # (an admin marks trainee assessors on their roles).
        if profile.status == Status.TRAINEE:
            self.fields["status"].choices = [(Status.TRAINEE, Status.TRAINEE.label)]
        else:
            self.fields["status"].choices = [c for c in Status.choices if c[0] != Status.TRAINEE]

    def details(self) -> ProfileDetails:
        return ProfileDetails(**self.cleaned_data)


class QualifiedForm(forms.Form):
    qualification = forms.CharField(
        label="Assessor qualification achieved", max_length=200, validators=[visible_name],
        error_messages=_required("Name the assessor qualification they achieved."),
    )
    qualified_on = forms.DateField(label="Date qualified", widget=DateInput(), validators=[date_from_1900],
                                   error_messages=_required("Give the date they qualified."))

    prefix = "qualified"


class OverrideForm(forms.Form):
    band = forms.ChoiceField(label="Band", choices=[("", "Choose a band")] + list(Band.choices),
                             error_messages=_required("Choose the band: high, medium or low risk."))
    reason = forms.CharField(label="Why", widget=forms.Textarea(attrs={"rows": 2}), validators=[visible_text],
                             error_messages=_required("Say why you are setting the band by hand."))
    review_on = forms.DateField(label="Review by", widget=DateInput(), validators=[date_from_1900],
                                error_messages=_required("Give the date to review this band by."),
                                help_text="The band returns to the one Attest derives after this date.")

    prefix = "override"


class OverrideEndForm(forms.Form):
    reason = forms.CharField(label="Why end it now (optional)", required=False, max_length=300,
                             validators=[visible_name])

    prefix = "end"


class AllocationsForm(forms.Form):
    """One choice of IQA per assessor, all saved at once."""

    def __init__(self, *args: Any, rows: list[Any], iqas: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            choices = [(NOBODY, "Nobody yet")] + [(str(u.pk), u.full_name or u.email) for u in iqas
                                                 if u.pk != row.assessor.pk]
            self.fields[f"assessor_{row.assessor.pk}"] = forms.ChoiceField(
                label=f"IQA for {row.assessor.full_name or row.assessor.email}", choices=choices, required=False,
                initial=str(row.iqa_id) if row.iqa_id else NOBODY,
            )

    def choices(self) -> dict[int, int | None]:
        return {int(name.removeprefix("assessor_")): int(value) if value else None
                for name, value in self.cleaned_data.items()}

    def bound_rows(self) -> list[tuple[Any, Any]]:
        return [(row, self[f"assessor_{row.assessor.pk}"]) for row in self.rows]
