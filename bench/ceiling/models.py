import uuid

from django.db import models

from marketing.ids import uuid7


class CeilingEvent(models.Model):
    """Column for column the same types as tracking.Event (UUID keys, varchars of the
    same lengths, JSONB props), so a row is as wide. Deliberately without foreign keys,
    the (visitor, event_id) unique constraint, CHECK constraints and secondary indexes:
    only the primary key index is maintained. visitor_id/session_id are plain UUIDs."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    visitor_id = models.UUIDField()
    session_id = models.UUIDField()
    event_id = models.UUIDField(default=uuid.uuid4)
    event_type = models.CharField(max_length=64)
    path = models.CharField(max_length=2048)
    occurred_at = models.DateTimeField()
    client_ts = models.DateTimeField(null=True, blank=True)
    ip_hash = models.CharField(max_length=64)
    ua_hash = models.CharField(max_length=64)
    property_id = models.CharField(max_length=64, default="default")
    traffic_source = models.CharField(max_length=20)
    device_type = models.CharField(max_length=10)
    country_code = models.CharField(max_length=2, null=True, blank=True)
    is_entrance = models.BooleanField(default=False)
    is_exit = models.BooleanField(default=False)
    is_conversion = models.BooleanField(default=False)
    props = models.JSONField(default=dict, blank=True)
