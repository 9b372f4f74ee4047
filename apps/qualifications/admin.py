"""Read-only views of the catalogue. It changes only through `manage.py load_catalogue`,
which versions a changed qualification instead of editing rows enrolments point at."""

from django.contrib import admin

from apps.core.admin import ReadOnlyAdmin

from .models import AssessmentCriterion, LearningOutcome, Qualification, Unit


class UnitInline(admin.TabularInline):
    model = Unit
    fields = ["position", "number", "urn", "title", "level", "credits", "group", "kind"]
    readonly_fields = fields
    ordering = ["position"]
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Qualification)
class QualificationAdmin(ReadOnlyAdmin):
    list_display = ["number", "version", "is_current", "title", "awarding_organisation", "level", "loaded_at"]
    list_filter = ["is_current", "awarding_organisation", "level", "rules_in_source"]
    search_fields = ["number", "title", "ao_reference"]
    exclude = ["content_hash"]
    inlines = [UnitInline]


class OutcomeInline(admin.TabularInline):
    model = LearningOutcome
    fields = ["position", "number", "title"]
    readonly_fields = fields
    ordering = ["position"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


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
