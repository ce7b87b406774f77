from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tracking.services import sessions_settle_exits


class Command(BaseCommand):
    help = "Mark the exit page_view of every session that has ended (the rollup job does this too)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args: Any, **options: Any) -> None:
        settled = sessions_settle_exits(batch_size=options["batch_size"])
        self.stdout.write(f"Settled exits of {settled} ended session(s).")
