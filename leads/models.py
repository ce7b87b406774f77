"""Leads: the people who gave us their email, how we know them, what they submitted (SPEC §1).

Choices and ranges are CHECK constraints as well as Python choices, so a bulk insert,
a data migration or a hand-written UPDATE cannot store a consent state the CASL
rules (leads/services/consent.py) do not know.
"""

import uuid

from django.db import models
from django.db.models import Q


class ConsentStatus(models.TextChoices):
    # pending: no consent we may rely on (never given, or implied consent expired).
    PENDING = "pending"
    EXPRESS = "express"
    IMPLIED = "implied"
    WITHDRAWN = "withdrawn"


class LinkSource(models.TextChoices):
    FORM_SUBMIT = "form_submit"
    SAME_IP_UA_WINDOW = "same_ip_ua_window"
    MANUAL_MERGE = "manual_merge"


class ValidationStatus(models.TextChoices):
    VALID = "valid"
    # The form sent fields it does not declare (settings.LEAD_FORM_FIELDS); they
    # were dropped, not stored (PIPEDA principle 4.4: limit collection).
    FILTERED = "filtered"


class Lead(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email_normalized = models.CharField(max_length=320, unique=True)
    email_domain = models.CharField(max_length=255)
    # HMAC of email_normalized (marketing.hashing.pepper_hash), the key the
    # Suppression list is kept by: lets the mailing export exclude suppressed
    # addresses in one query instead of hashing every lead in Python.
    email_hash = models.CharField(max_length=64, db_index=True)
    consent_status = models.CharField(max_length=10, choices=ConsentStatus.choices, default=ConsentStatus.PENDING)
    consent_expires_at = models.DateTimeField(
        null=True, blank=True, help_text="Set for implied consent only: 6 months after the latest inquiry (CASL s. 10(10))."
    )
    consent_purpose = models.TextField(blank=True, default="", help_text="The purpose text of the latest consent.")
    # Denormalised from the latest ConsentEvent so the mailing export can print "when
    # and how" without a join over the append-only audit table.
    consent_at = models.DateTimeField(null=True, blank=True, help_text="When the current consent was given or renewed.")
    consent_source = models.CharField(max_length=32, blank=True, default="", help_text="How the current status came about.")
    first_captured_at = models.DateTimeField()
    last_captured_at = models.DateTimeField()
    source_channel = models.CharField(
        max_length=20, blank=True, default="", help_text="Traffic source of the first capture (direct, organic_search, …)."
    )

    class Meta:
        permissions = [("erase_lead", "Can erase an email address and everything linked to it (PIPEDA)")]
        indexes = [
            # Admin search and filters by domain; the consent export filters by status.
            models.Index(fields=["email_domain"], name="lead_email_domain_idx"),
            models.Index(fields=["consent_status", "consent_expires_at"], name="lead_consent_idx"),
            models.Index(fields=["-first_captured_at"], name="lead_first_captured_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(consent_status__in=ConsentStatus.values), name="lead_consent_status_valid"),
            models.CheckConstraint(
                condition=Q(last_captured_at__gte=models.F("first_captured_at")), name="lead_capture_order"
            ),
            # Implied consent without an end date would let the export mail someone forever.
            models.CheckConstraint(
                condition=~Q(consent_status=ConsentStatus.IMPLIED) | Q(consent_expires_at__isnull=False),
                name="lead_implied_consent_expires",
            ),
            models.CheckConstraint(condition=Q(email_normalized__contains="@"), name="lead_email_has_at"),
        ]

    def __str__(self) -> str:
        return self.email_normalized


class LeadIdentity(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="identities", db_index=False)
    visitor = models.ForeignKey("tracking.Visitor", on_delete=models.CASCADE, related_name="lead_identities")
    link_source = models.CharField(max_length=20, choices=LinkSource.choices)
    confidence = models.FloatField()
    linked_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "lead identities"
        constraints = [
            # The unique index leads with lead and also serves the lead FK.
            models.UniqueConstraint(fields=["lead", "visitor"], name="lead_identity_lead_visitor_unique"),
            models.CheckConstraint(condition=Q(link_source__in=LinkSource.values), name="lead_identity_link_source_valid"),
            models.CheckConstraint(condition=Q(confidence__gte=0) & Q(confidence__lte=1), name="lead_identity_confidence_range"),
        ]

    def __str__(self) -> str:
        return f"{self.lead_id} ~ {self.visitor_id} ({self.link_source}, {self.confidence})"


class FormSubmission(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="submissions")
    visitor = models.ForeignKey(
        "tracking.Visitor", on_delete=models.SET_NULL, null=True, blank=True, related_name="form_submissions"
    )
    session = models.ForeignKey(
        "tracking.Session", on_delete=models.SET_NULL, null=True, blank=True, related_name="form_submissions"
    )
    form_name = models.CharField(max_length=64, default="default")
    payload = models.JSONField(default=dict, blank=True, help_text="Only the fields the form declared.")
    submitted_at = models.DateTimeField()
    validation_status = models.CharField(max_length=10, choices=ValidationStatus.choices, default=ValidationStatus.VALID)

    class Meta:
        indexes = [models.Index(fields=["form_name", "submitted_at"], name="form_submission_form_time_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(validation_status__in=ValidationStatus.values), name="form_submission_validation_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.form_name} @ {self.submitted_at:%Y-%m-%d %H:%M}"
