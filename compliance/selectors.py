"""Reads of the compliance records that other apps need (leads asks before mailing,
capturing or exporting an address)."""

from compliance.models import Suppression
from marketing.hashing import pepper_hash


def email_hash_for(*, email_normalized: str) -> str:
    """The keyed hash an address is suppressed and receipted under.

    Callers pass the address as leads normalises it (trimmed, lower-case, IDNA
    domain); trimming and lower-casing again here is a no-op for them and keeps a
    careless caller from missing a suppression over a capital letter.
    """
    email = email_normalized.strip().lower()
    if "@" not in email:
        raise ValueError("email_normalized must be an email address")
    return pepper_hash(email)


def is_suppressed(*, email_normalized: str) -> bool:
    return Suppression.objects.filter(email_hash=email_hash_for(email_normalized=email_normalized)).exists()
