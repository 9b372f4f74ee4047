"""Forms of the ready-to-claim page, the claim settings and a learner's registration facts. They
read what was typed; the services (apps/certification/settings.py) check the rules."""

from __future__ import annotations

from django import forms

from apps.core.validators import date_from_1900, visible_name
from apps.core.widgets import DateInput
from apps.learners.models import Enrolment

from .models import AO
from .settings import MAX_NAME, MAX_NUMBER, ApprovalFacts, RegistrationFacts


class ReadyFilterForm(forms.Form):
    awarding_organisation = forms.ChoiceField(label="Awarding organisation", required=False)
    qualification = forms.ChoiceField(label="Qualification", required=False)
    page = forms.IntegerField(required=False, min_value=1, max_value=100_000, widget=forms.HiddenInput)

    def __init__(self, *args, qualifications: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["awarding_organisation"].choices = [("", "All")] + list(AO.choices)
        self.fields["qualification"].choices = [("", "All")] + qualifications
        for name in ("awarding_organisation", "qualification"):
            self.fields[name].error_messages["invalid_choice"] = "Choose from the list."


class AONumberForm(forms.Form):
    awarding_organisation = forms.ChoiceField(label="Awarding organisation", choices=AO.choices,
                                              error_messages={"invalid_choice": "Choose from the list."})
    centre_number = forms.CharField(
        label="The centre's number with it", max_length=MAX_NUMBER, validators=[visible_name],
        error_messages={"required": "Type the centre's number with the awarding organisation: it cannot be empty."},
    )


class ApprovalForm(forms.Form):
    """One qualification's approval; the page shows one per qualification, each with its prefix."""

    ao_course_code = forms.CharField(label="AO course code", required=False, max_length=MAX_NUMBER,
                                     validators=[visible_name])
    has_dcs = forms.BooleanField(label="The centre holds Direct Claims Status for it", required=False)
    dcs_since = forms.DateField(label="Direct Claims Status since", required=False, widget=DateInput(),
                                validators=[date_from_1900])

    def facts(self) -> ApprovalFacts:
        data = self.cleaned_data
        return ApprovalFacts(ao_course_code=data["ao_course_code"], has_dcs=data["has_dcs"],
                             dcs_since=data["dcs_since"])


class RegistrationForm(forms.Form):
    registration_number = forms.CharField(label="Registration number", required=False, max_length=MAX_NUMBER,
                                          validators=[visible_name])
    registered_on = forms.DateField(label="Date registered", required=False, widget=DateInput(),
                                    validators=[date_from_1900])
    start_date = forms.DateField(label="Learner start date", widget=DateInput(), validators=[date_from_1900],
                                 help_text="The date learning for the qualification began, as the awarding "
                                           "organisation is told.",
                                 error_messages={"required": "Give the date learning began."})
    funding_status = forms.ChoiceField(label="Funding", required=False,
                                       choices=[("", "Not known")] + list(Enrolment.Funding.choices),
                                       error_messages={"invalid_choice": "Choose funded or not funded."})
    registered_name = forms.CharField(label="Legal name as registered", required=False, max_length=MAX_NAME,
                                      validators=[visible_name])
    registered_date_of_birth = forms.DateField(label="Date of birth as registered", required=False,
                                               widget=DateInput(), validators=[date_from_1900])

    def __init__(self, *args, start_date_locked: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if start_date_locked:
            # Shown, never sent: the service refuses a change anyway.
            self.fields["start_date"].disabled = True

    def facts(self) -> RegistrationFacts:
        return RegistrationFacts(**self.cleaned_data)
