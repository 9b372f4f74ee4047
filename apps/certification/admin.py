"""Read-only views for platform staff. Claims and documents change only through the
certification pages, whose services sign them and write the audit trail."""

from django.contrib import admin

from apps.core.admin import ReadOnlyAdmin

from .models import (
    AOCentreNumber,
    ClaimBatch,
    ClaimLine,
    ClaimOutcome,
    ClaimUnit,
    Counter,
    Document,
    DocumentRun,
    QualificationApproval,
)


class CentreAdmin(ReadOnlyAdmin):
    list_filter = ["centre"]


@admin.register(AOCentreNumber)
class AOCentreNumberAdmin(CentreAdmin):
    list_display = ["centre", "awarding_organisation", "centre_number", "updated_at"]


@admin.register(QualificationApproval)
class QualificationApprovalAdmin(CentreAdmin):
    list_display = ["centre", "qualification_number", "ao_course_code", "has_dcs", "dcs_since"]


@admin.register(Counter)
class CounterAdmin(CentreAdmin):
    list_display = ["centre", "series", "year", "last"]


@admin.register(ClaimBatch)
class ClaimBatchAdmin(CentreAdmin):
    list_display = ["reference", "centre", "awarding_organisation", "status", "route", "submitted_at"]


@admin.register(ClaimLine)
class ClaimLineAdmin(ReadOnlyAdmin):
    list_display = ["registered_name", "batch", "claim_type", "award_date"]


@admin.register(ClaimUnit)
class ClaimUnitAdmin(ReadOnlyAdmin):
    list_display = ["unit", "line", "route", "achieved_on"]


@admin.register(ClaimOutcome)
class ClaimOutcomeAdmin(ReadOnlyAdmin):
    list_display = ["line", "status", "certificate_number", "certificate_date", "recorded_at"]


@admin.register(DocumentRun)
class DocumentRunAdmin(ReadOnlyAdmin):
    list_display = ["batch", "status", "total", "created_at", "finished_at"]


@admin.register(Document)
class DocumentAdmin(CentreAdmin):
    list_display = ["number", "centre", "kind", "status", "issued_at"]
