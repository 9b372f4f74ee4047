"""Read-only views of accounts for platform staff. People join a centre by invitation and
manage their own password and two-factor devices; the admin only looks."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group

from apps.core.admin import ReadOnlyAdminMixin, register_read_only

from .models import User


@admin.register(User)
class UserAdmin(ReadOnlyAdminMixin, BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff", "is_superuser", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    search_fields = ["email", "full_name"]
    # No password field: not even the hash's summary is anyone's business.
    fieldsets = (
        (None, {"fields": ("email", "full_name")}),
        ("Platform access", {"fields": ("is_active", "is_staff", "is_superuser")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )


# Roles live on memberships; Attest grants nothing through Django's groups, so their page
# would only suggest a way of giving access that does not exist.
admin.site.unregister(Group)

register_read_only(admin.site, EmailAddress)
# An authenticator's data holds the TOTP secret and recovery codes: never shown.
register_read_only(admin.site, Authenticator, exclude=["data"])
