"""Who may be mailed today (CASL): the selector, the command and its CSV."""

import csv
from datetime import datetime, time, timedelta, timezone as dt_timezone
from io import StringIO

import pytest
from django.core.management import call_command

from compliance.services import suppression_add
from leads.models import Lead
from leads.selectors import mailable_leads

pytestmark = pytest.mark.django_db

TODAY = datetime.now(dt_timezone.utc).date()
END_OF_TODAY = datetime.combine(TODAY + timedelta(days=1), time.min, tzinfo=dt_timezone.utc)


@pytest.fixture
def leads(capture, client):
    """One lead in each situation the export must tell apart."""
    for name in ("express", "implied-valid", "implied-ends-today", "implied-ends-at-midnight", "pending",
                 "withdrawn", "suppressed"):
        capture({"email": f"{name}@example.com"})
    capture({"email": "express@example.com", "consent": {"express": True, "purpose": "Newsletter"}})
    Lead.objects.filter(email_normalized="implied-ends-today@example.com").update(
        consent_expires_at=END_OF_TODAY - timedelta(hours=1)
    )
    Lead.objects.filter(email_normalized="implied-ends-at-midnight@example.com").update(consent_expires_at=END_OF_TODAY)
    Lead.objects.filter(email_normalized="pending@example.com").update(consent_status="pending", consent_expires_at=None)
    client.post("/v1/leads/unsubscribe", data={"email": "withdrawn@example.com"}, content_type="application/json")
    suppression_add(email_normalized="suppressed@example.com", reason="manual")


def test_only_express_and_still_valid_implied_consents_not_suppressed_may_be_mailed(leads):
    assert list(mailable_leads(today=TODAY).values_list("email_normalized", flat=True)) == [
        "express@example.com",
        "implied-ends-at-midnight@example.com",
        "implied-valid@example.com",
    ]


def test_an_implied_consent_is_not_mailable_on_a_day_after_it_ends(leads):
    later = TODAY + timedelta(days=200)

    assert list(mailable_leads(today=later).values_list("email_normalized", flat=True)) == ["express@example.com"]


def test_the_command_writes_a_csv_with_the_consent_date_and_source(leads, tmp_path):
    output = tmp_path / "mailable.csv"
    out = StringIO()

    call_command("export_mailable_leads", "--output", str(output), stdout=out)

    rows = list(csv.reader(output.open(encoding="utf-8")))
    assert rows[0] == ["email", "consent_status", "consent_date", "consent_expires", "consent_source", "source_channel"]
    assert [row[0] for row in rows[1:]] == [
        "express@example.com",
        "implied-ends-at-midnight@example.com",
        "implied-valid@example.com",
    ]
    express = rows[1]
    assert express[1:] == ["express", TODAY.isoformat(), "", "api", "unknown"]
    assert rows[3][1] == "implied" and rows[3][3] != ""
    assert out.getvalue().strip() == f"Exported 3 mailable lead(s) for {TODAY.isoformat()}."


def test_the_command_writes_only_csv_to_stdout_and_the_summary_to_stderr(leads):
    out, err = StringIO(), StringIO()

    call_command("export_mailable_leads", stdout=out, stderr=err)

    assert out.getvalue().splitlines()[0] == "email,consent_status,consent_date,consent_expires,consent_source,source_channel"
    assert len(out.getvalue().splitlines()) == 4
    assert "Exported 3" in err.getvalue()
