"""Forms of the visit pages. They read what was typed; whether it may be saved is the word of the
services in visits.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from apps.assessment.forms import SignatureField
from apps.core.validators import date_from_1900, visible_text
from apps.qualifications.models import Qualification

from .models import CentreAction, VisitOutcome
from .visits import MAX_ACTIONS, MAX_REQUESTED, ActionDraft, OutcomeFacts

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
NOT_A_DATE = "{what} is not a date: write it as year-month-day, for example 2027-01-31."


def _date(label: str, what: str, *, required: bool = True, **kwargs: Any) -> forms.DateField:
    messages = {"invalid": NOT_A_DATE.format(what=what)}
    if required:
        messages["required"] = f"Give {what[0].lower() + what[1:]}."
    return forms.DateField(label=label, required=required, widget=DATE_INPUT, validators=[date_from_1900],
                           error_messages=messages, **kwargs)


def _text(label: str, *, rows: int = 3, required: bool = False, **kwargs: Any) -> forms.CharField:
    return forms.CharField(label=label, required=required, widget=forms.Textarea(attrs={"rows": rows}),
                           validators=[visible_text], **kwargs)


class IdsField(forms.Field):
    """The ids of the boxes ticked (the page draws the boxes itself)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        values = value or []
        if len(values) > MAX_REQUESTED:
            raise ValidationError(f"Choose at most {MAX_REQUESTED} learners in one request.")
        ids = []
        for v in values:
            if not isinstance(v, str) or not v.isascii() or not v.isdigit() or not 0 < int(v) < 2**31:
                raise ValidationError("Choose learners from the list.")
            ids.append(int(v))
        return list(dict.fromkeys(ids))


class RequestFilterForm(forms.Form):
    """Which learners the request page lists."""

    qualification = forms.TypedChoiceField(label="Qualification", required=False, coerce=int, empty_value=None)
    q = forms.CharField(label="Learner's name", required=False, max_length=100)

    def __init__(self, *args: Any, qualifications: list[Qualification], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["qualification"].choices = [("", "All in your access")] + [
            (q.pk, f"{q.number} {q.title}") for q in qualifications]


class RequestForm(forms.Form):
    enrolments = IdsField(label="Learners", required=False)
    due_on = _date("The centre should have the sample ready by", "The due date")
    note = _text("Note to the centre (optional)", help_text="For example, which units or evidence you want to see.")
    proposed = forms.BooleanField(required=False, widget=forms.HiddenInput)


class OutcomeForm(forms.Form):
    qualification = forms.TypedChoiceField(
        label="Qualification", coerce=int,
        error_messages={"required": "Choose one of the qualifications your access covers.",
                        "invalid_choice": "Choose one of the qualifications your access covers."})
    kind = forms.ChoiceField(label="Kind of review", choices=VisitOutcome.Kind.choices, widget=forms.RadioSelect,
                             initial=VisitOutcome.Kind.VISIT,
                             error_messages={"required": "Choose what kind of review this was.",
                                             "invalid_choice": "Choose what kind of review this was."})
    visited_on = _date("Date of the visit or review", "The visit date")
    result = forms.ChoiceField(label="Result", choices=VisitOutcome.Result.choices, widget=forms.RadioSelect,
                               error_messages={"required": "Choose the result of the visit.",
                                               "invalid_choice": "Choose the result of the visit."})
    dcs = forms.ChoiceField(label="Direct Claims Status", choices=VisitOutcome.DCS.choices, widget=forms.RadioSelect,
                            initial=VisitOutcome.DCS.NOT_DECIDED,
                            help_text="Granted or kept: the centre claims this qualification without your sign-off "
                                      "from the visit date. Removed or not granted: its claims wait for your sign-off.",
                            error_messages={"required": "Choose what the visit decided about Direct Claims Status.",
                                            "invalid_choice": "Choose what the visit decided about Direct Claims "
                                                              "Status."})
    report = _text("Report to the centre", rows=8, required=True,
                   error_messages={"required": "Write the report to the centre: what you saw and what you decided."})

    def __init__(self, *args: Any, qualifications: list[Qualification], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["qualification"].choices = [(q.pk, f"{q.number} {q.title}") for q in qualifications]
        if len(qualifications) == 1:
            self.fields["qualification"].initial = qualifications[0].pk
        for n in range(MAX_ACTIONS):
            self.fields[f"action-{n}-text"] = _text(
                f"Action {n + 1}: what the centre must do", rows=2,
                help_text="“Satisfactory with actions” needs at least one; each is due after the visit." if n == 0 else "")
            self.fields[f"action-{n}-due"] = _date(f"Action {n + 1}: due on", f"The due date of action {n + 1}",
                                                   required=False)
        self.fields["signed_name"] = SignatureField()

    def top_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("qualification", "kind", "visited_on", "result", "dcs", "report")]

    def action_rows(self) -> list[dict[str, Any]]:
        return [{"n": n + 1, "text": self[f"action-{n}-text"], "due": self[f"action-{n}-due"]}
                for n in range(MAX_ACTIONS)]

    def facts(self) -> OutcomeFacts:
        data = self.cleaned_data
        return OutcomeFacts(
            qualification_id=data["qualification"], kind=data["kind"], visited_on=data["visited_on"],
            result=data["result"], dcs=data["dcs"], report=data["report"], signed_name=data["signed_name"],
            actions=tuple(ActionDraft(row=n, text=data.get(f"action-{n}-text") or "",
                                      due_on=data.get(f"action-{n}-due")) for n in range(MAX_ACTIONS)),
        )


class RespondForm(forms.Form):
    response = _text("What the centre did", rows=5, required=True,
                     error_messages={"required": "Say what the centre did to answer the action."})


class CloseForm(forms.Form):
    note = _text("Note to the centre (optional)", rows=2)


class ActionsFilterForm(forms.Form):
    status = forms.ChoiceField(label="Status", required=False,
                               choices=[("", "Any")] + list(CentreAction.Status.choices))
