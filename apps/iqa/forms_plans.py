"""Forms of the plan pages: generate a plan, add a sample by hand, drop one."""

from __future__ import annotations

from django import forms

from apps.core.validators import date_from_1900, visible_text

from .models import PlanItem, Stage

KIND_CHOICES = [
    (PlanItem.Reason.MANUAL.value, "My own choice"),
    (PlanItem.Reason.CONCERN.value, "A concern raised (a complaint, something noticed)"),
    (PlanItem.Reason.EQA_REQUEST.value, "The external quality assurer asked for it"),
]


class GenerateForm(forms.Form):
    period_start = forms.DateField(
        label="Period starting on", required=False, validators=[date_from_1900],
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave empty for the current period. The strategy sets how many months a period lasts.",
    )
    seed = forms.IntegerField(
        label="Seed", required=False, min_value=0, max_value=2**63 - 1,
        help_text="Leave empty: Attest picks one and keeps it. The same seed and facts give the same plan.",
    )


class AddItemForm(forms.Form):
    enrolment = forms.ChoiceField(label="Learner")
    unit = forms.CharField(label="Unit number", max_length=20, validators=[visible_text],
                           help_text="As printed in the specification, for example 301.")
    stage = forms.ChoiceField(label="Stage", choices=Stage.choices, widget=forms.RadioSelect,
                              initial=Stage.SUMMATIVE.value)
    kind = forms.ChoiceField(label="Why", choices=KIND_CHOICES, widget=forms.RadioSelect,
                             initial=PlanItem.Reason.MANUAL.value)
    reason = forms.CharField(label="Reason", max_length=2000, validators=[visible_text],
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="Kept with the sample: say what prompted it.")

    def __init__(self, *args, enrolments: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["enrolment"].choices = [("", "Choose a learner")] + enrolments


class DropItemForm(forms.Form):
    reason = forms.CharField(label="Reason for dropping it", max_length=2000, validators=[visible_text],
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="Kept with the plan, for example: the learner withdrew.")
