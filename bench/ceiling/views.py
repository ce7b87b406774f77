import hashlib
import json
import uuid

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from bench.ceiling.models import CeilingEvent


@csrf_exempt
@require_POST
def ceiling_event(request: HttpRequest) -> JsonResponse:
    """Parse the body, store one row, answer 202: no validation, no lookups."""
    data = json.loads(request.body)
    user_agent = request.META.get("HTTP_USER_AGENT", "")
    CeilingEvent.objects.create(
        visitor_id=uuid.uuid4(),
        session_id=uuid.uuid4(),
        event_id=data.get("eventId") or uuid.uuid4(),
        event_type=data.get("eventType", ""),
        path=data.get("path", "/"),
        occurred_at=timezone.now(),
        client_ts=data.get("timestamp"),
        ip_hash=hashlib.sha256(request.META.get("REMOTE_ADDR", "").encode()).hexdigest(),
        ua_hash=hashlib.sha256(user_agent.encode()).hexdigest(),
        property_id=data.get("propertyId", "default"),
        traffic_source="direct",
        device_type="unknown",
        is_entrance=data.get("eventType") == "page_view",
        props=data.get("props") or {},
    )
    return JsonResponse({"ok": True, "accepted": 1, "rejected": 0}, status=202)
