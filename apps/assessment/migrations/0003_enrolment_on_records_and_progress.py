"""Carry the enrolment on mappings and assessments (found by index, not through every evidence
version), and keep a progress summary per enrolment."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

# The tables are append-only (their triggers refuse UPDATE): the owner lifts the trigger for
# the one backfill of the new column, in this transaction.
BACKFILL = """
ALTER TABLE {table} DISABLE TRIGGER {table}_append_only;
UPDATE {table} AS t SET enrolment_id = e.enrolment_id
  FROM evidence_evidenceversion v JOIN evidence_evidence e ON e.id = v.evidence_id
 WHERE v.id = t.version_id;
ALTER TABLE {table} ENABLE TRIGGER {table}_append_only;
"""


class Migration(migrations.Migration):

    dependencies = [
        ("assessment", "0002_append_only"),
        ("evidence", "0006_export_lease"),
        ("learners", "0002_learner_import"),
    ]

    operations = [
        migrations.AddField(
            model_name="mapping",
            name="enrolment",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                    to="learners.enrolment"),
        ),
        migrations.AddField(
            model_name="evidenceassessment",
            name="enrolment",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                    to="learners.enrolment"),
        ),
        migrations.RunSQL(BACKFILL.format(table="assessment_mapping"), migrations.RunSQL.noop),
        migrations.RunSQL(BACKFILL.format(table="assessment_evidenceassessment"), migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="mapping",
            name="enrolment",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="learners.enrolment"),
        ),
        migrations.AlterField(
            model_name="evidenceassessment",
            name="enrolment",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="learners.enrolment"),
        ),
        migrations.CreateModel(
            name="EnrolmentProgress",
            fields=[
                ("enrolment", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True,
                                                   related_name="progress_summary", serialize=False,
                                                   to="learners.enrolment")),
                ("summary", models.JSONField()),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
        ),
    ]
