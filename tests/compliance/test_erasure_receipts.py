import pytest
from django.db import IntegrityError, connection, transaction

from compliance.models import ErasureReceipt
from compliance.services import erasure_receipt_record
from marketing.hashing import pepper_hash

pytestmark = pytest.mark.django_db

COUNTS = {"leads.Lead": 1, "leads.LeadIdentity": 2, "tracking.Event": 14}


def test_a_receipt_holds_who_when_why_and_the_counts_but_not_the_email():
    receipt = erasure_receipt_record(
        email_normalized="ada@example.com", erased_by="privacy-officer", reason="Request by email", counts=COUNTS
    )

    stored = ErasureReceipt.objects.get(pk=receipt.pk)
    assert (stored.erased_by, stored.reason, stored.counts) == ("privacy-officer", "Request by email", COUNTS)
    assert stored.email_hash == pepper_hash("ada@example.com")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM compliance_erasurereceipt AS r WHERE r::text ILIKE %s", ["%ada@%"])
        assert cursor.fetchone()[0] == 0


@pytest.mark.parametrize(
    "fields",
    [{"erased_by": " "}, {"counts": {"leads.Lead": -1}}, {"email_normalized": "not-an-email"}],
    ids=["nobody", "negative count", "not an email"],
)
def test_it_refuses_an_incomplete_receipt(fields):
    arguments = {"email_normalized": "ada@example.com", "erased_by": "command", "reason": "", "counts": COUNTS} | fields

    with pytest.raises(ValueError):
        erasure_receipt_record(**arguments)


def test_the_database_refuses_to_change_or_delete_a_receipt():
    receipt = erasure_receipt_record(email_normalized="ada@example.com", erased_by="command", reason="", counts=COUNTS)

    for sql in ("UPDATE compliance_erasurereceipt SET reason = 'edited' WHERE id = %s",
                "DELETE FROM compliance_erasurereceipt WHERE id = %s"):
        with pytest.raises(IntegrityError, match="immutable"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [receipt.pk])

    assert ErasureReceipt.objects.get(pk=receipt.pk).reason == ""
