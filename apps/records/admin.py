"""Read-only views for platform staff. Records change only through the centre's own pages,
whose services sign them and write the audit trail (and the database refuses the rest)."""

from django.contrib import admin

from .models import Observation, ObservationConfirmation, ProfessionalDiscussion, Questioning, WitnessRequest


class ReadOnlyAdmin(admin.ModelAdmin):
    list_filter = ["centre"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Observation)
class ObservationAdmin(ReadOnlyAdmin):
    list_display = ["activity", "observed_on", "enrolment", "created_by", "created_at"]


@admin.register(ObservationConfirmation)
class ObservationConfirmationAdmin(ReadOnlyAdmin):
    list_display = ["observation", "confirmed_name", "confirmed_at"]
    list_filter = []


@admin.register(Questioning)
class QuestioningAdmin(ReadOnlyAdmin):
    list_display = ["topic", "asked_on", "enrolment", "created_by", "created_at"]


@admin.register(ProfessionalDiscussion)
class ProfessionalDiscussionAdmin(ReadOnlyAdmin):
    list_display = ["topic", "held_on", "enrolment", "created_by", "created_at"]


@admin.register(WitnessRequest)
class WitnessRequestAdmin(ReadOnlyAdmin):
    list_display = ["witness_name", "witness_email", "enrolment", "requested_by", "created_at", "responded_at"]
    exclude = ["token_hash"]
