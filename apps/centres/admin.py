from django.contrib import admin

from .models import Centre, Invitation, Membership


@admin.register(Centre)
class CentreAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "ao_centre_number", "require_mfa_for_staff"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "centre", "is_learner", "is_assessor", "is_iqa", "is_admin", "is_eqa", "is_active"]
    list_filter = ["centre", "is_active"]
    search_fields = ["user__email", "user__full_name"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "centre", "created_at", "expires_at", "accepted_at", "revoked_at"]
    exclude = ["token_hash"]
