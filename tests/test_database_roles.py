"""The app connects as a role that may read and write rows and nothing more: it cannot empty a
table, switch triggers off or change the schema, so the append-only rules hold for the app
itself. Migrations run as the tables' owner."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from apps.audit.models import AuditEvent
from apps.audit.services import audit_record
from apps.core.db import owner_credentials

pytestmark = pytest.mark.skipif(owner_credentials() is None, reason="one database role is configured (DATABASE_OWNER_URL unset)")


def refused(sql: str) -> str:
    with pytest.raises(DatabaseError) as caught, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql)
    return str(caught.value)


@pytest.fixture
def event(db):
    with transaction.atomic():
        return audit_record(action="centre.created", actor=None, centre=None, payload={"name": "Test"})


def test_the_app_is_neither_a_superuser_nor_the_owner_of_its_tables(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone() == (False, False, False)
        cursor.execute("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")
        assert [row[0] for row in cursor.fetchall()] == [owner_credentials()["USER"]]


def test_the_app_cannot_get_past_the_append_only_triggers(event):
    assert "append-only" in refused(f"UPDATE audit_auditevent SET action = 'x' WHERE id = {event.pk}")
    assert "permission denied" in refused("TRUNCATE audit_auditevent")
    assert "permission denied" in refused("SET session_replication_role = replica")
    assert "must be owner" in refused("ALTER TABLE audit_auditevent DISABLE TRIGGER ALL")
    assert "must be owner" in refused("DROP TABLE audit_auditevent")
    assert "permission denied" in refused("CREATE TABLE sneaky (id int)")
    assert AuditEvent.objects.filter(pk=event.pk, action="centre.created").exists()
