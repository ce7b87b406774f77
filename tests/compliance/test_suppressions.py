"""A suppressed address is kept only as its keyed hash, so it is never mailed again
nor re-imported silently, even after an erasure (SPEC §1, §6)."""

import pytest
from django.db import connection

from compliance.models import Suppression
from compliance.selectors import is_suppressed
from compliance.services import suppression_add, suppression_lift
from marketing.hashing import pepper_hash

pytestmark = pytest.mark.django_db


def test_suppressing_an_address_twice_keeps_one_row():
    first = suppression_add(email_normalized="ada@example.com", reason="withdrawn")
    second = suppression_add(email_normalized="ada@example.com", reason="withdrawn")

    assert first.pk == second.pk
    assert Suppression.objects.count() == 1


def test_the_address_is_stored_only_as_its_hmac():
    suppression_add(email_normalized="ada.lovelace+news@example.com", reason="withdrawn")

    assert Suppression.objects.get().email_hash == pepper_hash("ada.lovelace+news@example.com")
    with connection.cursor() as cursor:
        # Every column of every row as text: no part of the address anywhere.
        cursor.execute(
            "SELECT count(*) FROM compliance_suppression AS s WHERE s::text ILIKE ANY(%s)",
            [["%ada.lovelace%", "%example.com%", "%@%"]],
        )
        assert cursor.fetchone()[0] == 0


def test_a_suppressed_address_is_found_whatever_its_case():
    suppression_add(email_normalized="ada@example.com", reason="manual")

    assert is_suppressed(email_normalized="ada@example.com")
    assert is_suppressed(email_normalized=" Ada@Example.com ")
    assert not is_suppressed(email_normalized="bob@example.com")


def test_an_erasure_after_a_withdrawal_marks_the_suppression_as_erased():
    suppression_add(email_normalized="ada@example.com", reason="withdrawn")

    suppression_add(email_normalized="ada@example.com", reason="erased")

    assert Suppression.objects.get().reason == "erased"


def test_a_later_withdrawal_does_not_hide_an_erasure():
    suppression_add(email_normalized="ada@example.com", reason="erased")

    suppression_add(email_normalized="ada@example.com", reason="withdrawn")

    assert Suppression.objects.get().reason == "erased"


def test_an_unknown_reason_is_refused():
    with pytest.raises(ValueError):
        suppression_add(email_normalized="ada@example.com", reason="bounced")


def test_lifting_a_suppression_on_a_new_express_opt_in_removes_it():
    suppression_add(email_normalized="ada@example.com", reason="withdrawn")

    assert suppression_lift(email_normalized="ada@example.com") is True
    assert suppression_lift(email_normalized="ada@example.com") is False
    assert not is_suppressed(email_normalized="ada@example.com")
