from django import forms


class DateInput(forms.DateInput):
    """The browser's date picker. It reads and writes ISO dates whatever the site's locale."""

    input_type = "date"

    def __init__(self, attrs: dict | None = None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")
