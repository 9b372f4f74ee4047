"""The strategy form: every rule of apps/iqa/rules.py as a field. The form reads numbers and
choices; whether they make a sound strategy is rules.errors(), said by the service."""

from __future__ import annotations

from typing import Any

from django import forms

from apps.core.validators import visible_name, visible_text
from apps.evidence.models import Evidence

from . import rules

BAND_FIELD_LABELS = {
    "learner_share": "Learners sampled each period (%)",
    "unit_share": "Units of each sampled learner (%)",
    "interim_share": "Of those samples, interim (%)",
    "observations_per_year": "Observations of practice a year",
}


def _whole(label: str) -> forms.IntegerField:
    return forms.IntegerField(label=label, error_messages={"required": f"{label}: give a whole number.",
                                                           "invalid": f"{label}: give a whole number."},
                              widget=forms.NumberInput(attrs={"inputmode": "numeric"}))


class StrategyForm(forms.Form):
    period_months = _whole("Planning period (months)")
    trainee_first_decision_per_unit = forms.BooleanField(
        label="Sample every trainee's first decision in each unit", required=False)
    summative_per_assessor_unit_months = _whole("At least one summative sample per assessor and unit every (months)")
    every_learner_before_claim = forms.BooleanField(label="Sample every learner before their claim", required=False)
    methods_must_cover = forms.MultipleChoiceField(
        label="Assessment methods each assessor's samples must cover", required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(value, label) for value, label in Evidence.Method.choices if value in rules.METHODS],
    )
    rationale = forms.CharField(label="Rationale", required=False, validators=[visible_text],
                                widget=forms.Textarea(attrs={"rows": 3}),
                                help_text="Why these figures: the risks they answer, what they are based on.")

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for band in rules.BANDS:
            for field in rules.BAND_FIELDS:
                self.fields[f"{band}__{field}"] = _whole(f"{rules.BAND_WORDS[band]}: {BAND_FIELD_LABELS[field]}")

    @staticmethod
    def initial_for(values: dict[str, Any], rationale: str) -> dict[str, Any]:
        initial = {key: values.get(key) for key in (
            "period_months", "trainee_first_decision_per_unit", "summative_per_assessor_unit_months",
            "every_learner_before_claim", "methods_must_cover")}
        for band in rules.BANDS:
            for field in rules.BAND_FIELDS:
                initial[f"{band}__{field}"] = (values.get("bands") or {}).get(band, {}).get(field)
        return initial | {"rationale": rationale}

    def rules(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "period_months": data["period_months"],
            "bands": {band: {field: data[f"{band}__{field}"] for field in rules.BAND_FIELDS} for band in rules.BANDS},
            "trainee_first_decision_per_unit": data["trainee_first_decision_per_unit"],
            "summative_per_assessor_unit_months": data["summative_per_assessor_unit_months"],
            "every_learner_before_claim": data["every_learner_before_claim"],
            "methods_must_cover": list(data["methods_must_cover"]),
        }

    def band_rows(self) -> list[tuple[str, list[Any]]]:
        """The band fields as a table: one row per band."""
        return [(rules.BAND_WORDS[band], [self[f"{band}__{field}"] for field in rules.BAND_FIELDS])
                for band in rules.BANDS]

    def other_fields(self) -> list[Any]:
        return [self[name] for name in ("period_months", "summative_per_assessor_unit_months",
                                        "trainee_first_decision_per_unit", "every_learner_before_claim",
                                        "methods_must_cover", "rationale")]


class ApproveForm(forms.Form):
    signed_name = forms.CharField(label="Type your full name to approve and sign", max_length=200,
                                  validators=[visible_name],
                                  error_messages={"required": "Type your full name to sign."})


class NewDraftForm(forms.Form):
    qualification = forms.ChoiceField(label="For", required=False)

    def __init__(self, *args: Any, qualifications: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["qualification"].choices = [("", "Every qualification (the centre default)")] + [
            (str(q.pk), f"{q.number} {q.title}") for q in qualifications]

    def qualification_id(self) -> int | None:
        value = self.cleaned_data["qualification"]
        return int(value) if value else None
