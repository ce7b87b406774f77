import csv
from datetime import date
from typing import Any, Protocol

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from leads.selectors import mailable_leads_rows


class Writable(Protocol):
    def write(self, text: str) -> object: ...


class Command(BaseCommand):
    help = (
        "Write a CSV of the leads that may be mailed today (express, or implied and not expired; "
        "never withdrawn or suppressed), with consent status, date, source and channel."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", help="File to write (default: standard output).")
        parser.add_argument("--date", type=date.fromisoformat, help="The day of sending (default: today, UTC).")

    def handle(self, *args: Any, **options: Any) -> None:
        today = options["date"] or timezone.now().date()
        rows = mailable_leads_rows(today=today)
        if options["output"]:
            with open(options["output"], "w", newline="", encoding="utf-8") as output:
                self.write_csv(rows, output)
        else:
            self.write_csv(rows, self.stdout)
        # The summary goes to stderr when the CSV is on stdout, so a pipe gets only CSV.
        summary = self.stdout if options["output"] else self.stderr
        summary.write(f"Exported {len(rows) - 1} mailable lead(s) for {today.isoformat()}.")

    def write_csv(self, rows: list[tuple[str, ...]], output: "Writable") -> None:
        csv.writer(output).writerows(rows)
