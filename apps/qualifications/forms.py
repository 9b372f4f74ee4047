from django import forms
from django.core.exceptions import ValidationError

from .spec_imports import read_upload


class SpecUploadForm(forms.Form):
    file = forms.FileField(
        label="Specification text file",
        help_text="The text extracted from an awarding organisation's specification PDF (UTF-8, up to 5 MB).",
    )

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is not None:
            try:
                cleaned["text"] = read_upload(upload)
            except ValidationError as exc:
                self.add_error("file", exc)
        return cleaned


class SpecImportRequestForm(forms.Form):
    note = forms.CharField(
        label="Note for platform staff (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example, why the catalogue needs this specification now.",
    )
