"""What every form page shares."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


def errors_to_form(form: forms.Form, exc: ValidationError) -> None:
    """A service's refusal, each problem in words, shown at the top of the form it came from."""
    for message in exc.messages:
        form.add_error(None, message)


def errors_to_fields(form: forms.Form, exc: ValidationError) -> None:
    """A service's refusal on the form: each problem beside its field where the form has that
    field, the rest at the top."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(name if name in form.fields else None, error.messages)
    else:
        errors_to_form(form, exc)
