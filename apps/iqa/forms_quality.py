"""Forms of the coverage page's period picker, observations of practice and standardisation
meetings. They check the shape of what was typed; the services check the rules."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from apps.core.validators import date_from_1900, visible_name, visible_text
from apps.core.widgets import DateInput
from apps.evidence.models import Evidence

from .checks import ANSWERS
from .models import PracticeObservation
from .quality import JUDGEMENTS, OBSERVATION_CHECKS, ActionInput, JudgementInput, MeetingInput, ObservationInput

ACTION_ROWS = 3  # blank actions offered on a form; enough for one sitting, no JavaScript needed
LONGEST_PERIOD_DAYS = 3 * 366


class PeriodForm(forms.Form):
    """The coverage page's choices: the period, the qualification of the grids, a learner filter."""

    start = forms.DateField(label="From", widget=DateInput(), required=False, validators=[date_from_1900])
    end = forms.DateField(label="To", widget=DateInput(), required=False, validators=[date_from_1900])
    qualification = forms.TypedChoiceField(label="Qualification", coerce=int, required=False, empty_value=None)
    learner = forms.CharField(label="Learner's name contains", required=False, max_length=100)
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, qualifications: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["qualification"].choices = qualifications

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if (start is None) != (end is None) and not self.errors:
            raise forms.ValidationError("Give both the first and the last day of the period, or neither.")
        if start and end:
            if end < start:
                raise forms.ValidationError("The period ends before it starts: swap the dates.")
            if (end - start).days > LONGEST_PERIOD_DAYS:
                raise forms.ValidationError("Choose a period of three years or less.")
        return data


def _action_fields(form: forms.Form, *, owners: list[tuple[str, str]] | None = None) -> None:
    for n in range(1, ACTION_ROWS + 1):
        if owners is not None:
            form.fields[f"action_{n}_owner"] = forms.TypedChoiceField(
                label=f"Action {n}: for", choices=[("", "Choose who")] + owners, coerce=int, required=False,
                empty_value=None,
            )
        form.fields[f"action_{n}_text"] = forms.CharField(
            label=f"Action {n}: what must be done", required=False, max_length=2000,
            widget=forms.Textarea(attrs={"rows": 2}), validators=[visible_text],
        )
        form.fields[f"action_{n}_due"] = forms.DateField(label=f"Action {n}: due by", required=False,
                                                         widget=DateInput(), validators=[date_from_1900])


def _actions(form: forms.Form) -> list[ActionInput]:
    """The action rows with anything typed in them (a half-filled row is the service's to refuse)."""
    rows = []
    for n in range(1, ACTION_ROWS + 1):
        text = form.cleaned_data.get(f"action_{n}_text") or ""
        due = form.cleaned_data.get(f"action_{n}_due")
        owner = form.cleaned_data.get(f"action_{n}_owner")
        if text.strip() or due or owner:
            rows.append(ActionInput(text=text, due_on=due, owner_id=owner))
    return rows


class ObservationForm(forms.Form):
    assessor = forms.TypedChoiceField(label="Assessor observed", coerce=int, empty_value=None)
    observed_on = forms.DateField(label="Date of the observation", widget=DateInput(), initial=timezone.localdate,
                                  validators=[date_from_1900])
    activity = forms.CharField(
        label="What was observed", max_length=200, validators=[visible_name],
        help_text="For example: an observation of a learner handling a customer complaint.",
    )
    method = forms.ChoiceField(label="Assessment method", choices=[("", "Not given")] + Evidence.Method.choices,
                               required=False)
    outcome = forms.ChoiceField(label="Outcome", choices=PracticeObservation.Outcome.choices,
                                widget=forms.RadioSelect)
    notes = forms.CharField(label="Notes and feedback to the assessor", required=False, max_length=20000,
                            widget=forms.Textarea(attrs={"rows": 5}), validators=[visible_text])
    signed_name = forms.CharField(
        label="Type your full name to sign", max_length=200, validators=[visible_name],
        help_text="By typing your name you sign this record as a true account of what you observed.",
    )

    def __init__(self, *args, assessors: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessor"].choices = [("", "Choose the assessor")] + assessors
        for check in OBSERVATION_CHECKS:
            self.fields[f"check_{check.key}"] = forms.ChoiceField(
                label=check.label, help_text=check.question, choices=list(ANSWERS.items()), widget=forms.RadioSelect,
                error_messages={"required": f"Answer “{check.label}”: yes, no or not applicable."},
            )
            self.fields[f"check_{check.key}_comment"] = forms.CharField(
                label=f"Comment on {check.label.lower()}", required=False, max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}), validators=[visible_text],
            )
        _action_fields(self)

    def about_fields(self):
        return [self[name] for name in ("assessor", "observed_on", "activity", "method")]

    def check_rows(self):
        return [(check, self[f"check_{check.key}"], self[f"check_{check.key}_comment"]) for check in OBSERVATION_CHECKS]

    def action_rows(self):
        return [(n, None, self[f"action_{n}_text"], self[f"action_{n}_due"]) for n in range(1, ACTION_ROWS + 1)]

    def to_input(self) -> ObservationInput:
        data = self.cleaned_data
        return ObservationInput(
            assessor_id=data["assessor"], observed_on=data["observed_on"], activity=data["activity"],
            method=data.get("method") or "",
            checklist={c.key: {"answer": data[f"check_{c.key}"], "comment": data.get(f"check_{c.key}_comment") or ""}
                       for c in OBSERVATION_CHECKS},
            outcome=data["outcome"], notes=data.get("notes") or "", signed_name=data["signed_name"],
            actions=_actions(self),
        )


class MeetingForm(forms.Form):
    held_on = forms.DateField(label="Date of the meeting", widget=DateInput(), initial=timezone.localdate,
                              validators=[date_from_1900])
    qualification = forms.TypedChoiceField(label="Qualification", coerce=int, empty_value=None)
    unit = forms.TypedChoiceField(label="Unit (if the exemplar is from one unit)", coerce=int, required=False,
                                  empty_value=None)
    facilitator = forms.TypedChoiceField(label="Facilitator", coerce=int, empty_value=None)
    exemplar = forms.CharField(label="Exemplar used", max_length=5000, widget=forms.Textarea(attrs={"rows": 3}),
                               validators=[visible_text],
                               help_text="The piece of work everyone judged, and where it is kept.")
    agreed_judgement = forms.ChoiceField(label="Judgement the meeting agreed", choices=list(JUDGEMENTS.items()),
                                         widget=forms.RadioSelect)
    notes = forms.CharField(label="Minutes", required=False, max_length=50000, widget=forms.Textarea(attrs={"rows": 6}),
                            validators=[visible_text],
                            help_text="Actions from the last meeting, feedback discussed, updates, what was decided.")

    def __init__(self, *args, qualifications: list[tuple[int, str]], units: list[tuple[str, list[tuple[int, str]]]],
                 people: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.people = people
        self.fields["qualification"].choices = [("", "Choose the qualification")] + qualifications
        self.fields["unit"].choices = [("", "The whole qualification")] + units
        self.fields["facilitator"].choices = [("", "Choose who")] + people
        for pk, name in people:
            self.fields[f"judgement_{pk}"] = forms.ChoiceField(
                label=f"{name}'s judgement", required=False,
                choices=[("", "Did not attend")] + list(JUDGEMENTS.items()),
            )
            self.fields[f"judgement_{pk}_comment"] = forms.CharField(
                label=f"{name}'s reasons", required=False, max_length=2000, validators=[visible_text],
            )
        _action_fields(self, owners=[(str(pk), name) for pk, name in people])

    def about_fields(self):
        return [self[name] for name in ("held_on", "qualification", "unit", "facilitator", "exemplar")]

    def attendee_rows(self):
        return [(name, self[f"judgement_{pk}"], self[f"judgement_{pk}_comment"]) for pk, name in self.people]

    def action_rows(self):
        return [(n, self[f"action_{n}_owner"], self[f"action_{n}_text"], self[f"action_{n}_due"])
                for n in range(1, ACTION_ROWS + 1)]

    def to_input(self) -> MeetingInput:
        data = self.cleaned_data
        judgements = [
            JudgementInput(pk, data[f"judgement_{pk}"], data.get(f"judgement_{pk}_comment") or "")
            for pk, _ in self.people if data.get(f"judgement_{pk}")
        ]
        return MeetingInput(
            held_on=data["held_on"], qualification_id=data["qualification"], unit_id=data.get("unit"),
            facilitator_id=data["facilitator"], exemplar=data["exemplar"], agreed_judgement=data["agreed_judgement"],
            judgements=judgements, notes=data.get("notes") or "", actions=_actions(self),
        )

