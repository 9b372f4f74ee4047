"""What every form page shares."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


def errors_to_form(form: forms.Form, exc: ValidationError) -> None:
    """A service's refusal, each problem in words, shown at the top of the form it came from."""
    for message in exc.messages:
        form.add_error(None, message)
