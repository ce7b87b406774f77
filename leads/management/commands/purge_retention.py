from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from compliance.services import retention_purge
from leads.services import consents_expire, visitors_purge_unlinked


class Command(BaseCommand):
    help = (
        "Apply the retention table (SPEC §4/§5): raw events, sessions and visitors linked to no lead > "
        "EVENT_RETENTION_DAYS, raw IPs > "
        "RAW_IP_RETENTION_DAYS, and expired implied consents (recorded as expired in the consent audit). "
        "Deletes in bounded batches."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count what would go; change nothing.")
        parser.add_argument("--batch-size", type=int, default=5000)

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        dry_run = options["dry_run"]
        purged = self.purge_raw_data(now=now, dry_run=dry_run, batch_size=options["batch_size"])
        purged["tracking.Visitor"] = self.purge_unlinked_visitors(
            now=now, dry_run=dry_run, batch_size=options["batch_size"]
        )
        expired = self.expire_consents(now=now, dry_run=dry_run)
        verb = "Would purge" if dry_run else "Purged"
        parts = ", ".join(f"{count} {label}" for label, count in purged.items())
        self.stdout.write(f"{verb} {parts}; {'would expire' if dry_run else 'expired'} {expired} implied consent(s).")

    def purge_raw_data(self, *, now: datetime, dry_run: bool, batch_size: int) -> dict[str, int]:
        return retention_purge(now=now, dry_run=dry_run, batch_size=batch_size, progress=self.progress)

    def purge_unlinked_visitors(self, *, now: datetime, dry_run: bool, batch_size: int) -> int:
        purged = visitors_purge_unlinked(now=now, dry_run=dry_run, batch_size=batch_size, progress=self.progress)
        if dry_run:
            self.progress("tracking.Visitor (unseen, linked to no lead)", purged)
        return purged

    def expire_consents(self, *, now: datetime, dry_run: bool) -> int:
        expired = consents_expire(now=now, dry_run=dry_run)
        self.progress("leads.Lead (implied consent expired)", expired)
        return expired

    def progress(self, label: str, count: int) -> None:
        self.stdout.write(f"  {label}: {count}")
