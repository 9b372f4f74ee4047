"""Read-only views of the catalogue. It changes only through `manage.py load_catalogue`,
which versions a changed qualification instead of editing rows enrolments point at."""

from django.contrib import admin

from apps.core.admin import ReadOnlyAdmin, ReadOnlyTabularInline

from .models import AssessmentCriterion, LearningOutcome, Qualification, Unit


class UnitInline(ReadOnlyTabularInline):
    model = Unit
    fields = ["position", "number", "urn", "title", "level", "credits", "group", "kind"]
    ordering = ["position"]
    show_change_link = True


@admin.register(Qualification)
class QualificationAdmin(ReadOnlyAdmin):
    list_display = ["number", "version", "is_current", "title", "awarding_organisation", "level", "loaded_at"]
    list_filter = ["is_current", "awarding_organisation", "level", "rules_in_source"]
    search_fields = ["number", "title", "ao_reference"]
    exclude = ["content_hash"]
    inlines = [UnitInline]


class OutcomeInline(ReadOnlyTabularInline):
    model = LearningOutcome
    fields = ["position", "number", "title"]
    ordering = ["position"]


@admin.register(Unit)
class UnitAdmin(ReadOnlyAdmin):
    list_display = ["number", "urn", "title", "qualification", "level", "credits", "group"]
    list_select_related = ["qualification"]
    list_filter = ["qualification__is_current", "kind", "level"]
    search_fields = ["urn", "title", "qualification__number"]
    exclude = ["search"]
    inlines = [OutcomeInline]


@admin.register(AssessmentCriterion)
class AssessmentCriterionAdmin(ReadOnlyAdmin):
    list_display = ["number", "text", "unit"]
    list_select_related = ["unit"]
    search_fields = ["text", "unit__urn"]
    exclude = ["search"]
