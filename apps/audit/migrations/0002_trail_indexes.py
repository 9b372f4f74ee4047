"""Indexes for the audit trail's pages at a million events: paging by (created_at, id) and the
filters by action and by person, each an ordered range of one index. They replace the index on
(centre, -created_at), which the first covers in both directions.

Built concurrently: a live trail keeps taking events while they are made."""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="auditevent",
            index=models.Index(fields=["centre", "created_at", "id"], name="audit_trail"),
        ),
        AddIndexConcurrently(
            model_name="auditevent",
            index=models.Index(fields=["centre", "action", "created_at", "id"], name="audit_trail_action"),
        ),
        AddIndexConcurrently(
            model_name="auditevent",
            index=models.Index(fields=["centre", "actor", "created_at", "id"], name="audit_trail_actor"),
        ),
        RemoveIndexConcurrently(model_name="auditevent", name="audit_centre_recent"),
    ]
