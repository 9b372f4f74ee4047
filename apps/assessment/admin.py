"""Read-only views for platform staff. Assessment records are append-only (the database
refuses changes); they are written only by the services, which audit each one."""

from django.contrib import admin

from apps.core.admin import ReadOnlyAdmin

from .models import (
    Countersignature,
    Decision,
    EvidenceAssessment,
    Mapping,
    RequirementCoverage,
    UnitReopening,
    UnitSignOff,
)


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["id", "enrolment", "criterion", "outcome", "provisional", "signed_name", "signed_at"]
    list_filter = ["outcome", "provisional"]
    list_select_related = ["enrolment__learner", "enrolment__qualification", "criterion"]
    raw_id_fields = ["enrolment", "version", "criterion", "supersedes", "signed_by", "centre"]


@admin.register(EvidenceAssessment)
class EvidenceAssessmentAdmin(ReadOnlyAdmin):
    list_display = ["id", "version", "outcome", "signed_name", "signed_at"]
    list_filter = ["outcome"]
    raw_id_fields = ["version", "supersedes", "signed_by", "centre"]


@admin.register(UnitSignOff)
class UnitSignOffAdmin(ReadOnlyAdmin):
    list_display = ["id", "enrolment", "unit", "signed_name", "signed_at"]
    raw_id_fields = ["enrolment", "unit", "signed_by", "centre"]


for model in (Mapping, Countersignature, RequirementCoverage, UnitReopening):
    admin.site.register(model, ReadOnlyAdmin)
