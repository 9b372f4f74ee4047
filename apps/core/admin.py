from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Platform staff may look; every change goes through the services, which audit it."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
