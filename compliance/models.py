"""The legal records: consent audit (CASL), suppressions and erasure receipts
(PIPEDA), and the short-lived abuse log (SPEC §1, §5, §6).

This app sits below `leads` and never imports it: the consent audit points at a lead
by the string label "leads.Lead" only. Hash columns are CHECKed to be 64 hex digits,
so an email or an IP in clear cannot be written to them by mistake.
"""

import uuid

from django.db import models
from django.db.models import Q

from marketing.ids import uuid7

# marketing.hashing.pepper_hash: hex HMAC-SHA256.
HASH_REGEX = r"^[0-9a-f]{64}$"
ABUSE_REASON_REGEX = r"^[a-z][a-z0-9_]{0,63}$"


class ConsentEventStatus(models.TextChoices):
    PENDING = "pending"
    EXPRESS = "express"
    IMPLIED = "implied"
    WITHDRAWN = "withdrawn"
    # An implied consent that ran out (CASL s. 10(10): 6 months after the inquiry).
    EXPIRED = "expired"


class ConsentEventSource(models.TextChoices):
    """How the change happened: the "method" CASL record keeping asks for."""

    FORM = "form", "HTML form post"
    API = "api", "JSON API (fetch)"
    UNSUBSCRIBE_LINK = "unsubscribe_link", "Unsubscribe link"
    UNSUBSCRIBE_API = "unsubscribe_api", "Unsubscribe API / one-click"
    ADMIN = "admin", "Back office"
    COMMAND = "command", "Management command"
    EXPIRY = "expiry", "Implied consent expiry"
    ERASURE = "erasure", "Erasure request"


class SuppressionReason(models.TextChoices):
    WITHDRAWN = "withdrawn"
    ERASED = "erased"
    MANUAL = "manual"


class ConsentEvent(models.Model):
    """One change of a lead's consent, kept as proof (CASL s. 13: the burden of proving
    consent is on the sender).

    Append-only: the admin cannot add, change or delete rows, and a trigger
    (migration 0002) refuses UPDATE and DELETE in the database itself. The one
    exception is erasure (PIPEDA), which may blank the personal links `lead_id` and
    `ip_hash` and nothing else; the row stays as an anonymous record that a consent
    change happened, when, how and for what purpose.
    """

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    # SET_NULL, not CASCADE: deleting a lead must not delete the audit; the trigger
    # allows exactly this UPDATE (lead_id to NULL).
    # db_index=False: consent_event_lead_time_idx leads with lead and serves the FK.
    lead = models.ForeignKey(
        "leads.Lead",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="consent_events",
        db_index=False,
    )
    status = models.CharField(max_length=10, choices=ConsentEventStatus.choices)
    source = models.CharField(max_length=20, choices=ConsentEventSource.choices)
    purpose = models.TextField(blank=True, default="", help_text="The text the person agreed to.")
    occurred_at = models.DateTimeField()
    ip_hash = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        indexes = [
            # A lead's consent history, newest first (lead page, capture rules).
            models.Index(fields=["lead", "-occurred_at"], name="consent_event_lead_time_idx"),
            # The admin's date filter and hierarchy.
            models.Index(fields=["occurred_at"], name="consent_event_time_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ConsentEventStatus.values), name="consent_event_status_valid"),
            models.CheckConstraint(condition=Q(source__in=ConsentEventSource.values), name="consent_event_source_valid"),
            models.CheckConstraint(
                condition=Q(ip_hash="") | Q(ip_hash__regex=HASH_REGEX), name="consent_event_ip_hash_is_hash"
            ),
            # Express consent is only valid with the purpose it was asked for
            # (CASL s. 10(1)(a)); without it the row proves nothing.
            models.CheckConstraint(
                condition=~Q(status=ConsentEventStatus.EXPRESS) | ~Q(purpose=""),
                name="consent_event_express_has_purpose",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.status} via {self.source} @ {self.occurred_at:%Y-%m-%d %H:%M}"


class Suppression(models.Model):
    """An address we must never mail again nor re-import silently, held only as its
    keyed hash: after an erasure it is the one trace left of the email."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email_hash = models.CharField(max_length=64, unique=True)
    reason = models.CharField(max_length=10, choices=SuppressionReason.choices)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(email_hash__regex=HASH_REGEX), name="suppression_email_hash_is_hash"),
            models.CheckConstraint(condition=Q(reason__in=SuppressionReason.values), name="suppression_reason_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.email_hash[:12]}… ({self.reason})"


class ErasureReceipt(models.Model):
    """Proof that an erasure request was carried out: when, by whom, what was removed.
    Immutable: a trigger (migration 0002) refuses UPDATE and DELETE."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    erased_at = models.DateTimeField()
    erased_by = models.CharField(max_length=150, help_text='Admin username, or "command".')
    # Not unique: the same address can be captured again and erased again.
    email_hash = models.CharField(max_length=64, db_index=True)
    reason = models.TextField(blank=True, default="")
    counts = models.JSONField(default=dict, help_text="Rows removed per table.")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(email_hash__regex=HASH_REGEX), name="erasure_receipt_email_hash_is_hash"),
            models.CheckConstraint(condition=~Q(erased_by=""), name="erasure_receipt_erased_by_set"),
        ]

    def __str__(self) -> str:
        return f"erasure by {self.erased_by} @ {self.erased_at:%Y-%m-%d %H:%M}"


class AbuseLogEntry(models.Model):
    """The only table that may hold a raw IP (abuse controls: honeypot hits, rate
    limits, failed challenges). Purged after RAW_IP_RETENTION_DAYS (≤ 7); with 0,
    nothing is written at all."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    ip = models.GenericIPAddressField()
    reason = models.CharField(max_length=64)
    path = models.CharField(max_length=2048, blank=True, default="")
    # Indexed: the purge deletes by age, the admin lists newest first.
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name_plural = "abuse log entries"
        constraints = [
            models.CheckConstraint(condition=Q(reason__regex=ABUSE_REASON_REGEX), name="abuse_log_entry_reason_format"),
        ]

    def __str__(self) -> str:
        return f"{self.reason} from {self.ip} @ {self.created_at:%Y-%m-%d %H:%M}"
