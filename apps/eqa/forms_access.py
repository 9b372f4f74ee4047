"""Forms of the grant pages and the access log. They check the shape of what was typed; the
rules of a grant (the AO's qualifications, learners on them, at most a year) are the service's."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone

from apps.core.validators import date_from_1900, visible_name, visible_text
from apps.core.widgets import DateInput
from apps.learners.models import Learner
from apps.learners.rules import qualification_name
from apps.qualifications.models import Qualification

from .grants import GrantTerms, grantable_learners, grantable_qualifications, terms_problems


class QualificationChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, qualification: Qualification) -> str:
        return f"{qualification_name(qualification)} · {qualification.awarding_organisation}"


class LearnerChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, learner: Learner) -> str:
        return learner.full_name


class GrantForm(forms.Form):
    email = forms.EmailField(label="EQA's email address", max_length=254,
                             help_text="Someone new is invited by email; a member of the centre gets the access at once.")
    full_name = forms.CharField(label="EQA's full name", max_length=200, validators=[visible_name])
    awarding_organisation = forms.ChoiceField(label="Awarding organisation they act for",
                                              choices=[("", "Choose one"), *Qualification.AwardingOrganisation.choices])
    qualifications = QualificationChoices(
        label="Qualifications they may see", queryset=Qualification.objects.none(), widget=forms.CheckboxSelectMultiple,
        help_text="Only qualifications of the awarding organisation above, which the centre has learners on.",
        error_messages={"required": "Choose at least one qualification the EQA may see.",
                        "invalid_choice": "Choose qualifications from the list."},
    )
    learners = LearnerChoices(
        label="Only these learners (optional)", queryset=Learner.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked for every learner on the qualifications.",
        error_messages={"invalid_choice": "Choose learners from the list."},
    )
    starts_on = forms.DateField(label="Access starts on", widget=DateInput(), validators=[date_from_1900])
    ends_on = forms.DateField(label="Access ends on", widget=DateInput(), validators=[date_from_1900],
                              help_text="At most a year after the start. The access ends by itself after this day.",
                              error_messages={"required": "Choose the day the access ends."})

    def __init__(self, *args: Any, centre_id: int, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"starts_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.centre_id = centre_id
        self.fields["qualifications"].queryset = grantable_qualifications(centre_id)
        self.fields["learners"].queryset = grantable_learners(centre_id)

    def clean(self) -> dict[str, Any]:
        """Every problem at once: the service's rules on whatever was typed well, beside its field
        (the service checks them again when the grant is made)."""
        data = super().clean()
        today = timezone.localdate()
        terms = GrantTerms(
            email="", full_name="", awarding_organisation=data.get("awarding_organisation", ""),
            qualifications=list(data.get("qualifications") or []), learners=list(data.get("learners") or []),
            starts_on=data.get("starts_on") or today, ends_on=data.get("ends_on") or data.get("starts_on") or today,
        )
        for field, message in terms_problems(self.centre_id, terms, today).items():
            if field in self.fields and field not in self.errors and field in data:
                self.add_error(field, message)
        return data

    def terms(self) -> GrantTerms:
        data = self.cleaned_data
        return GrantTerms(
            email=data["email"], full_name=data["full_name"], awarding_organisation=data["awarding_organisation"],
            qualifications=list(data["qualifications"]), learners=list(data["learners"]),
            starts_on=data["starts_on"], ends_on=data["ends_on"],
        )


class EndForm(forms.Form):
    reason = forms.CharField(
        label="Why the access ends early", max_length=500, validators=[visible_text],
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say why the access ends early: the centre's audit trail keeps it."},
    )


class LogFilterForm(forms.Form):
    """The access log's filters: whose visits, and between which days."""

    user = forms.TypedChoiceField(label="EQA", coerce=int, required=False, empty_value=None)
    date_from = forms.DateField(label="From", widget=DateInput(), required=False, validators=[date_from_1900])
    date_to = forms.DateField(label="To", widget=DateInput(), required=False, validators=[date_from_1900])

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", "Any EQA"), *people]
        self.fields["user"].error_messages["invalid_choice"] = "Choose an EQA from the list."

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start: date | None = data.get("date_from")
        end: date | None = data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end date is before the start date.")
        return data
