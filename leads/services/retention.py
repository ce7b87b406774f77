"""Retention of visitors: the one rule that needs to know about leads.

compliance.retention_purge removes raw events and sessions after EVENT_RETENTION_DAYS,
but a visitor row (anonId and hashes) would outlive them forever. A visitor not seen
for that long and tied to no lead is removed too; a visitor linked to a lead is part
of that lead's journey and goes only with the lead (erasure).
"""

from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet

from leads.models import LeadIdentity
from tracking.models import Visitor


def _unlinked_visitors_before(cutoff: datetime) -> QuerySet[Visitor]:
    return Visitor.objects.filter(last_seen_at__lt=cutoff).exclude(
        Exists(LeadIdentity.objects.filter(visitor=OuterRef("pk")))
    )


def visitors_purge_unlinked(
    *,
    now: datetime,
    dry_run: bool = False,
    batch_size: int = 5000,
    progress: Callable[[str, int], None] | None = None,
) -> int:
    """Delete visitors unseen for EVENT_RETENTION_DAYS and linked to no lead, in
    batches; returns how many were (or, with dry_run, would be) deleted."""
    cutoff = now - timedelta(days=settings.EVENT_RETENTION_DAYS)
    if dry_run:
        return _unlinked_visitors_before(cutoff).count()
    deleted = 0
    while True:
        with transaction.atomic():
            # Locked and re-checked in the same transaction: a visitor who comes back
            # meanwhile waits on the lock, then gets a fresh row.
            batch = list(
                _unlinked_visitors_before(cutoff)
                .select_for_update(skip_locked=True)
                .values_list("pk", flat=True)[:batch_size]
            )
            if not batch:
                return deleted
            # The ORM delete also nulls FormSubmission.visitor and removes any sessions left.
            Visitor.objects.filter(pk__in=batch).delete()
        deleted += len(batch)
        if progress is not None:
            progress(Visitor._meta.label, deleted)
