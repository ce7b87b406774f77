"""Database-enforced immutability of the legal records.

The admin already refuses to edit or delete these rows, but the proof must also hold
against a shell, a hand-written UPDATE or a buggy service, so PostgreSQL refuses:

- any DELETE of a consent event or an erasure receipt;
- any UPDATE of an erasure receipt;
- any UPDATE of a consent event, except the PIPEDA erasure anonymisation: `lead_id`
  may only become NULL and `ip_hash` may only become '', every other column must stay
  as it was. The comparison is over the whole row as JSON minus those two columns,
  so a column added later is protected without touching this trigger. Django's
  SET_NULL when a lead is deleted is this same UPDATE, so it passes too.

The error is SQLSTATE 23001 (restrict_violation), which Django raises as
IntegrityError. TRUNCATE is not row-level and does not fire these triggers (the test
suite's database flush relies on that); in production the application role should
not be granted TRUNCATE on these tables.
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION compliance_consent_event_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'consent events are append-only: DELETE refused'
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF (to_jsonb(NEW) - 'lead_id' - 'ip_hash') IS DISTINCT FROM (to_jsonb(OLD) - 'lead_id' - 'ip_hash')
       OR (NEW.lead_id IS DISTINCT FROM OLD.lead_id AND NEW.lead_id IS NOT NULL)
       OR (NEW.ip_hash IS DISTINCT FROM OLD.ip_hash AND NEW.ip_hash <> '')
    THEN
        RAISE EXCEPTION 'consent events are append-only: only erasure may blank lead_id and ip_hash'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER compliance_consent_event_append_only
    BEFORE UPDATE OR DELETE ON compliance_consentevent
    FOR EACH ROW EXECUTE FUNCTION compliance_consent_event_append_only();

CREATE FUNCTION compliance_erasure_receipt_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'erasure receipts are immutable: % refused', TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TRIGGER compliance_erasure_receipt_immutable
    BEFORE UPDATE OR DELETE ON compliance_erasurereceipt
    FOR EACH ROW EXECUTE FUNCTION compliance_erasure_receipt_immutable();
"""

REVERSE = """
DROP TRIGGER compliance_erasure_receipt_immutable ON compliance_erasurereceipt;
DROP FUNCTION compliance_erasure_receipt_immutable();
DROP TRIGGER compliance_consent_event_append_only ON compliance_consentevent;
DROP FUNCTION compliance_consent_event_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("compliance", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, reverse_sql=REVERSE)]
