"""The countersign queue reads a centre's provisional decisions, oldest first: a partial index
on them, so the queue no longer scans every decision. Built concurrently: decisions keep being
written while it is made."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("assessment", "0003_enrolment_on_records_and_progress"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="decision",
            index=models.Index(fields=["centre", "signed_at", "id"], condition=models.Q(provisional=True),
                               name="decision_provisional"),
        ),
    ]
