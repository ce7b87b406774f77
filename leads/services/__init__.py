from leads.services.capture import CaptureInput, CaptureResult, lead_capture
from leads.services.consent import consent_on_capture, consent_withdraw, consents_expire, implied_consent_expiry
from leads.services.emails import InvalidEmail, NormalizedEmail, email_normalize
from leads.services.erasure import email_erase
from leads.services.identities import identities_link_heuristic, identity_link_strong
from leads.services.retention import visitors_purge_unlinked
from leads.services.turnstile import TurnstileFailed, turnstile_verify
from leads.services.unsubscribe import (
    InvalidUnsubscribeToken,
    lead_id_from_unsubscribe_token,
    lead_unsubscribe,
    unsubscribe_token_for,
    unsubscribe_url_for,
)

__all__ = [
    "CaptureInput",
    "CaptureResult",
    "InvalidEmail",
    "InvalidUnsubscribeToken",
    "NormalizedEmail",
    "TurnstileFailed",
    "consent_on_capture",
    "consent_withdraw",
    "consents_expire",
    "email_erase",
    "email_normalize",
    "identities_link_heuristic",
    "identity_link_strong",
    "implied_consent_expiry",
    "lead_capture",
    "lead_id_from_unsubscribe_token",
    "lead_unsubscribe",
    "turnstile_verify",
    "unsubscribe_token_for",
    "unsubscribe_url_for",
    "visitors_purge_unlinked",
]
