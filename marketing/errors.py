"""Domain errors that services raise and the API layer turns into SPEC error bodies."""

from typing import Any


class ServiceError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, fields: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}


class RateLimited(ServiceError):
    status_code = 429
    code = "rate_limited"

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__("Too many requests; retry later.")
        self.retry_after_seconds = max(1, int(retry_after_seconds))


class PayloadTooLarge(ServiceError):
    status_code = 413
    code = "payload_too_large"
