from django.db import migrations

# An issued document is a record the centre answers for: its number, code, learner, kind, issue
# and the document it replaces (if any) never change, and once its signed PDF is recorded (sha256
# set) neither the file nor the facts shown on the verification page do. The only change after
# that is its status, once: valid to superseded (a reissue) or valid to revoked, with who, when
# and why. No row is ever removed. Issuing takes two steps (the number is reserved, then the PDF
# recorded), so key, sha256 and facts may be set while sha256 is still empty; the run that made
# it may be set at any time.
DOCUMENT_FUNCTION = """
CREATE FUNCTION attest_document_final() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'an issued document is never removed: DELETE refused'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF (NEW.number, NEW.public_code, NEW.centre_id, NEW.line_id, NEW.kind, NEW.issued_at, NEW.issued_by_id,
        NEW.supersedes_id)
           IS DISTINCT FROM
       (OLD.number, OLD.public_code, OLD.centre_id, OLD.line_id, OLD.kind, OLD.issued_at, OLD.issued_by_id,
        OLD.supersedes_id) THEN
        RAISE EXCEPTION 'what a document is never changes: its number, code, centre, learner, kind and issue are final'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.sha256 <> '' AND (NEW.key, NEW.sha256, NEW.facts::jsonb) IS DISTINCT FROM (OLD.key, OLD.sha256, OLD.facts::jsonb) THEN
        RAISE EXCEPTION 'a document''s signed PDF and facts never change once recorded: reissue it instead'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        IF OLD.status <> 'valid' OR NEW.status NOT IN ('superseded', 'revoked') THEN
            RAISE EXCEPTION 'a document goes only from valid to superseded or revoked: % to % refused',
                OLD.status, NEW.status USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF NEW.status = 'revoked' AND (NEW.revoked_by_id IS NULL OR NEW.revoked_at IS NULL OR NEW.revoked_reason = '') THEN
            RAISE EXCEPTION 'a revoked document says who revoked it, when and why'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    END IF;
    IF (NEW.revoked_by_id, NEW.revoked_at, NEW.revoked_reason) IS DISTINCT FROM
       (OLD.revoked_by_id, OLD.revoked_at, OLD.revoked_reason)
       AND NOT (OLD.status = 'valid' AND NEW.status = 'revoked') THEN
        RAISE EXCEPTION 'who revoked a document, when and why are recorded once, as it is revoked'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""
TRIGGER = ("CREATE TRIGGER certification_document_final BEFORE UPDATE OR DELETE ON certification_document "
           "FOR EACH ROW EXECUTE FUNCTION attest_document_final();")


class Migration(migrations.Migration):
    dependencies = [
        ("certification", "0002_claims_final"),
    ]

    operations = [
        migrations.RunSQL(DOCUMENT_FUNCTION, "DROP FUNCTION IF EXISTS attest_document_final();"),
        migrations.RunSQL(TRIGGER, "DROP TRIGGER IF EXISTS certification_document_final ON certification_document;"),
    ]
