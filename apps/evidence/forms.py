from __future__ import annotations

from django import forms
from django.utils import timezone

from apps.core.once import new_token
from apps.core.validators import date_from_1900, visible_name, visible_text
from apps.core.widgets import DateInput
from apps.learners.models import Enrolment
from apps.qualifications.models import AssessmentCriterion

from .models import Evidence, StoredFile
from .services import DECLARATION, EvidenceContent, duplicate_files


class EvidenceForm(forms.Form):
    title = forms.CharField(max_length=200, validators=[visible_name], help_text="A few words a person will recognise, e.g. “Handling a complaint call”.")
    evidence_date = forms.DateField(
        label="Date of the evidence", widget=DateInput(), initial=timezone.localdate, validators=[date_from_1900]
    )
    method = forms.ChoiceField(label="Assessment method", choices=Evidence.Method.choices)
    context = forms.ChoiceField(
        choices=Evidence.Context.choices, help_text="Where the work was done: at real work, in a realistic work environment, or in a simulation."
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, validators=[visible_text], help_text="What the evidence shows and how it was produced.")
    text = forms.CharField(
        label="Written account", widget=forms.Textarea(attrs={"rows": 8}), required=False, validators=[visible_text],
        help_text="Type a reflective account or other written evidence here, if you have no file for it.",
    )
    criteria = forms.ModelMultipleChoiceField(queryset=AssessmentCriterion.objects.none(), required=False)
    confirm_duplicates = forms.BooleanField(label="Yes, add these files again", required=False)
    # One-time token: a double-clicked "Save draft" saves one draft (apps/core/once.py, which
    # reads it from the post; a damaged one only means the form is not protected from a repeat).
    once = forms.CharField(required=False, widget=forms.HiddenInput, initial=new_token)

    def __init__(self, *args, enrolment: Enrolment, user, evidence: Evidence | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.enrolment, self.user, self.evidence = enrolment, user, evidence
        self.fields["criteria"].queryset = AssessmentCriterion.objects.filter(unit__qualification=enrolment.qualification_id)
        self.duplicates: list[tuple[StoredFile, Evidence]] = []
        self.chosen_files: list[StoredFile] = []
        self.needs_confirmation = False  # files already in the portfolio: the learner must say yes

    def clean(self):
        cleaned = super().clean()
        ids = [i for i in self.data.getlist("files") if i]
        if not all(i.isascii() and i.isdigit() for i in ids):  # "²" is a digit to isdigit(), not to int()
            raise forms.ValidationError("A file in the list is not one of yours; remove it and upload it again.")
        found = {str(f.pk): f for f in StoredFile.objects.filter(centre_id=self.enrolment.centre_id, pk__in=ids)}
        allowed_ids = set(self._allowed_ids(found.values()))
        missing = [i for i in ids if i not in found or found[i].pk not in allowed_ids]
        if missing:
            raise forms.ValidationError("A file in the list could not be found among your uploads; upload it again.")
        self.chosen_files = list(dict.fromkeys(found[i] for i in ids))
        seen: dict[str, StoredFile] = {}
        batch_repeats = []
        for f in self.chosen_files:
            if f.sha256 in seen:
                batch_repeats.append((f, seen[f.sha256]))
            seen.setdefault(f.sha256, f)
        self.duplicates = duplicate_files(enrolment=self.enrolment, files=self.chosen_files, exclude=self.evidence)
        self.needs_confirmation = bool(self.duplicates or batch_repeats)
        if self.needs_confirmation and not cleaned.get("confirm_duplicates"):
            lines = [f"{f.original_name} is already in your portfolio, in “{ev.current.title}”." for f, ev in self.duplicates]
            lines += [f"{f.original_name} is the same file as {other.original_name}, added twice here." for f, other in batch_repeats]
            raise forms.ValidationError(lines + ["Tick “Yes, add these files again” if that is what you want."])
        return cleaned

    def _allowed_ids(self, files) -> list[int]:
        own = [f.pk for f in files if f.uploaded_by_id == self.user.pk]
        if self.evidence is not None and self.evidence.current_id:
            own += list(self.evidence.current.files.values_list("pk", flat=True))
        return own

    def content(self) -> EvidenceContent:
        data = self.cleaned_data
        return EvidenceContent(
            title=data["title"], evidence_date=data["evidence_date"], method=data["method"], context=data["context"],
            description=data["description"], text=data["text"], files=self.chosen_files,
            criteria=list(data["criteria"].select_related("unit")),
        )


class SubmitForm(forms.Form):
    agree = forms.BooleanField(label=DECLARATION)
    declared_name = forms.CharField(label="Type your full name to sign", max_length=200, validators=[visible_name])
