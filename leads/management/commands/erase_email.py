from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from compliance.models import ErasureReceipt
from leads.services import InvalidEmail, email_erase


class Command(BaseCommand):
    help = (
        "Erase an email address (PIPEDA): its lead, identities, submissions, linked visitors with their "
        "sessions and events; anonymise its consent events; suppress it and record a receipt. One transaction."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--reason", default="", help="Why, e.g. the request's ticket number.")
        parser.add_argument("--by", default="command", help='Who asked for it, recorded on the receipt (default "command").')

    def handle(self, *args: Any, **options: Any) -> None:
        receipt = self.erase(options["email"], reason=options["reason"], erased_by=options["by"])
        self.print_counts(receipt)
        removed = sum(receipt.counts.values())
        self.stdout.write(f"Erased: {removed} row(s) removed or anonymised; suppressed; receipt {receipt.pk}.")

    def erase(self, email: str, *, reason: str, erased_by: str) -> ErasureReceipt:
        try:
            return email_erase(email=email, erased_by=erased_by, reason=reason)
        except InvalidEmail as error:
            raise CommandError(error.message) from error

    def print_counts(self, receipt: ErasureReceipt) -> None:
        for label, count in sorted(receipt.counts.items()):
            self.stdout.write(f"  {label}: {count}")
