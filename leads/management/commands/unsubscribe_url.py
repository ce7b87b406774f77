from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from leads.models import Lead
from leads.services import InvalidEmail, email_normalize, unsubscribe_url_for
from marketing.errors import ServiceError


class Command(BaseCommand):
    help = "Print the signed unsubscribe URL of a lead (what an email and its List-Unsubscribe header embed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")

    def handle(self, *args: Any, **options: Any) -> None:
        lead = self.find_lead(options["email"])
        try:
            self.stdout.write(unsubscribe_url_for(lead_id=lead.pk))
        except ServiceError as error:
            raise CommandError(error.message) from error

    def find_lead(self, email: str) -> Lead:
        try:
            address = email_normalize(email).address
        except InvalidEmail as error:
            raise CommandError(error.message) from error
        lead = Lead.objects.filter(email_normalized=address).first()
        if lead is None:
            raise CommandError("No lead has this email address.")
        return lead
