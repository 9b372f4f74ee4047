"""Forms of the assessment pages.

The evidence page's grid has a row per criterion of the qualification (hundreds), so it is
read by `AssessmentForm` from plain field names rather than declared fields:
`map` (criteria ticked), `suggestion-<id>` ("confirm" / "reject"), `judge-<id>` ("met" /
"not_yet_met"), `feedback-<id>`, `cover` (requirements ticked), plus the declared
`outcome`, `feedback` and `signed_name`.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.http import QueryDict

from apps.core.validators import visible_name, visible_text

from .models import Decision, EvidenceAssessment
from .pages import EnteredAssessment
from .services import EvidenceJudgement, Judgement

SIGNATURE_HELP = "Typing your name signs this with the date, time and your computer's address."


class SignatureField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Your full name, to sign")
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("help_text", SIGNATURE_HELP)
        kwargs.setdefault("error_messages", {"required": "Type your full name to sign."})
        kwargs.setdefault("validators", [visible_name])
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("autocomplete", "name")


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=[
            (EvidenceAssessment.Outcome.ACCEPTED, "Accept the evidence"),
            (EvidenceAssessment.Outcome.REFERRED, "Refer it back to the learner to change and resubmit"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to accept the evidence or refer it back to the learner."},
    )
    feedback = forms.CharField(
        label="Overall feedback to the learner", required=False, widget=forms.Textarea(attrs={"rows": 4}),
        validators=[visible_text],
        help_text="Needed when you refer the evidence back: say what to change.",
    )
    signed_name = SignatureField()


def _ids(values: list[str]) -> list[int]:
    out = []
    for v in values:
        try:
            out.append(int(v))
        except (TypeError, ValueError):
            continue
    return out


class AssessmentForm:
    """The whole evidence page in one post: suggestions, mapping grid, judgements, requirements,
    outcome and signature."""

    def __init__(self, data: QueryDict | None = None, *, criterion_ids: set[int], suggested_ids: set[int],
                 requirement_ids: set[int], labels: Callable[[int], str]):
        self.data = data
        self.criterion_ids = criterion_ids
        self.suggested_ids = suggested_ids
        self.requirement_ids = requirement_ids
        self.labels = labels  # a criterion's name in messages ("Unit 01, 1.1"), asked only on an error
        self.outcome_form = OutcomeForm(data, prefix=None)
        self.entered = EnteredAssessment()
        self.errors: list[str] = []

    def is_bound(self) -> bool:
        return self.data is not None

    def is_valid(self) -> bool:
        if self.data is None:
            return False
        data = self.data
        entered = self.entered
        entered.checked = {i for i in _ids(data.getlist("map")) if i in self.criterion_ids}
        entered.covered = {i for i in _ids(data.getlist("cover")) if i in self.requirement_ids}
        for cid in self.criterion_ids:
            judgement = data.get(f"judge-{cid}", "")
            if judgement:
                entered.judgements[cid] = judgement
            text = data.get(f"feedback-{cid}", "")
            if text.strip():
                entered.feedback[cid] = text
        for cid in self.suggested_ids:
            choice = data.get(f"suggestion-{cid}", "")
            if choice:
                entered.choices[cid] = choice
        # A judgement given is a mapping made, ticked or not; a confirmed suggestion too.
        judged: list[Judgement] = []
        rejected: list[int] = []
        for cid in sorted(self.criterion_ids):
            choice = entered.choices.get(cid, "")
            judgement = entered.judgements.get(cid, "")
            if choice == "reject":
                rejected.append(cid)
                continue
            mapped = cid in entered.checked or choice == "confirm" or bool(judgement)
            if not mapped:
                continue
            if judgement not in Decision.Outcome.values:
                entered.errors[cid] = "Choose met or not yet met."
                self.errors.append(f"{self.labels(cid)}: choose met or not yet met.")
                continue
            judged.append(Judgement(criterion_id=cid, outcome=judgement, feedback=entered.feedback.get(cid, "")))
        self.judgements = judged
        self.rejected = rejected
        outcome_ok = self.outcome_form.is_valid()
        if not outcome_ok:
            for field_errors in self.outcome_form.errors.values():
                self.errors.extend(field_errors)
        return outcome_ok and not self.errors

    def judgement(self) -> EvidenceJudgement:
        cleaned = self.outcome_form.cleaned_data
        return EvidenceJudgement(
            outcome=cleaned["outcome"], feedback=cleaned["feedback"], judgements=self.judgements,
            rejected=self.rejected, covered=sorted(self.entered.covered),
        )

    @property
    def signed_name(self) -> str:
        return self.outcome_form.cleaned_data["signed_name"]


class CorrectionForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Corrected judgement", choices=[("", "Choose"), *Decision.Outcome.choices],
        error_messages={"required": "Choose the corrected judgement: met or not yet met."},
    )
    feedback = forms.CharField(label="Feedback on this criterion", required=False,
                               widget=forms.Textarea(attrs={"rows": 2}), validators=[visible_text])
    reason = forms.CharField(
        label="Reason for the correction", widget=forms.Textarea(attrs={"rows": 2}), validators=[visible_text],
        error_messages={"required": "Give the reason for the correction: it is kept with the decision for quality assurance."},
    )
    signed_name = SignatureField()


class WithdrawCoverageForm(forms.Form):
    reason = forms.CharField(
        label="Reason for withdrawing the tick", widget=forms.Textarea(attrs={"rows": 2}), validators=[visible_text],
        error_messages={"required": "Give the reason for withdrawing the tick."},
    )
    signed_name = SignatureField()


class CountersignForm(forms.Form):
    signed_name = SignatureField()


class SignOffForm(forms.Form):
    comment = forms.CharField(label="Comment (optional)", required=False, widget=forms.Textarea(attrs={"rows": 2}),
                              validators=[visible_text])
    signed_name = SignatureField()


class AcknowledgeForm(forms.Form):
    signed_name = SignatureField()


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label="Reason for reopening", widget=forms.Textarea(attrs={"rows": 3}), validators=[visible_text],
        error_messages={"required": "Give the reason for reopening the unit: it is kept with the sign-off."},
    )
    signed_name = SignatureField()
