"""Read-only views for platform staff. Quality assurance records change only through the IQA
pages, whose services sign them and write the audit trail."""

from django.contrib import admin

from apps.core.admin import ReadOnlyAdmin

from .models import (
    Action,
    AssessorProfile,
    PlanItem,
    PracticeObservation,
    Report,
    RiskBandChange,
    Sample,
    SampleAddendum,
    SamplingPlan,
    SamplingStrategy,
    StandardisationJudgement,
    StandardisationMeeting,
)


class CentreAdmin(ReadOnlyAdmin):
    list_filter = ["centre"]


@admin.register(AssessorProfile)
class AssessorProfileAdmin(CentreAdmin):
    list_display = ["assessor", "centre", "status", "band", "override_band", "updated_at"]


@admin.register(RiskBandChange)
class RiskBandChangeAdmin(ReadOnlyAdmin):
    list_display = ["profile", "from_band", "to_band", "changed_by", "changed_at"]


@admin.register(SamplingStrategy)
class SamplingStrategyAdmin(CentreAdmin):
    list_display = ["centre", "qualification", "version", "status", "approved_at"]


@admin.register(SamplingPlan)
class SamplingPlanAdmin(CentreAdmin):
    list_display = ["centre", "iqa", "period_start", "period_end", "status", "generation"]


@admin.register(PlanItem)
class PlanItemAdmin(CentreAdmin):
    list_display = ["plan", "enrolment", "unit", "assessor", "stage", "reason", "status"]


@admin.register(Sample)
class SampleAdmin(CentreAdmin):
    list_display = ["__str__", "enrolment", "unit", "assessor", "iqa", "outcome", "signed_at"]


@admin.register(SampleAddendum)
class SampleAddendumAdmin(ReadOnlyAdmin):
    list_display = ["sample", "signed_name", "signed_at"]


@admin.register(Action)
class ActionAdmin(CentreAdmin):
    list_display = ["__str__", "owner", "raised_by", "due_on", "status"]


@admin.register(PracticeObservation)
class PracticeObservationAdmin(CentreAdmin):
    list_display = ["__str__", "assessor", "iqa", "observed_on", "outcome"]


@admin.register(StandardisationMeeting)
class StandardisationMeetingAdmin(CentreAdmin):
    list_display = ["__str__", "qualification", "facilitator", "held_on"]


@admin.register(StandardisationJudgement)
class StandardisationJudgementAdmin(ReadOnlyAdmin):
    list_display = ["meeting", "attendee", "judgement"]


@admin.register(Report)
class ReportAdmin(CentreAdmin):
    list_display = ["__str__", "kind", "status", "requested_by", "created_at"]
