from django.contrib import admin

from apps.core.admin import ReadOnlyAdmin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "action", "actor", "centre", "object_repr", "ip_address"]
    list_filter = ["action"]
    search_fields = ["action", "object_repr", "actor__email"]

