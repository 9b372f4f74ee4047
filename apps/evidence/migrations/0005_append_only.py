from django.db import migrations

# What a learner submitted is evidence an awarding organisation may ask to see years later:
# the database itself refuses to change or remove it, whoever is connected (the app's role
# cannot disable triggers). A submitted version may only be withdrawn, once; a stored file
# only gains its thumbnail; the links between a submitted version and its files and criteria
# stay as they were. Drafts and files attached to no submission stay free to change or sweep.
# A later data migration that must rewrite such rows has to drop and recreate these triggers.
FUNCTIONS = """
CREATE FUNCTION evidence_version_append_only() RETURNS trigger AS $$
BEGIN
    IF OLD.submitted_at IS NULL THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.withdrawn_at IS NULL AND NEW.withdrawn_at IS NOT NULL
       AND to_jsonb(NEW) - 'withdrawn_at' = to_jsonb(OLD) - 'withdrawn_at' THEN
        RETURN NEW;  -- the learner withdraws the submission
    END IF;
    RAISE EXCEPTION 'submitted evidence versions are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION evidence_storedfile_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF (NEW.key, NEW.size, NEW.sha256, NEW.content_type, NEW.kind, NEW.original_name,
            NEW.centre_id, NEW.uploaded_by_id, NEW.created_at)
           IS DISTINCT FROM
           (OLD.key, OLD.size, OLD.sha256, OLD.content_type, OLD.kind, OLD.original_name,
            OLD.centre_id, OLD.uploaded_by_id, OLD.created_at) THEN
            RAISE EXCEPTION 'stored files are append-only: UPDATE refused (only the thumbnail may be filled in)'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END IF;
    IF EXISTS (
        SELECT 1 FROM evidence_evidencefile link
        JOIN evidence_evidenceversion version ON version.id = link.version_id
        WHERE link.file_id = OLD.id AND version.submitted_at IS NOT NULL
    ) THEN
        RAISE EXCEPTION 'stored files of submitted evidence are append-only: DELETE refused'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;

-- TG_ARGV[0]: the column naming the version.
CREATE FUNCTION evidence_submitted_link_append_only() RETURNS trigger AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM evidence_evidenceversion version
        WHERE version.id = (to_jsonb(OLD) ->> TG_ARGV[0])::bigint AND version.submitted_at IS NOT NULL
    ) THEN
        RAISE EXCEPTION '% rows of submitted evidence versions are append-only: % refused', TG_TABLE_NAME, TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""

DROP_FUNCTIONS = """
DROP FUNCTION IF EXISTS evidence_version_append_only();
DROP FUNCTION IF EXISTS evidence_storedfile_append_only();
DROP FUNCTION IF EXISTS evidence_submitted_link_append_only();
"""

# table, the function, its argument
TRIGGERS = [
    ("evidence_evidenceversion", "evidence_version_append_only", ""),
    ("evidence_storedfile", "evidence_storedfile_append_only", ""),
    ("evidence_evidencefile", "evidence_submitted_link_append_only", "'version_id'"),
    ("evidence_evidenceversion_suggested_criteria", "evidence_submitted_link_append_only", "'evidenceversion_id'"),
]


def forbid(table: str, function: str, argument: str) -> str:
    return (
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {function}({argument});"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("evidence", "0004_shared_version"),
    ]

    operations = [migrations.RunSQL(FUNCTIONS, DROP_FUNCTIONS)] + [
        migrations.RunSQL(forbid(*trigger), f"DROP TRIGGER IF EXISTS {trigger[0]}_append_only ON {trigger[0]};")
        for trigger in TRIGGERS
    ]
