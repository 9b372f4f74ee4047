"""The forms and the list filters of the documents pages. Input that makes no sense gets a
message on its field; the services re-check everything."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from apps.core.validators import visible_text

from .documents import MAX_REASON, TITLES
from .models import ClaimBatch, Document


class ReasonForm(forms.Form):
    """Why a document is revoked or reissued (the form's prefix says which)."""

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=MAX_REASON, validators=[visible_text],
        error_messages={"required": "Say why: the verification page and the audit trail show it.",
                        "max_length": f"Say why in {MAX_REASON} characters at most."},
    )

    def __init__(self, *args, prefix: str, **kwargs):
        super().__init__(*args, prefix=prefix, **kwargs)
        self.fields["reason"].label = f"Why is it {prefix}d?"


class RunForm(forms.Form):
    kinds = forms.MultipleChoiceField(
        label="Documents to make", widget=forms.CheckboxSelectMultiple, choices=list(TITLES.items()),
        initial=list(TITLES), error_messages={
            "required": "Choose the documents to make: the achievement record, the credit record or both.",
            "invalid_choice": "Choose the achievement record, the credit record or both.",
        },
    )


MAX_COPY_BYTES = 20 * 1024 * 1024
MAX_COPY_REQUEST = MAX_COPY_BYTES + 64 * 1024  # the file and the form around it
TOO_LARGE = "That file is far larger than any document Attest issues: it is not a copy of this one."


class CopyCheckForm(forms.Form):
    """A copy of a document someone was given, to compare with the one the centre issued."""

    copy = forms.FileField(label="A copy of the PDF", error_messages={
        "required": "Choose the PDF file to check.", "empty": "That file is empty: choose the PDF to check.",
        "invalid": "Choose the PDF file to check.",
    })

    @classmethod
    def refused(cls, message: str) -> CopyCheckForm:
        """The form with the copy refused before a byte of it was read: the message replaces the
        "choose a file" a form with nothing read in it would say."""
        form = cls(data={})
        form.errors["copy"] = form.error_class([message])
        return form

    def clean_copy(self):
        upload = self.cleaned_data["copy"]
        if upload.size > MAX_COPY_BYTES:
            raise forms.ValidationError(TOO_LARGE)
        upload.seek(0)
        if upload.read(5) != b"%PDF-":
            raise forms.ValidationError("That file is not a PDF: choose the PDF of the document.")
        upload.seek(0)
        return upload


class DocumentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Learner or document number", method="filter_search", max_length=200, widget=forms.SearchInput(),
        error_messages={"max_length": "Search for at most 200 characters."},
    )
    batch = django_filters.ChoiceFilter(
        label="Claim batch", empty_label="Any batch", method="filter_batch",
        error_messages={"invalid_choice": "There is no such batch with documents: choose one from the list."},
    )
    status = django_filters.ChoiceFilter(
        label="Status", empty_label="Any status", choices=Document.Status.choices, field_name="status",
        error_messages={"invalid_choice": "Choose a status from the list."},
    )

    class Meta:
        model = Document
        fields: list[str] = []

    def __init__(self, data=None, queryset: QuerySet[Document] | None = None, **kwargs):
        super().__init__(data, queryset, **kwargs)
        # Only the batches these documents come from, newest first.
        batches = (ClaimBatch.objects.filter(pk__in=self.queryset.values("line__batch_id"))
                   .order_by("-created_at", "-id").values_list("pk", "reference"))
        self.filters["batch"].extra["choices"] = [(str(pk), reference) for pk, reference in batches]

    def filter_search(self, queryset: QuerySet[Document], name: str, value: str) -> QuerySet[Document]:
        value = value.strip()
        return queryset.filter(Q(number__iexact=value) | Q(line__registered_name__icontains=value))

    def filter_batch(self, queryset: QuerySet[Document], name: str, value: str) -> QuerySet[Document]:
        return queryset.filter(line__batch_id=int(value))
