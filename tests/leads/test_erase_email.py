"""Delete-by-email (PIPEDA, SPEC §4): what goes, what stays, and that it is all or nothing."""

from io import StringIO

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection

from compliance.models import ConsentEvent, ErasureReceipt, Suppression
from compliance.selectors import email_hash_for, is_suppressed
from leads.models import FormSubmission, Lead, LeadIdentity
from leads.selectors import erasure_preview
from leads.services import email_erase
from tracking.models import Event, Visitor

from tests.leads.conftest import CHROME_UA

pytestmark = pytest.mark.django_db

ANN_IP = "203.0.113.50"


def rows_containing(text: str) -> dict[str, int]:
    """Every table of the database, every row as text: where does `text` still appear?"""
    found = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT count(*) FROM {quoted} AS t WHERE t::text ILIKE %s", [f"%{text}%"])
            count = cursor.fetchone()[0]
            if count:
                found[table] = count
    return found


def page_view(beacon, anon_id: str, path: str = "/", **headers):
    headers.setdefault("HTTP_USER_AGENT", CHROME_UA)
    beacon({"anonId": anon_id, "eventType": "page_view", "path": path}, **headers)


@pytest.fixture
def ann(beacon, capture, client):
    """Ann: two page views, a capture, a second capture, an unsubscribe and re-opt-in;
    also a same-browser visitor linked by the heuristic, and an admin log line."""
    page_view(beacon, "ann-old-tab", REMOTE_ADDR=ANN_IP)
    page_view(beacon, "ann-laptop", "/", REMOTE_ADDR=ANN_IP)
    page_view(beacon, "ann-laptop", "/pricing", REMOTE_ADDR=ANN_IP)
    capture(
        {"email": "Ann.Lee@Example.com", "anonId": "ann-laptop", "fields": {"name": "Ann Lee"}}, REMOTE_ADDR=ANN_IP
    )
    client.post("/v1/leads/unsubscribe", data={"email": "ann.lee@example.com"}, content_type="application/json")
    capture(
        {"email": "ann.lee@example.com", "anonId": "ann-laptop", "consent": {"express": True, "purpose": "News"}},
        REMOTE_ADDR=ANN_IP,
    )
    lead = Lead.objects.get(email_normalized="ann.lee@example.com")
    LogEntry.objects.create(
        user=User.objects.create_user("officer", is_staff=True),
        content_type=ContentType.objects.get_for_model(Lead),
        object_id=str(lead.pk),
        object_repr=str(lead),
        action_flag=CHANGE,
        change_message="[]",
    )
    return lead


@pytest.fixture
def bob(capture):
    capture({"email": "bob@example.com", "anonId": "bob-phone"}, REMOTE_ADDR="198.51.100.99")
    return Lead.objects.get(email_normalized="bob@example.com")


def test_erasure_leaves_no_row_with_the_email_or_the_linked_anon_ids_in_any_table(ann, bob):
    assert rows_containing("ann.lee@example.com")  # the scan does see it before
    assert rows_containing("ann-laptop") and rows_containing("ann-old-tab")

    email_erase(email="ann.lee@example.com", erased_by="officer", reason="ticket 42")

    assert rows_containing("ann.lee@example.com") == {}
    assert rows_containing("ann-laptop") == {}
    assert rows_containing("ann-old-tab") == {}
    # Bob is untouched.
    assert Lead.objects.filter(pk=bob.pk).exists()
    assert Visitor.objects.filter(anon_id="bob-phone").exists()
    assert LeadIdentity.objects.filter(lead=bob).count() == 1


def test_only_the_suppression_hash_and_the_receipt_remain(ann):
    receipt = email_erase(email="ann.lee@example.com", erased_by="officer", reason="ticket 42")

    email_hash = email_hash_for(email_normalized="ann.lee@example.com")
    assert Suppression.objects.get(email_hash=email_hash).reason == "erased"
    assert (receipt.email_hash, receipt.erased_by, receipt.reason) == (email_hash, "officer", "ticket 42")
    # The consent audit stays, without any link to the person, and ends with the erasure.
    assert list(ConsentEvent.objects.order_by("occurred_at").values_list("lead_id", "ip_hash", "status", "source")) == [
        (None, "", "implied", "api"),
        (None, "", "withdrawn", "unsubscribe_api"),
        (None, "", "express", "api"),
        (None, "", "withdrawn", "erasure"),
    ]


def test_the_receipt_counts_the_rows_removed_per_table(beacon, capture):
    page_view(beacon, "ann-laptop", "/")
    page_view(beacon, "ann-laptop", "/pricing")
    capture({"email": "ann@example.com", "anonId": "ann-laptop"})
    capture({"email": "ann@example.com", "anonId": "ann-laptop"})

    receipt = email_erase(email="ann@example.com", erased_by="command")

    assert receipt.counts == {
        "leads.Lead": 1,
        "leads.LeadIdentity": 1,
        "leads.FormSubmission": 2,
        "compliance.ConsentEvent (anonymised)": 1,
        "tracking.Visitor": 1,
        "tracking.Session": 1,
        "tracking.Event": 4,  # 2 page views + 2 form_submit
        "admin.LogEntry": 0,
    }


def test_the_preview_shows_the_same_counts_as_the_receipt(ann):
    preview = erasure_preview(email_normalized="ann.lee@example.com")

    receipt = email_erase(email="ann.lee@example.com", erased_by="officer")

    assert preview == receipt.counts
    assert preview["tracking.Visitor"] == 2
    assert preview["admin.LogEntry"] == 1


def test_an_error_during_erasure_leaves_everything_as_it_was(ann, monkeypatch):
    def receipt_fails(**kwargs):
        raise RuntimeError("receipt table unavailable")

    monkeypatch.setattr("leads.services.erasure.erasure_receipt_record", receipt_fails)
    events_before = Event.objects.count()

    with pytest.raises(RuntimeError):
        email_erase(email="ann.lee@example.com", erased_by="officer")

    assert Lead.objects.filter(pk=ann.pk).exists()
    assert LeadIdentity.objects.filter(lead=ann).count() == 2
    assert FormSubmission.objects.filter(lead=ann).count() == 2
    assert Visitor.objects.filter(anon_id__in=["ann-laptop", "ann-old-tab"]).count() == 2
    assert Event.objects.count() == events_before
    assert ConsentEvent.objects.filter(lead=ann).count() == 3
    assert LogEntry.objects.count() == 1
    assert not is_suppressed(email_normalized="ann.lee@example.com")
    assert ErasureReceipt.objects.count() == 0


def test_a_visitor_linked_only_by_a_guess_and_claimed_strongly_by_another_lead_is_kept(beacon, capture):
    page_view(beacon, "shared-desktop", REMOTE_ADDR=ANN_IP)
    capture({"email": "ann@example.com", "anonId": "ann-laptop"}, REMOTE_ADDR=ANN_IP)  # guesses shared-desktop
    capture({"email": "bob@example.com", "anonId": "shared-desktop"}, REMOTE_ADDR="198.51.100.99")
    assert LeadIdentity.objects.filter(lead__email_normalized="ann@example.com").count() == 2

    email_erase(email="ann@example.com", erased_by="officer")

    assert Visitor.objects.filter(anon_id="shared-desktop").exists()
    assert not Visitor.objects.filter(anon_id="ann-laptop").exists()
    assert LeadIdentity.objects.filter(lead__email_normalized="bob@example.com", visitor__anon_id="shared-desktop").exists()


def test_a_visitor_with_strong_evidence_for_the_erased_lead_goes_even_if_another_lead_has_it(capture):
    capture({"email": "ann@example.com", "anonId": "family-pc"})
    capture({"email": "bob@example.com", "anonId": "family-pc"})

    email_erase(email="ann@example.com", erased_by="officer")

    assert not Visitor.objects.filter(anon_id="family-pc").exists()
    bob = Lead.objects.get(email_normalized="bob@example.com")
    assert LeadIdentity.objects.filter(lead=bob).count() == 0
    assert FormSubmission.objects.get(lead=bob).visitor is None  # SET_NULL: Bob's submission stays


def test_erasing_an_unknown_address_still_suppresses_it_and_gives_a_receipt_of_zeros():
    receipt = email_erase(email="Nobody@Example.com", erased_by="officer")

    assert set(receipt.counts.values()) == {0}
    assert is_suppressed(email_normalized="nobody@example.com")


def test_an_erased_address_captured_again_is_withdrawn_until_a_new_express_opt_in(ann, capture):
    email_erase(email="ann.lee@example.com", erased_by="officer")

    capture({"email": "ann.lee@example.com"})

    assert Lead.objects.get(email_normalized="ann.lee@example.com").consent_status == "withdrawn"


def test_the_command_erases_and_prints_the_counts_and_a_summary(ann):
    out = StringIO()

    call_command("erase_email", "ANN.LEE@example.com", "--reason", "ticket 42", stdout=out)

    output = out.getvalue()
    assert "  leads.Lead: 1" in output
    assert "  tracking.Visitor: 2" in output
    assert output.strip().splitlines()[-1].startswith("Erased: ")
    assert ErasureReceipt.objects.get().erased_by == "command"
    assert not Lead.objects.exists()


def test_the_command_refuses_an_invalid_address():
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        call_command("erase_email", "not-an-email", stdout=StringIO())
