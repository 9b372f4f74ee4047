"""Read-only views for platform staff. Learners, enrolments and plans change through the
centre's own pages, whose services write the audit trail."""

from django.contrib import admin

from apps.core.admin import ReadOnlyAdmin, ReadOnlyTabularInline

from .models import Enrolment, Learner, LearnerImport, PlannedUnit, PriorAchievement


class PlannedUnitInline(ReadOnlyTabularInline):
    model = PlannedUnit
    fields = ["unit", "source", "added_by", "added_at"]


class PriorAchievementInline(ReadOnlyTabularInline):
    model = PriorAchievement
    fields = ["unit", "route", "reference", "achieved_on", "recorded_by", "recorded_at"]


@admin.register(Learner)
class LearnerAdmin(ReadOnlyAdmin):
    list_display = ["full_name", "email", "uln", "centre", "user"]
    list_filter = ["centre"]
    search_fields = ["full_name", "email", "uln", "mis_reference"]


@admin.register(Enrolment)
class EnrolmentAdmin(ReadOnlyAdmin):
    list_display = ["learner", "qualification", "centre", "start_date", "planned_end_date", "status"]
    list_filter = ["centre", "status"]
    search_fields = ["learner__full_name", "learner__email", "qualification__number", "registration_number"]
    inlines = [PlannedUnitInline, PriorAchievementInline]


@admin.register(LearnerImport)
class LearnerImportAdmin(ReadOnlyAdmin):
    list_display = ["filename", "centre", "uploaded_by", "created_at", "status"]
    list_filter = ["centre", "status"]
    exclude = ["rows"]
