from django.db import migrations

# Records are evidence an awarding organisation may ask to see: the database refuses to
# change or remove them (the function comes from the assessment app's migration). A witness
# request changes as it is resent, cancelled or answered, but is never removed.
APPEND_ONLY = [
    "records_observation",
    "records_observationconfirmation",
    "records_questioning",
    "records_questionanswer",
    "records_professionaldiscussion",
]
NO_DELETE = ["records_witnessrequest"]


def forbid(table: str, operations: str) -> str:
    return (
        f"CREATE TRIGGER {table}_append_only BEFORE {operations} ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION attest_append_only();"
    )


def drop(table: str) -> str:
    return f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};"


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0001_initial"),
        ("assessment", "0002_append_only"),
    ]

    operations = [migrations.RunSQL(forbid(t, "UPDATE OR DELETE"), drop(t)) for t in APPEND_ONLY] + [
        migrations.RunSQL(forbid(t, "DELETE"), drop(t)) for t in NO_DELETE
    ]
