import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("marketing.requests")

# A request id from the edge proxy is kept so one id follows the request end to end;
# anything that does not look like an id is replaced (it ends up in our logs).
_REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestLogMiddleware:
    """Logs one line per request: id, method, path, status, duration.

    Only the path is logged, never the query string (it may carry an unsubscribe
    token or an email from a no-JS form) and never the client IP.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        incoming_id = request.META.get("HTTP_FLY_REQUEST_ID") or request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming_id if _REQUEST_ID_PATTERN.match(incoming_id) else uuid.uuid4().hex
        request.request_id = request_id
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        logger.info(
            "request",
            extra={
                "request_id": request_id,
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            },
        )
        return response
