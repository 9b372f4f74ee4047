from django.db import migrations

# A claim leaves Attest once. From its submission the batch, its learners' lines and their units
# are what the awarding organisation was sent: the database itself refuses to change or remove
# them, or to add to them, whoever is connected. What the AO answers is a ClaimOutcome, which is
# never changed or removed either (a correction is a newer outcome).
BATCH_FUNCTION = """
CREATE FUNCTION attest_claim_batch_final() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'a submitted claim batch never changes: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""
# A line belongs to a submitted batch before (OLD) or after (NEW) the change: either refuses it.
LINE_FUNCTION = """
CREATE FUNCTION attest_claim_line_final() RETURNS trigger AS $$
DECLARE
    batches bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        batches := ARRAY[NEW.batch_id];
    ELSIF TG_OP = 'UPDATE' THEN
        batches := ARRAY[OLD.batch_id, NEW.batch_id];
    ELSE
        batches := ARRAY[OLD.batch_id];
    END IF;
    IF EXISTS (SELECT 1 FROM certification_claimbatch WHERE id = ANY(batches) AND status = 'submitted') THEN
        RAISE EXCEPTION 'the learners of a submitted claim batch never change: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""
UNIT_FUNCTION = """
CREATE FUNCTION attest_claim_unit_final() RETURNS trigger AS $$
DECLARE
    lines bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        lines := ARRAY[NEW.line_id];
    ELSIF TG_OP = 'UPDATE' THEN
        lines := ARRAY[OLD.line_id, NEW.line_id];
    ELSE
        lines := ARRAY[OLD.line_id];
    END IF;
    IF EXISTS (SELECT 1 FROM certification_claimline l JOIN certification_claimbatch b ON b.id = l.batch_id
               WHERE l.id = ANY(lines) AND b.status = 'submitted') THEN
        RAISE EXCEPTION 'the units of a submitted claim batch never change: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""
FUNCTIONS = [
    ("attest_claim_batch_final", BATCH_FUNCTION),
    ("attest_claim_line_final", LINE_FUNCTION),
    ("attest_claim_unit_final", UNIT_FUNCTION),
]
TRIGGERS = [
    ("certification_claimbatch_final", "certification_claimbatch", "UPDATE OR DELETE",
     "WHEN (OLD.status = 'submitted')", "attest_claim_batch_final"),
    ("certification_claimline_final", "certification_claimline", "INSERT OR UPDATE OR DELETE", "",
     "attest_claim_line_final"),
    ("certification_claimunit_final", "certification_claimunit", "INSERT OR UPDATE OR DELETE", "",
     "attest_claim_unit_final"),
    ("certification_claimoutcome_append_only", "certification_claimoutcome", "UPDATE OR DELETE", "",
     "attest_append_only"),
]


def create(name: str, table: str, events: str, when: str, function: str) -> str:
    return f"CREATE TRIGGER {name} BEFORE {events} ON {table} FOR EACH ROW {when} EXECUTE FUNCTION {function}();"


class Migration(migrations.Migration):
    dependencies = [
        ("certification", "0001_initial"),
        ("assessment", "0002_append_only"),  # attest_append_only()
    ]

    operations = [
        migrations.RunSQL(sql, f"DROP FUNCTION IF EXISTS {name}();") for name, sql in FUNCTIONS
    ] + [
        migrations.RunSQL(create(*trigger), f"DROP TRIGGER IF EXISTS {trigger[0]} ON {trigger[1]};")
        for trigger in TRIGGERS
    ]
