"""Writes of the legal records (CASL consent audit, PIPEDA suppressions and erasure
receipts), the abuse log, and the retention purge of raw data (SPEC §4–§6).

`leads` calls these; this module never imports `leads` (it is the app above). Lead
ids arrive as plain UUIDs.
"""

import re
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from compliance.models import (
    ABUSE_REASON_REGEX,
    HASH_REGEX,
    AbuseLogEntry,
    ConsentEvent,
    ConsentEventSource,
    ConsentEventStatus,
    ErasureReceipt,
    Suppression,
    SuppressionReason,
)
from compliance.selectors import email_hash_for
from marketing.client_ip import normalized_ip
from marketing.models import RateCounter
from tracking.models import Event, Session

PurgeProgress = Callable[[str, int], None]


# --- Consent audit (CASL) -------------------------------------------------------------


def consent_event_record(
    *,
    lead_id: uuid.UUID | None,
    status: str,
    source: str,
    purpose: str,
    ip_hash: str,
    occurred_at: datetime | None = None,
) -> ConsentEvent:
    """Append one consent change to the audit. Call it in the same transaction as the
    change of the lead's status, so the audit and the lead never disagree."""
    if status not in ConsentEventStatus.values:
        raise ValueError(f"unknown consent status {status!r}")
    if source not in ConsentEventSource.values:
        raise ValueError(f"unknown consent source {source!r}")
    if status == ConsentEventStatus.EXPRESS and not purpose.strip():
        raise ValueError("express consent needs the purpose text the person agreed to")
    if ip_hash and not re.fullmatch(HASH_REGEX, ip_hash):
        raise ValueError("ip_hash must be marketing.hashing.pepper_hash(ip) or '', never the IP itself")
    return ConsentEvent.objects.create(
        lead_id=lead_id,
        status=status,
        source=source,
        purpose=purpose,
        occurred_at=occurred_at or timezone.now(),
        ip_hash=ip_hash,
    )


def consent_events_anonymise(*, lead_id: uuid.UUID) -> int:
    """Strip a lead's consent events of their personal links (erasure); returns rows changed.

    The rows themselves stay: status, method, time and purpose are the anonymous
    proof that consent was handled lawfully. Call it before deleting the lead, while
    its events can still be found by lead_id. The database trigger allows exactly
    this UPDATE and no other.
    """
    return ConsentEvent.objects.filter(lead_id=lead_id).update(lead=None, ip_hash="")


# --- Suppressions and erasure receipts (PIPEDA) -----------------------------------------


def suppression_add(*, email_normalized: str, reason: str) -> Suppression:
    """Suppress an address (idempotent): adding it again returns the existing row.

    A later erasure turns a withdrawn or manual suppression into an erased one: once
    the lead is gone, "erased" is the only explanation left for the hash.
    """
    if reason not in SuppressionReason.values:
        raise ValueError(f"unknown suppression reason {reason!r}")
    suppression, created = Suppression.objects.get_or_create(
        email_hash=email_hash_for(email_normalized=email_normalized),
        defaults={"reason": reason, "created_at": timezone.now()},
    )
    if not created and reason == SuppressionReason.ERASED and suppression.reason != SuppressionReason.ERASED:
        suppression.reason = SuppressionReason.ERASED
        suppression.save(update_fields=["reason"])
    return suppression


def suppression_lift(*, email_normalized: str) -> bool:
    """Remove an address's suppression; True when there was one.

    Only a new, explicit express opt-in may call this (SPEC §3: a suppressed address
    never returns to consent otherwise), in the same transaction as the ConsentEvent
    that records the opt-in.
    """
    deleted, _ = Suppression.objects.filter(email_hash=email_hash_for(email_normalized=email_normalized)).delete()
    return deleted > 0


def erasure_receipt_record(
    *, email_normalized: str, erased_by: str, reason: str, counts: Mapping[str, int]
) -> ErasureReceipt:
    """Record that an erasure was carried out, with the rows removed per table.
    Write it in the erasure's transaction, so a rolled-back erasure leaves no receipt."""
    if not erased_by.strip():
        raise ValueError('erased_by must name the admin user, or be "command"')
    if any(not isinstance(label, str) or not isinstance(n, int) or n < 0 for label, n in counts.items()):
        raise ValueError("counts must map table labels to non-negative row counts")
    return ErasureReceipt.objects.create(
        erased_at=timezone.now(),
        erased_by=erased_by.strip(),
        email_hash=email_hash_for(email_normalized=email_normalized),
        reason=reason,
        counts=dict(counts),
    )


# --- Abuse log ------------------------------------------------------------------------


def abuse_log_record(*, ip: str, reason: str, path: str) -> AbuseLogEntry | None:
    """Keep a raw IP for abuse controls, or nothing when RAW_IP_RETENTION_DAYS is 0.

    This is the only place a raw IP may be written (SPEC §1); retention_purge drops
    it after RAW_IP_RETENTION_DAYS.
    """
    if settings.RAW_IP_RETENTION_DAYS == 0:
        return None
    address = normalized_ip(ip)
    if not address:
        raise ValueError("ip must be an IP address")
    if not re.fullmatch(ABUSE_REASON_REGEX, reason):
        raise ValueError(f"abuse reason must match {ABUSE_REASON_REGEX}")
    max_path = AbuseLogEntry._meta.get_field("path").max_length
    return AbuseLogEntry.objects.create(ip=address, reason=reason, path=path[:max_path], created_at=timezone.now())


# --- Retention purge (SPEC §4, §5) ----------------------------------------------------


def retention_purge(
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    batch_size: int = 5000,
    progress: PurgeProgress | None = None,
) -> dict[str, int]:
    """Delete raw data past its retention; returns rows deleted (or, with dry_run, that
    would be) per model label.

    Each batch is its own short transaction (DELETE ... WHERE id = ANY(ARRAY(SELECT
    ... LIMIT n))), so a large purge never holds locks for long and the ingest path
    keeps writing; `progress(label, deleted_so_far)` is called after each batch.

    Not here, because they belong to the apps that own them:
    - expired implied consents change leads.Lead, an app above this one; leads
      expires them and records each in the audit via consent_event_record;
    - daily rollups (ROLLUP_RETENTION_MONTHS) have no model yet; the metrics app will
      purge its own rows.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    now = now or timezone.now()
    event_cutoff = now - timedelta(days=settings.EVENT_RETENTION_DAYS)
    # RAW_IP_RETENTION_DAYS=0 makes the cutoff now: switching raw IPs off also
    # removes the ones already kept.
    raw_ip_cutoff = now - timedelta(days=settings.RAW_IP_RETENTION_DAYS)

    options: dict[str, Any] = {"dry_run": dry_run, "batch_size": batch_size, "progress": progress}
    return {
        Event._meta.label: _rows_purge(model=Event, where="occurred_at < %(cutoff)s", cutoff=event_cutoff, **options),
        Session._meta.label: _sessions_purge(cutoff=event_cutoff, **options),
        AbuseLogEntry._meta.label: _rows_purge(
            model=AbuseLogEntry, where="created_at < %(cutoff)s", cutoff=raw_ip_cutoff, **options
        ),
        RateCounter._meta.label: _rows_purge(
            model=RateCounter, where="expires_at <= %(cutoff)s", cutoff=now, **options
        ),
    }


def _rows_purge(
    *,
    model: type[models.Model],
    where: str,
    cutoff: datetime,
    dry_run: bool,
    batch_size: int,
    progress: PurgeProgress | None,
) -> int:
    """Purge a table that no other table references, with plain DELETEs (no ORM
    collector: at 5,000 rows a batch it would only add round trips)."""
    label, table, key = model._meta.label, model._meta.db_table, model._meta.pk.column
    if model._meta.related_objects:
        # A plain DELETE would break their foreign keys at commit; fail before it.
        raise RuntimeError(f"{label} is referenced by other models: purge it through the ORM instead")
    params: dict[str, Any] = {"cutoff": cutoff, "batch_size": batch_size}
    if dry_run:
        return _count(f"SELECT count(*) FROM {table} WHERE {where}", params, label=label, progress=progress)
    deleted_so_far = 0
    while True:
        # `= ANY(ARRAY(subquery))` rather than `IN (subquery)`: with IN, PostgreSQL
        # may hash-join the batch against a sequential scan of the whole table on
        # every batch; the array form finds the batch's rows through the primary key.
        # SKIP LOCKED: two purges running at once share the rows instead of queueing
        # on each other; a batch that comes back short ends the loop.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {table} WHERE {key} = ANY(ARRAY("
                f"SELECT {key} FROM {table} WHERE {where} LIMIT %(batch_size)s FOR UPDATE SKIP LOCKED))",
                params,
            )
            deleted = cursor.rowcount
        deleted_so_far += deleted
        if progress:
            progress(label, deleted_so_far)
        if deleted < batch_size:
            return deleted_so_far


# A session past the window with no event left inside it. Its events are purged
# first, so in a real run these sessions are empty.
_SESSION_EXPIRED = """
    session.ended_at < %(cutoff)s AND NOT EXISTS (
        SELECT 1 FROM tracking_event AS event
        WHERE event.session_id = session.id AND event.occurred_at >= %(cutoff)s
    )
"""


def _sessions_purge(*, cutoff: datetime, dry_run: bool, batch_size: int, progress: PurgeProgress | None) -> int:
    """Sessions go through the ORM's delete, not a plain DELETE: apps above tracking
    point at sessions (leads.FormSubmission.session, SET_NULL), and only Django's
    collector applies their on_delete rules without this app importing them."""
    label = Session._meta.label
    params: dict[str, Any] = {"cutoff": cutoff, "batch_size": batch_size}
    if dry_run:
        return _count(
            f"SELECT count(*) FROM tracking_session AS session WHERE {_SESSION_EXPIRED}",
            params, label=label, progress=progress,
        )
    deleted_so_far = 0
    while True:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT id FROM tracking_session AS session WHERE {_SESSION_EXPIRED} "
                    "LIMIT %(batch_size)s FOR UPDATE SKIP LOCKED",
                    params,
                )
                session_ids = [row[0] for row in cursor.fetchall()]
            if session_ids:
                _, deleted_per_model = Session.objects.filter(pk__in=session_ids).delete()
                deleted_so_far += deleted_per_model.get(label, 0)
        if progress:
            progress(label, deleted_so_far)
        if len(session_ids) < batch_size:
            return deleted_so_far


def _count(sql: str, params: dict[str, Any], *, label: str, progress: PurgeProgress | None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        count = cursor.fetchone()[0]
    if progress:
        progress(label, count)
    return count
