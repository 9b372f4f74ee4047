from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation

from apps.core.validators import visible_name

from .roles import RoleSet


class RolesForm(forms.Form):
    """The roles an admin gives here. External quality assurers are not among them: they are given
    access by a grant on the EQA access page, which keeps the membership's EQA role (and its end
    date) in step; this form carries that role over unchanged (`kept`)."""

    is_learner = forms.BooleanField(label="Learner", required=False)
    is_assessor = forms.BooleanField(label="Assessor", required=False)
    is_trainee_assessor = forms.BooleanField(
        label="Trainee assessor (decisions need countersigning)", required=False
    )
    is_iqa = forms.BooleanField(label="Internal quality assurer", required=False)
    is_lead_iqa = forms.BooleanField(
        label="Lead internal quality assurer (approves strategies, allocates IQAs)", required=False
    )
    is_admin = forms.BooleanField(label="Centre admin", required=False)

    def __init__(self, *args, kept: RoleSet | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kept = kept or RoleSet()

    @staticmethod
    def initial_for(roles: RoleSet) -> dict:
        """The form's fields filled from a set of roles (the member's, when changing them)."""
        return {
            "is_learner": roles.learner, "is_assessor": roles.assessor, "is_trainee_assessor": roles.trainee_assessor,
            "is_iqa": roles.iqa, "is_lead_iqa": roles.lead_iqa, "is_admin": roles.admin,
        }

    def roleset(self) -> RoleSet:
        data = self.cleaned_data
        return RoleSet(
            learner=data["is_learner"],
            assessor=data["is_assessor"],
            trainee_assessor=data["is_trainee_assessor"],
            iqa=data["is_iqa"],
            lead_iqa=data["is_lead_iqa"],
            admin=data["is_admin"],
            eqa=self.kept.eqa,
            eqa_expires_on=self.kept.eqa_expires_on,
        )

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            for problem in self.roleset().errors():
                self.add_error(None, problem)
        return cleaned


class InviteForm(RolesForm):
    full_name = forms.CharField(label="Full name", max_length=200, validators=[visible_name])
    email = forms.EmailField(label="Email address")

    field_order = ["full_name", "email"]


class AcceptInvitationForm(forms.Form):
    full_name = forms.CharField(label="Your full name", max_length=200, validators=[visible_name])
    password1 = forms.CharField(
        label="Choose a password", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label="Type the password again", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "The two passwords do not match.")
        elif p1:
            from django.contrib.auth import get_user_model

            probe = get_user_model()(email=self.email, full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(p1, probe)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class CentreSettingsForm(forms.Form):
    require_mfa_for_staff = forms.BooleanField(
        label="Require two-factor authentication for staff",
        required=False,
        help_text="Assessors, IQAs, admins and EQAs must set up an authenticator app before they can work.",
    )
