"""Visitors, their sessions and the events they send (SPEC §1).

Choices are enforced by CHECK constraints as well as by the API, so a bulk insert or
a hand-written migration cannot store a value the rollups do not know.
"""

import uuid

from django.contrib.postgres.indexes import BrinIndex
from django.db import models
from django.db.models import Q

from marketing.ids import uuid7
from marketing.traffic_source import TrafficSource

ANON_ID_REGEX = r"^[A-Za-z0-9_-]{8,64}$"
EVENT_TYPE_REGEX = r"^[a-z][a-z0-9_]{0,63}$"
PROPERTY_ID_REGEX = r"^[A-Za-z0-9_.-]{1,64}$"
COUNTRY_CODE_REGEX = r"^[A-Z]{2}$"
MAX_PATH_CHARS = 2048
MAX_URL_CHARS = 2048
MAX_UTM_CHARS = 255


class DeviceType(models.TextChoices):
    DESKTOP = "desktop"
    MOBILE = "mobile"
    TABLET = "tablet"
    BOT = "bot"
    UNKNOWN = "unknown"


class EventType(models.TextChoices):
    """The event types the tracker sends; any `[a-z][a-z0-9_]{0,63}` name is also accepted."""

    PAGE_VIEW = "page_view"
    CTA_CLICK = "cta_click"
    FORM_START = "form_start"
    FORM_SUBMIT = "form_submit"
    EMAIL_VERIFY = "email_verify"
    ENGAGEMENT = "engagement"
    WEB_VITALS = "web_vitals"


class Visitor(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    anon_id = models.CharField(max_length=64, unique=True)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    first_ip_hash = models.CharField(max_length=64)
    last_ip_hash = models.CharField(max_length=64)
    first_ua_hash = models.CharField(max_length=64)
    last_ua_hash = models.CharField(max_length=64)

    class Meta:
        indexes = [
            # Heuristic identity stitching looks for other visitors behind the same
            # IP + browser seen recently.
            models.Index(fields=["last_ip_hash", "last_ua_hash", "last_seen_at"], name="visitor_ip_ua_seen_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(anon_id__regex=ANON_ID_REGEX), name="visitor_anon_id_format"),
            models.CheckConstraint(condition=Q(last_seen_at__gte=models.F("first_seen_at")), name="visitor_seen_order"),
        ]

    def __str__(self) -> str:
        return self.anon_id


class Session(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    # CASCADE: a visitor's sessions are theirs alone; erasing the visitor erases them.
    # db_index=False: session_visitor_latest_idx leads with visitor and serves the FK.
    visitor = models.ForeignKey(Visitor, on_delete=models.CASCADE, related_name="sessions", db_index=False)
    property_id = models.CharField(max_length=64, default="default")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(help_text="Time of the last activity in the session.")
    landing_path = models.CharField(max_length=MAX_PATH_CHARS, blank=True, default="")
    referrer = models.CharField(max_length=MAX_URL_CHARS, blank=True, default="")
    utm_source = models.CharField(max_length=MAX_UTM_CHARS, blank=True, default="")
    utm_medium = models.CharField(max_length=MAX_UTM_CHARS, blank=True, default="")
    utm_campaign = models.CharField(max_length=MAX_UTM_CHARS, blank=True, default="")
    utm_term = models.CharField(max_length=MAX_UTM_CHARS, blank=True, default="")
    utm_content = models.CharField(max_length=MAX_UTM_CHARS, blank=True, default="")
    traffic_source = models.CharField(max_length=20, choices=TrafficSource.choices)
    has_page_view = models.BooleanField(default=False)
    exit_settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The ingest path's "current session of this visitor on this property".
            models.Index(fields=["visitor", "property_id", "-ended_at"], name="session_visitor_latest_idx"),
            # Exit settlement scans ended, unsettled sessions only.
            models.Index(fields=["ended_at"], condition=Q(exit_settled_at__isnull=True), name="session_unsettled_idx"),
            models.Index(fields=["property_id", "started_at"], name="session_property_started_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(traffic_source__in=TrafficSource.values), name="session_traffic_source_valid"),
            models.CheckConstraint(condition=Q(ended_at__gte=models.F("started_at")), name="session_time_order"),
            models.CheckConstraint(condition=Q(property_id__regex=PROPERTY_ID_REGEX), name="session_property_id_format"),
        ]

    def __str__(self) -> str:
        return f"{self.visitor_id} @ {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def utm(self) -> dict[str, str]:
        return {
            "source": self.utm_source,
            "medium": self.utm_medium,
            "campaign": self.utm_campaign,
            "term": self.utm_term,
            "content": self.utm_content,
        }


class Event(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    # No single-column FK indexes: the composite indexes below lead with visitor and
    # session and serve the same look-ups; every index is paid for on each insert.
    visitor = models.ForeignKey(Visitor, on_delete=models.CASCADE, related_name="events", db_index=False)
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="events", db_index=False)
    event_id = models.UUIDField(default=uuid.uuid4, help_text="Client idempotency key.")
    event_type = models.CharField(max_length=64)
    path = models.CharField(max_length=MAX_PATH_CHARS)
    occurred_at = models.DateTimeField(help_text="Server receive time.")
    client_ts = models.DateTimeField(null=True, blank=True)
    ip_hash = models.CharField(max_length=64)
    ua_hash = models.CharField(max_length=64)
    property_id = models.CharField(max_length=64, default="default")
    traffic_source = models.CharField(max_length=20, choices=TrafficSource.choices)
    device_type = models.CharField(max_length=10, choices=DeviceType.choices)
    country_code = models.CharField(max_length=2, null=True, blank=True)
    is_entrance = models.BooleanField(default=False)
    is_exit = models.BooleanField(default=False)
    is_conversion = models.BooleanField(default=False)
    props = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["visitor", "-occurred_at"], name="event_visitor_time_idx"),
            models.Index(fields=["event_type", "-occurred_at"], name="event_type_time_idx"),
            models.Index(fields=["path", "-occurred_at"], name="event_path_time_idx"),
            models.Index(fields=["property_id", "occurred_at"], name="event_property_time_idx"),
            models.Index(fields=["traffic_source", "occurred_at"], name="event_source_time_idx"),
            models.Index(fields=["device_type", "occurred_at"], name="event_device_time_idx"),
            models.Index(fields=["session", "occurred_at"], name="event_session_time_idx"),
            # The retention purge deletes the oldest events in batches; rows arrive in
            # time order, so a BRIN index finds them for a few pages of index.
            BrinIndex(fields=["occurred_at"], name="event_occurred_brin_idx"),
        ]
        constraints = [
            # A retried beacon carries the same eventId and is stored once.
            models.UniqueConstraint(fields=["visitor", "event_id"], name="event_visitor_event_id_unique"),
            models.CheckConstraint(condition=Q(event_type__regex=EVENT_TYPE_REGEX), name="event_type_format"),
            models.CheckConstraint(condition=Q(path__startswith="/"), name="event_path_absolute"),
            models.CheckConstraint(condition=Q(traffic_source__in=TrafficSource.values), name="event_traffic_source_valid"),
            models.CheckConstraint(condition=Q(device_type__in=DeviceType.values), name="event_device_type_valid"),
            models.CheckConstraint(
                condition=Q(country_code__isnull=True) | Q(country_code__regex=COUNTRY_CODE_REGEX),
                name="event_country_code_format",
            ),
            models.CheckConstraint(condition=Q(property_id__regex=PROPERTY_ID_REGEX), name="event_property_id_format"),
            models.CheckConstraint(
                condition=(Q(is_conversion=True) & Q(event_type=EventType.FORM_SUBMIT))
                | (Q(is_conversion=False) & ~Q(event_type=EventType.FORM_SUBMIT)),
                name="event_conversion_is_form_submit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.path}"


class IngestRejection(models.Model):
    """Events refused at ingest, counted per day and reason, for "ingest success %"."""

    day = models.DateField()
    reason = models.CharField(max_length=64)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "reason"], name="ingest_rejection_day_reason_unique")]

    def __str__(self) -> str:
        return f"{self.day} {self.reason}: {self.count}"
