from django.db import migrations

# Assessment records are evidence an awarding organisation may ask to see: like the audit
# trail, the database itself refuses to change or remove them.
FUNCTION = """
CREATE FUNCTION attest_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% rows are append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""
TABLES = [
    "assessment_mapping",
    "assessment_decision",
    "assessment_countersignature",
    "assessment_evidenceassessment",
    "assessment_feedbackread",
    "assessment_requirementcoverage",
    "assessment_unitsignoff",
    "assessment_signoffacknowledgement",
    "assessment_unitreopening",
]


def forbid(table: str) -> str:
    return (
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION attest_append_only();"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("assessment", "0001_initial"),
    ]

    operations = [migrations.RunSQL(FUNCTION, "DROP FUNCTION IF EXISTS attest_append_only();")] + [
        migrations.RunSQL(forbid(table), f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};") for table in TABLES
    ]
