from django.db import migrations

# The access log is the centre's record of who looked at what, when: the database refuses to
# change or remove a row, whoever is connected (attest_append_only() raises).
TRIGGER = (
    "CREATE TRIGGER eqa_accesslog_append_only BEFORE UPDATE OR DELETE ON eqa_accesslog "
    "FOR EACH ROW EXECUTE FUNCTION attest_append_only();"
)


class Migration(migrations.Migration):
    dependencies = [
        ("eqa", "0002_initial"),
        ("assessment", "0002_append_only"),  # attest_append_only()
    ]

    operations = [
        migrations.RunSQL(TRIGGER, "DROP TRIGGER IF EXISTS eqa_accesslog_append_only ON eqa_accesslog;"),
    ]
