"""The two database roles: migrations run as the tables' owner, everything else as the app's
role, which may read and write rows and nothing more (no TRUNCATE, no DDL, not a superuser),
so the append-only triggers hold for the app too. Where only one role is configured
(`DATABASE_OWNER` is None) both are that role and these are no-ops."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connections

_CREDENTIALS = ("USER", "PASSWORD", "HOST", "PORT")


def owner_credentials() -> dict | None:
    return getattr(settings, "DATABASE_OWNER", None)


def app_role() -> str:
    """The app's role: whoever the connection is configured as, unless it is the owner now."""
    return settings.DATABASES["default"]["USER"]


@contextmanager
def as_owner(alias: str = "default") -> Iterator[None]:
    """Run the block on a connection as the owner."""
    owner = owner_credentials()
    connection = connections[alias]
    if owner is None or connection.settings_dict.get("USER") == owner["USER"]:
        yield
        return
    saved = {key: connection.settings_dict.get(key) for key in _CREDENTIALS}
    connection.close()
    connection.settings_dict.update(owner)
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(saved)


def grant_to_app(app_user: str, alias: str = "default") -> None:
    """As the owner: the app's role may use every table and sequence there is and will be."""
    if owner_credentials() is None or app_user == owner_credentials()["USER"]:
        return
    role = connections[alias].ops.quote_name(app_user)
    with connections[alias].cursor() as cursor:
        for statement in (
            "GRANT USAGE ON SCHEMA public TO {role}",
            "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
            "GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role}",
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {role}",
        ):
            cursor.execute(statement.format(role=role))
