"""Forms of the sample and action pages. They read what was typed; the services in
sampling.py and actions.py decide whether it may be saved."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from apps.assessment.forms import SignatureField
from apps.core.validators import visible_text
from apps.learners.models import Enrolment
from apps.qualifications.models import Unit

from . import checks
from .models import Sample, Stage
from .sampling import MAX_ACTIONS, ActionDraft, SampleEntry, SamplePage


def _text(label: str, *, rows: int = 2, required: bool = False, **kwargs) -> forms.CharField:
    return forms.CharField(label=label, required=required, widget=forms.Textarea(attrs={"rows": rows}),
                           validators=[visible_text], **kwargs)


class SampleForm(forms.Form):
    """The sample page's one form: decisions ticked, the checks, outcome, feedback, actions, and
    the signature (needed only to sign)."""

    outcome = forms.ChoiceField(label="Outcome", required=False, widget=forms.RadioSelect,
                                choices=Sample.Outcome.choices)
    feedback = _text("Feedback to the assessor", rows=4,
                     help_text="Needed for advice or a disagreement: what was good, what must change.")
    signed_name = SignatureField(required=False)

    def __init__(self, *args, page: SamplePage, **kwargs):
        initial = {
            "decisions": [str(pk) for pk in page.ticked], "outcome": page.sample.outcome,
            "feedback": page.sample.feedback,
        }
        for group, lines in (("varcs", page.varcs), ("process", page.process)):
            for line in lines:
                initial[f"{group}-{line.check.key}-answer"] = line.answer
                initial[f"{group}-{line.check.key}-comment"] = line.comment
        for n, draft in enumerate(page.drafts):
            initial[f"action-{n}-text"] = draft.text
            initial[f"action-{n}-due"] = draft.due_on
        super().__init__(*args, initial=initial, **kwargs)
        self.page = page
        self.fields["decisions"] = forms.TypedMultipleChoiceField(
            label="Decisions sampled", required=False, coerce=int, widget=forms.CheckboxSelectMultiple,
            choices=[(d.row["id"], d.row["criterion_number"]) for d in page.decisions],
        )
        for group, lines in (("varcs", page.varcs), ("process", page.process)):
            for line in lines:
                self.fields[f"{group}-{line.check.key}-answer"] = forms.ChoiceField(
                    label=line.check.label, required=False, widget=forms.RadioSelect,
                    choices=[(k, v) for k, v in checks.ANSWERS.items()],
                )
                self.fields[f"{group}-{line.check.key}-comment"] = _text(f"Comment on “{line.check.label}”")
        for n in range(MAX_ACTIONS):
            self.fields[f"action-{n}-text"] = _text(f"Action {n + 1}: what the assessor must do")
            self.fields[f"action-{n}-due"] = forms.DateField(
                label=f"Action {n + 1}: due on", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                error_messages={"invalid": "Give the due date as a date, for example 31/01/2027."},
            )

    def check_rows(self, group: str) -> list[dict]:
        lines = self.page.varcs if group == "varcs" else self.page.process
        return [{"line": line, "answer": self[f"{group}-{line.check.key}-answer"],
                 "comment": self[f"{group}-{line.check.key}-comment"]} for line in lines]

    def varcs_rows(self) -> list[dict]:
        return self.check_rows("varcs")

    def process_rows(self) -> list[dict]:
        return self.check_rows("process")

    def action_rows(self) -> list[dict]:
        return [{"n": n + 1, "text": self[f"action-{n}-text"], "due": self[f"action-{n}-due"]} for n in range(MAX_ACTIONS)]

    def entry(self) -> SampleEntry:
        data = self.cleaned_data

        def answers(group: str, lines) -> dict:
            return {line.check.key: {"answer": data.get(f"{group}-{line.check.key}-answer") or "",
                                     "comment": data.get(f"{group}-{line.check.key}-comment") or ""} for line in lines}

        return SampleEntry(
            decision_ids=list(data.get("decisions") or []), varcs=answers("varcs", self.page.varcs),
            process=answers("process", self.page.process), outcome=data.get("outcome") or "",
            feedback=data.get("feedback") or "",
            actions=[ActionDraft(data.get(f"action-{n}-text") or "", data.get(f"action-{n}-due"))
                     for n in range(MAX_ACTIONS)],
        )


class AddendumForm(forms.Form):
    reason = _text("Reason for the addendum", required=True,
                   error_messages={"required": "Give the reason for the addendum: it is kept with the sample."})
    text = _text("What it corrects or adds", rows=4, required=True,
                 error_messages={"required": "Write what the addendum corrects or adds."})
    signed_name = SignatureField()


class ChooseLearnerForm(forms.Form):
    enrolment = forms.ModelChoiceField(
        label="Learner", queryset=Enrolment.objects.none(), empty_label="Choose a learner",
        error_messages={"required": "Choose the learner.", "invalid_choice": "Choose one of your learners."},
    )

    def __init__(self, *args, enrolments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enrolment"].queryset = enrolments
        self.fields["enrolment"].label_from_instance = (
            lambda e: f"{e.learner.full_name} · {e.qualification.number} {e.qualification.title}"
        )


class UnplannedSampleForm(ChooseLearnerForm):
    unit = forms.ModelChoiceField(
        label="Unit", queryset=Unit.objects.none(), empty_label="Choose a unit",
        error_messages={"required": "Choose the unit.", "invalid_choice": "Choose a unit with decisions to sample."},
    )
    stage = forms.ChoiceField(label="Stage", choices=Stage.choices, widget=forms.RadioSelect, initial=Stage.INTERIM,
                              error_messages={"required": "Choose interim or summative."})
    reason = _text("Why you are sampling outside the plan", rows=3, required=True,
                   help_text="A concern, a complaint, a request: these samples are counted apart from the plan's.",
                   error_messages={"required": "Say why you are sampling outside the plan."})

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enrolment"].widget = forms.HiddenInput()
        self.fields["unit"].queryset = units
        self.fields["unit"].label_from_instance = lambda u: f"Unit {u.number} {u.title}"


class RespondForm(forms.Form):
    response = _text("What you did", rows=4, required=True,
                     error_messages={"required": "Say what you did to answer the action."})
    decision = forms.TypedChoiceField(label="The corrected or new decision", required=False, coerce=int,
                                      empty_value=None, widget=forms.RadioSelect)
    version = forms.TypedChoiceField(label="Or the new evidence version", required=False, coerce=int,
                                     empty_value=None, widget=forms.RadioSelect)

    def __init__(self, *args, decisions, versions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = [
            (d.pk, f"{d.criterion.number} {d.get_outcome_display().lower()} on “{d.version.title}”, "
                   f"{timezone.localtime(d.signed_at):%d %b %Y %H:%M}{' (provisional)' if d.provisional else ''}")
            for d in decisions
        ]
        self.fields["version"].choices = [
            (v.pk, f"“{v.title}” version {v.number}, submitted {timezone.localtime(v.submitted_at):%d %b %Y}") for v in versions
        ]


class CloseForm(forms.Form):
    note = _text("Note (optional)", rows=2)


class ReopenForm(forms.Form):
    note = _text("Why you are reopening it", rows=3, required=True,
                 error_messages={"required": "Say why the action is reopened: the assessor reads it."})
    due_on = forms.DateField(label="New due date (optional)", required=False,
                             widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                             error_messages={"invalid": "Give the due date as a date, for example 31/01/2027."})
