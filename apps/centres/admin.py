"""Read-only views for platform staff. Centres are created with `manage.py centre_create`;
people, roles and invitations change through the centre's own pages. Each of those goes
through a service that writes the audit trail."""

from django.contrib import admin

from apps.core.admin import ReadOnlyAdmin

from .models import Centre, Invitation, IQAAllocation, Membership


@admin.register(Centre)
class CentreAdmin(ReadOnlyAdmin):
    list_display = ["name", "slug", "ao_centre_number", "require_mfa_for_staff", "created_at"]
    search_fields = ["name", "slug", "ao_centre_number"]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["user", "centre", "is_learner", "is_assessor", "is_iqa", "is_admin", "is_eqa", "is_active"]
    list_filter = ["centre", "is_active"]
    list_select_related = ["user", "centre"]
    search_fields = ["user__email", "user__full_name"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ["email", "centre", "created_at", "expires_at", "accepted_at", "revoked_at"]
    list_select_related = ["centre"]
    exclude = ["token_hash"]


@admin.register(IQAAllocation)
class IQAAllocationAdmin(ReadOnlyAdmin):
    list_display = ["centre", "iqa", "assessor", "allocated_by", "allocated_at"]
    list_filter = ["centre"]
