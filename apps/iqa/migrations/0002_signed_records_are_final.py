from django.db import migrations

# What an IQA signed, and the history of risk bands, are records an EQA may ask to see: as for
# assessment records (assessment 0002), the database itself refuses to change or remove them.
# A sample is final once signed (its addenda correct it); an approved strategy once approved,
# except for being superseded by a newer version.
STRATEGY_FUNCTION = """
CREATE FUNCTION attest_strategy_final() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.status = 'approved' AND NEW.status = 'superseded'
       AND NEW.superseded_at IS NOT NULL
       AND (NEW.centre_id, NEW.qualification_id, NEW.version, NEW.rules, NEW.rationale, NEW.from_template,
            NEW.created_by_id, NEW.created_at, NEW.approved_by_id, NEW.approved_name, NEW.approved_at)
           IS NOT DISTINCT FROM
           (OLD.centre_id, OLD.qualification_id, OLD.version, OLD.rules, OLD.rationale, OLD.from_template,
            OLD.created_by_id, OLD.created_at, OLD.approved_by_id, OLD.approved_name, OLD.approved_at) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'an approved sampling strategy never changes: % refused (start a new version)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""
TRIGGERS = [
    ("iqa_sample_signed_final", "iqa_sample", "WHEN (OLD.signed_at IS NOT NULL)", "attest_append_only"),
    ("iqa_sampleaddendum_append_only", "iqa_sampleaddendum", "", "attest_append_only"),
    ("iqa_riskbandchange_append_only", "iqa_riskbandchange", "", "attest_append_only"),
    ("iqa_samplingstrategy_final", "iqa_samplingstrategy", "WHEN (OLD.status <> 'draft')", "attest_strategy_final"),
]


def create(name: str, table: str, when: str, function: str) -> str:
    return (f"CREATE TRIGGER {name} BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW {when} "
            f"EXECUTE FUNCTION {function}();")


class Migration(migrations.Migration):
    dependencies = [
        ("iqa", "0001_initial"),
        ("assessment", "0002_append_only"),
    ]

    operations = [migrations.RunSQL(STRATEGY_FUNCTION, "DROP FUNCTION IF EXISTS attest_strategy_final();")] + [
        migrations.RunSQL(create(*trigger), f"DROP TRIGGER IF EXISTS {trigger[0]} ON {trigger[1]};")
        for trigger in TRIGGERS
    ]
