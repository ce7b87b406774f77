"""Request body parsers for the public write endpoints.

`navigator.sendBeacon` with a string body sends `text/plain;charset=UTF-8` (a CORS
"simple" request, so no preflight); fetch callers send `application/json`. Both carry
JSON. The body is read with a hard cap so an oversized beacon costs us 64 KiB of
reading at most, whatever Content-Length claims.
"""

import json
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser

from marketing.errors import PayloadTooLarge

MAX_BODY_BYTES = 64 * 1024


class JsonBodyParser(BaseParser):
    media_type = "application/json"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            raise PayloadTooLarge(f"Body exceeds {MAX_BODY_BYTES} bytes.")
        raw = stream.read(MAX_BODY_BYTES + 1) if stream is not None else b""
        if len(raw) > MAX_BODY_BYTES:
            raise PayloadTooLarge(f"Body exceeds {MAX_BODY_BYTES} bytes.")
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError) as error:
            raise ParseError("Body is not valid JSON.") from error


class BeaconBodyParser(JsonBodyParser):
    media_type = "text/plain"
