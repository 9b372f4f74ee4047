"""Read-only views for platform staff. Records change only through the centre's own pages,
whose services sign them and write the audit trail (and the database refuses the rest)."""

from django.contrib import admin

from apps.core.admin import ReadOnlyAdmin

from .models import Observation, ObservationConfirmation, ProfessionalDiscussion, Questioning, WitnessRequest


class RecordAdmin(ReadOnlyAdmin):
    list_filter = ["centre"]


@admin.register(Observation)
class ObservationAdmin(RecordAdmin):
    list_display = ["activity", "observed_on", "enrolment", "created_by", "created_at"]


@admin.register(ObservationConfirmation)
class ObservationConfirmationAdmin(RecordAdmin):
    list_display = ["observation", "confirmed_name", "confirmed_at"]
    list_filter = []


@admin.register(Questioning)
class QuestioningAdmin(RecordAdmin):
    list_display = ["topic", "asked_on", "enrolment", "created_by", "created_at"]


@admin.register(ProfessionalDiscussion)
class ProfessionalDiscussionAdmin(RecordAdmin):
    list_display = ["topic", "held_on", "enrolment", "created_by", "created_at"]


@admin.register(WitnessRequest)
class WitnessRequestAdmin(RecordAdmin):
    list_display = ["witness_name", "witness_email", "enrolment", "requested_by", "created_at", "responded_at"]
    exclude = ["token_hash"]
