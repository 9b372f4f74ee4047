import pytest
from django.db import DatabaseError, connection, transaction

from apps.audit.models import AuditEvent
from apps.audit.services import audit_record


@pytest.fixture
def event(centre, admin_membership):
    with transaction.atomic():
        return audit_record(action="test.happened", actor=admin_membership.user, centre=centre, payload={"n": 1})


def test_an_event_records_who_where_what_and_when(event, admin_membership, centre):
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.action, stored.actor, stored.centre, stored.payload) == (
        "test.happened",
        admin_membership.user,
        centre,
        {"n": 1},
    )
    assert stored.created_at is not None


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditevent SET action = 'forged' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ],
)
def test_the_database_refuses_to_change_or_delete_an_event(event, statement):
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "test.happened"


def test_the_orm_cannot_change_or_delete_an_event_either(event):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk, action="test.happened").exists()


def test_an_event_outside_a_transaction_is_refused(transactional_db, centre):
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit_record(action="test.loose", actor=None, centre=centre)


def test_admins_browse_and_filter_their_centres_events(admin_client, admin_membership, member, event):
    other = member(centre=admin_membership.centre, is_learner=True)
    with transaction.atomic():
        audit_record(action="other.thing", actor=other.user, centre=admin_membership.centre)
    page = admin_client.get("/audit/").content.decode()
    assert "test.happened" in page and "other.thing" in page

    filtered = admin_client.get("/audit/", {"action": "other.thing"}).content.decode()
    assert "other.thing" in filtered and "<code>test.happened</code>" not in filtered

    by_person = admin_client.get("/audit/", {"person": other.user.email}).content.decode()
    assert "<code>other.thing</code>" in by_person and "<code>test.happened</code>" not in by_person


def test_events_of_another_centre_never_show(admin_client, member, db):
    from tests.factories import CentreFactory

    elsewhere = CentreFactory()
    with transaction.atomic():
        audit_record(action="secret.elsewhere", actor=None, centre=elsewhere)
    assert "secret.elsewhere" not in admin_client.get("/audit/").content.decode()


def test_a_backwards_date_range_gets_a_clear_message(admin_client, event):
    page = admin_client.get("/audit/", {"date_from": "2026-05-01", "date_to": "2026-04-01"}).content.decode()
    assert "The end date is before the start date." in page


def test_audit_page_queries_do_not_grow_with_events(admin_client, admin_membership, django_assert_max_num_queries):
    def add(n):
        with transaction.atomic():
            for i in range(n):
                audit_record(action=f"bulk.{i % 3}", actor=admin_membership.user, centre=admin_membership.centre)

    add(3)
    from django.db import connection as conn
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(conn) as few:
        admin_client.get("/audit/")
    add(40)
    with django_assert_max_num_queries(len(few)):
        admin_client.get("/audit/")
