from __future__ import annotations

from django import forms
from django.utils import timezone

from apps.core.validators import date_from_1900, visible_name, visible_text
from apps.evidence.models import Evidence, StoredFile
from apps.learners.models import Enrolment
from apps.qualifications.models import AssessmentCriterion

from .services import (
    ASSESSOR_DECLARATION,
    LEARNER_CONFIRMATION,
    WITNESS_DECLARATION,
    RecordBasics,
    Signature,
    Witness,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RecordForm(forms.Form):
    """What every record asks: date, context, criteria covered, the assessor's signature."""

    date_label = "Date"
    on = forms.DateField(widget=DATE, initial=timezone.localdate, validators=[date_from_1900])
    context = forms.ChoiceField(
        choices=Evidence.Context.choices, initial=Evidence.Context.REAL_WORK,
        help_text="Where the work was done: at real work, in a realistic work environment, or in a simulation.",
    )
    criteria = forms.ModelMultipleChoiceField(
        queryset=AssessmentCriterion.objects.none(), required=False,
        error_messages={"invalid_choice": "A ticked criterion is not part of this qualification."},
    )
    signed_name = forms.CharField(
        label="Type your full name to sign", max_length=200, help_text=ASSESSOR_DECLARATION, validators=[visible_name],
        error_messages={"required": "Type your full name to sign the record."},
    )
    sign = True  # witness requests are not signed by the assessor
    about: tuple[str, ...] = ()  # the fields of the first fieldset, in the page's order

    def __init__(self, *args, enrolment: Enrolment, **kwargs):
        super().__init__(*args, **kwargs)
        self.enrolment = enrolment
        self.fields["on"].label = self.date_label
        self.fields["criteria"].queryset = AssessmentCriterion.objects.filter(
            unit__qualification=enrolment.qualification_id
        )
        if not self.sign:
            del self.fields["signed_name"]
        # The page's order, so that the list of problems at the top reads in the same order.
        self.order_fields([*self.about, "criteria", "signed_name"])

    def clean_on(self):
        value = self.cleaned_data["on"]
        if value > timezone.localdate():
            raise forms.ValidationError("The date is in the future.")
        return value

    def clean_criteria(self):
        criteria = self.cleaned_data["criteria"]
        if not criteria:
            raise forms.ValidationError("Tick at least one criterion this record covers.")
        return criteria

    def basics(self) -> RecordBasics:
        data = self.cleaned_data
        return RecordBasics(on=data["on"], context=data["context"], criteria=list(data["criteria"].select_related("unit")))

    def signature(self, ip_address: str | None) -> Signature:
        return Signature(name=self.cleaned_data["signed_name"], ip_address=ip_address)

    def selected_criteria(self) -> set[str]:
        """Ticked criteria as posted (or initial), to re-tick the grid after an error."""
        if self.is_bound:
            return {str(v) for v in self.data.getlist("criteria")}
        return {str(v) for v in self.initial.get("criteria", [])}

    def about_fields(self) -> list:
        return [self[name] for name in self.about]


def _required(message: str) -> dict:
    return {"required": message}


class ObservationForm(RecordForm):
    date_label = "Date of the observation"
    activity = forms.CharField(
        label="What was observed", max_length=200, error_messages=_required("Say what you observed."),
        validators=[visible_name],
        help_text="A few words a person will recognise, e.g. “Handling an inbound complaint call”.",
    )
    place = forms.CharField(
        max_length=200, error_messages=_required("Say where the observation took place."), validators=[visible_name],
        help_text="The workplace and where in it, e.g. “Northgate contact centre, team 3”.",
    )
    account = forms.CharField(
        label="Your account of what you saw", widget=forms.Textarea(attrs={"rows": 10}),
        error_messages=_required("Write your account of what you saw."), validators=[visible_text],
        help_text="What the learner did, in order, and how it shows the criteria you tick below.",
    )
    about = ("activity", "on", "place", "context", "account")


class QuestioningForm(RecordForm):
    date_label = "Date of the questioning"
    topic = forms.CharField(
        max_length=200, error_messages=_required("Say what the questions were about."), validators=[visible_name],
        help_text="e.g. “Data protection when taking payments”.",
    )
    about = ("topic", "on", "context")


class QuestionAnswerForm(forms.Form):
    question = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, validators=[visible_text])
    answer = forms.CharField(label="The learner's answer", widget=forms.Textarea(attrs={"rows": 3}), required=False,
                             validators=[visible_text])


class BaseQuestionAnswerFormSet(forms.BaseFormSet):
    """Rows left wholly blank are ignored; a row with one part missing is an error on that row."""

    def clean(self):
        if any(self.errors) or not self.management_form.is_valid():
            return  # Django's own message says the rows were tampered with
        filled = 0
        for number, form in enumerate(self.forms, start=1):
            question = form.cleaned_data.get("question", "").strip()
            answer = form.cleaned_data.get("answer", "").strip()
            if question and not answer:
                form.add_error("answer", f"Write the learner's answer to question {number}.")
            elif answer and not question:
                form.add_error("question", f"Write question {number}, which this answer replies to.")
            if question or answer:
                filled += 1
        if not filled:
            raise forms.ValidationError("Record at least one question and the learner's answer.")

    def messages(self) -> list[str]:
        """Every problem with the rows, for the list at the top of the page."""
        if not self.is_bound or self.is_valid():
            return []
        found = list(self.non_form_errors())
        for form in self.forms:
            for errors in form.errors.values():
                found.extend(errors)
        return found

    def pairs(self) -> list[tuple[str, str]]:
        return [
            (f.cleaned_data["question"], f.cleaned_data["answer"])
            for f in self.forms
            if f.cleaned_data.get("question", "").strip() or f.cleaned_data.get("answer", "").strip()
        ]


QuestionAnswerFormSet = forms.formset_factory(
    QuestionAnswerForm, formset=BaseQuestionAnswerFormSet, extra=3, max_num=60, validate_max=True
)


class DiscussionForm(RecordForm):
    date_label = "Date of the discussion"
    topic = forms.CharField(
        max_length=200, error_messages=_required("Say what the discussion was about."), validators=[visible_name],
        help_text="e.g. “How I handle difficult customers”.",
    )
    summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}), error_messages=_required("Write a summary of the discussion."),
        validators=[visible_text],
        help_text="The main points the learner made and how they show the criteria you tick below.",
    )
    about = ("topic", "on", "context", "summary")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.chosen_files: list[StoredFile] = []

    def clean(self):
        cleaned = super().clean()
        ids = [i for i in self.data.getlist("files") if i]
        if not all(i.isascii() and i.isdigit() for i in ids):  # "²" is a digit to isdigit(), not to int()
            raise forms.ValidationError("A file in the list is not one you uploaded; remove it and upload it again.")
        # Only files this assessor uploaded in this centre: an id typed into the form is refused.
        found = {
            str(f.pk): f
            for f in StoredFile.objects.filter(centre_id=self.enrolment.centre_id, uploaded_by=self.user, pk__in=ids)
        }
        if any(i not in found for i in ids):
            raise forms.ValidationError("A file in the list could not be found among your uploads; upload it again.")
        self.chosen_files = list(dict.fromkeys(found[i] for i in ids))
        return cleaned


class WitnessRequestForm(RecordForm):
    sign = False
    witness_name = forms.CharField(
        label="Witness's full name", max_length=200, error_messages=_required("Give the witness's full name."),
        validators=[visible_name],
    )
    witness_email = forms.EmailField(
        label="Witness's email address", error_messages={
            "required": "Give the witness's email address: the link is sent there.",
            "invalid": "Enter a whole email address, like name@example.com.",
        },
    )
    witness_job_title = forms.CharField(
        label="Witness's job title", max_length=200, error_messages=_required("Give the witness's job title."),
        validators=[visible_name],
    )
    relationship = forms.CharField(
        label="Relationship to the learner", max_length=200,
        error_messages=_required("Say how the witness knows the learner."), help_text="e.g. “Line manager”.",
        validators=[visible_name],
    )
    activity = forms.CharField(
        label="What the witness is asked about", widget=forms.Textarea(attrs={"rows": 4}),
        error_messages=_required("Describe what you are asking the witness about."), validators=[visible_text],
        help_text="The work or occasion they saw, in words they will recognise; they see this and the criteria you tick.",
    )
    about = ("witness_name", "witness_email", "witness_job_title", "relationship", "activity", "context")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["on"]  # the testimony is dated when the witness answers

    def clean_criteria(self):
        criteria = self.cleaned_data["criteria"]
        if not criteria:
            raise forms.ValidationError("Tick at least one criterion the witness is asked to confirm.")
        return criteria

    def basics(self) -> RecordBasics:
        data = self.cleaned_data
        return RecordBasics(
            on=timezone.localdate(), context=data["context"], criteria=list(data["criteria"].select_related("unit"))
        )

    def witness(self) -> Witness:
        data = self.cleaned_data
        return Witness(
            name=data["witness_name"], email=data["witness_email"], job_title=data["witness_job_title"],
            relationship=data["relationship"],
        )


class ConfirmObservationForm(forms.Form):
    signed_name = forms.CharField(
        label="Type your full name to confirm", max_length=200, help_text=LEARNER_CONFIRMATION,
        error_messages=_required("Type your full name to confirm the observation."), validators=[visible_name],
    )


class WitnessResponseForm(forms.Form):
    account = forms.CharField(
        label="What you saw", widget=forms.Textarea(attrs={"rows": 10}),
        error_messages=_required("Write what you saw the learner do."), validators=[visible_text],
        help_text="Describe what the learner did, when and where, in your own words.",
    )
    job_title = forms.CharField(
        label="Your job title", max_length=200, error_messages=_required("Confirm your job title."),
        validators=[visible_name],
        help_text="Correct it if it has changed.",
    )
    signed_name = forms.CharField(
        label="Type your full name to sign", max_length=200,
        error_messages=_required("Type your full name to sign your testimony."), validators=[visible_name],
    )
    agree = forms.BooleanField(
        label=WITNESS_DECLARATION, error_messages=_required("Tick the box to confirm your testimony is true."),
    )
