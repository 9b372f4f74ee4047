from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Count

from apps.centres.models import Centre
from apps.core.validators import date_from_1900, visible_name
from apps.core.widgets import DateInput
from apps.qualifications.models import Qualification, Unit

from .models import PriorAchievement
from .rules import qualification_closed_reason
from .uln import normalise_uln, uln_problem

User = get_user_model()
DATE = DateInput()


class LearnerForm(forms.Form):
    full_name = forms.CharField(label="Full name", max_length=200, validators=[visible_name])
    email = forms.EmailField(label="Email address", help_text="The invitation to sign in goes to this address.")
    date_of_birth = forms.DateField(label="Date of birth", required=False, widget=DATE, validators=[date_from_1900])
    uln = forms.CharField(
        label="Unique Learner Number (ULN)",
        required=False,
        max_length=20,
        help_text="10 digits, from the Learning Records Service. Leave empty if the learner has none yet.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    mis_reference = forms.CharField(label="MIS reference", required=False, max_length=50)

    def clean_uln(self) -> str:
        uln = normalise_uln(self.cleaned_data["uln"])
        if uln:
            problem = uln_problem(uln)
            if problem:
                raise forms.ValidationError(problem)
        return uln


class StaffChoice(forms.ModelChoiceField):
    def label_from_instance(self, user) -> str:
        return f"{user.full_name or user.email} ({user.email})"


class StaffMultipleChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user) -> str:
        return f"{user.full_name or user.email} ({user.email})"


class QualificationSelect(forms.Select):
    """A qualification with no units is listed, so people see it exists, but cannot be chosen."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if getattr(getattr(value, "instance", None), "unit_count", None) == 0:
            option["attrs"]["disabled"] = True
        return option


class QualificationChoice(forms.ModelChoiceField):
    widget = QualificationSelect

    def label_from_instance(self, qualification: Qualification) -> str:
        units = qualification.unit_count  # annotated by the queryset below
        if units == 0:
            closed = " (no units: cannot be enrolled on)"
        elif qualification_closed_reason(qualification, self.today, unit_count=units):
            closed = " (no new enrolments)"
        else:
            closed = ""
        return f"{qualification.number} {qualification.title.strip()} · {qualification.awarding_organisation}{closed}"


def _staff(centre: Centre, flag: str):
    return (
        User.objects.filter(memberships__centre=centre, memberships__is_active=True, **{f"memberships__{flag}": True})
        .order_by("full_name", "email")
        .distinct()
    )


class EnrolmentDetailsForm(forms.Form):
    registration_number = forms.CharField(
        label="Awarding organisation registration number", required=False, max_length=50
    )
    start_date = forms.DateField(label="Start date", widget=DATE, validators=[date_from_1900])
    planned_end_date = forms.DateField(label="Planned end date", widget=DATE, validators=[date_from_1900])
    assessors = StaffMultipleChoice(
        label="Assessors",
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Members of the centre with the assessor role.",
    )
    iqa = StaffChoice(
        label="Internal quality assurer",
        queryset=User.objects.none(),
        required=False,
        empty_label="Not chosen yet",
        help_text="Members of the centre with the IQA role.",
    )

    def __init__(self, *args, centre: Centre, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessors"].queryset = _staff(centre, "is_assessor")
        self.fields["iqa"].queryset = _staff(centre, "is_iqa")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("planned_end_date")
        if start and end and end < start:
            self.add_error("planned_end_date", "The planned end date must be on or after the start date.")
        return cleaned


class EnrolmentCreateForm(EnrolmentDetailsForm):
    qualification = QualificationChoice(
        label="Qualification",
        # How many units each has: one with none cannot be enrolled on (learners/rules.py).
        queryset=Qualification.objects.filter(is_current=True).annotate(unit_count=Count("units")).order_by("number"),
        empty_label="Choose a qualification",
    )

    field_order = ["qualification", "registration_number", "start_date", "planned_end_date", "assessors", "iqa"]

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["qualification"].today = today


class PriorAchievementForm(forms.Form):
    unit = forms.ModelChoiceField(label="Unit", queryset=Unit.objects.none(), empty_label="Choose a unit")
    route = forms.ChoiceField(label="Route", choices=PriorAchievement.Route.choices)
    reference = forms.CharField(
        label="Reference",
        max_length=200,
        help_text="Certificate number and awarding organisation, or the RPL record this rests on.",
        validators=[visible_name],
    )
    achieved_on = forms.DateField(label="Date achieved", required=False, widget=DATE, validators=[date_from_1900])

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["unit"].label_from_instance = lambda unit: f"Unit {unit.number} {unit.title} ({unit.credits} credits)"


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Exported from your MIS, with a heading row. See the columns Attest reads below.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


class ImportApplyForm(forms.Form):
    only_good_rows = forms.BooleanField(
        label="Import only the good rows and leave out the rows with problems", required=False
    )
