"""The Django admin is a window for platform staff, never a way to change data.

Every write in Attest goes through a service that checks its actor and records an audit event
in the same transaction; an admin form would bypass both. So every model admin is read-only:
no add, change or delete, and no bulk actions ("delete selected" and friends). Models that
another package registers are made read-only the same way (see `apps/accounts/admin.py`), and
`tests/test_admin.py` walks every registered model to prove it.
"""

from __future__ import annotations

from django.contrib import admin


class ReadOnlyAdminMixin:
    """Platform staff may look; every change goes through the services, which audit it."""

    # Bulk actions change rows without an audit event; there are none.
    actions = None

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    pass


class ReadOnlyTabularInline(ReadOnlyAdminMixin, admin.TabularInline):
    """Rows shown under their parent, never added, changed or removed there."""

    extra = 0
    can_delete = False


def read_only(admin_class: type[admin.ModelAdmin], **attributes) -> type[admin.ModelAdmin]:
    """The same admin (columns, filters, search) with every way to change data switched off."""
    return type(f"ReadOnly{admin_class.__name__}", (ReadOnlyAdminMixin, admin_class), attributes)


def register_read_only(site: admin.AdminSite, model, **attributes) -> None:
    """Replace a model's existing registration (another package's) with its read-only twin."""
    admin_class = type(site.get_model_admin(model))
    site.unregister(model)
    site.register(model, read_only(admin_class, **attributes))
