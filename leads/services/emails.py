"""Email addresses as we store and match them (SPEC §3: trim, lower-case, IDNA domain).

One normal form is what makes "the same person" decidable: the unique Lead row, the
Suppression HMAC and the erasure look-up all key on it. Plus-addressing
(`ann+news@example.com`) is kept as typed: it is a different mailbox to us, and
stripping it would merge addresses the person chose to keep apart.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

from marketing.errors import ServiceError

MAX_EMAIL_CHARS = 254  # RFC 5321 path limit minus the angle brackets
MAX_LOCAL_PART_CHARS = 64

# No allowlist: `user@localhost` is not an address a marketing email can reach.
_validate_email = EmailValidator(allowlist=[])


class InvalidEmail(ServiceError):
    code = "invalid_email"

    def __init__(self) -> None:
        super().__init__("Enter a valid email address.", fields={"email": ["Enter a valid email address."]})


@dataclass(frozen=True, slots=True)
class NormalizedEmail:
    address: str
    domain: str


def email_normalize(raw: object) -> NormalizedEmail:
    """The stored form of an address, or InvalidEmail.

    The local part is lower-cased too: RFC 5321 lets a server treat it as case
    sensitive, but no mailbox provider we will mail does, and two rows for
    `Ann@` and `ann@` would split one person's consent record in two.
    """
    if not isinstance(raw, str):
        raise InvalidEmail()
    text = raw.strip()
    local_part, at, domain = text.rpartition("@")
    if not at or not local_part or not domain or len(local_part) > MAX_LOCAL_PART_CHARS:
        raise InvalidEmail()
    try:
        # Python's "idna" codec (IDNA 2003 with nameprep) also case-folds, so
        # `Bücher.DE` and `bücher.de` give the same `xn--bcher-kva.de`.
        ascii_domain = domain.rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise InvalidEmail() from None
    address = f"{local_part.lower()}@{ascii_domain}"
    if len(address) > MAX_EMAIL_CHARS:
        raise InvalidEmail()
    try:
        _validate_email(address)
    except ValidationError:
        raise InvalidEmail() from None
    return NormalizedEmail(address=address, domain=ascii_domain)
