import json
from collections import Counter
from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from marketing.errors import ServiceError
from marketing.parsers import BeaconBodyParser, JsonBodyParser
from marketing.rate_limits import rate_limit_enforce
from marketing.serializer_fields import PagePathField, StrictRegexField, UtmInputSerializer
from marketing.request_context import request_context_for
from tracking.models import (
    ANON_ID_REGEX,
    EVENT_TYPE_REGEX,
    MAX_PATH_CHARS,
    MAX_URL_CHARS,
    PROPERTY_ID_REGEX,
)
from tracking.services import EventInput, events_ingest

MAX_EVENTS_PER_BATCH = 50
MAX_PROPS_BYTES = 4 * 1024
# Web-vitals and engagement measurements: the rollups average them, so they must be
# numbers, and none of them can be negative.
MEASUREMENT_PROPS = ("fcpMs", "lcpMs", "inpMs", "clsScore", "ttfbMs", "engagedTimeMs", "scrollDepthPercent")


class NotAnEvent(ServiceError):
    code = "not_an_event"


class EventIngestApi(APIView):
    """POST /v1/events: one event, or {"events": [...]} with up to 50 of them."""

    parser_classes = [JsonBodyParser, BeaconBodyParser]

    @extend_schema_serializer(component_name="EventInput")
    class InputSerializer(serializers.Serializer):
        anonId = StrictRegexField(ANON_ID_REGEX, max_length=64)
        eventType = StrictRegexField(EVENT_TYPE_REGEX, max_length=64)
        path = PagePathField(max_length=MAX_PATH_CHARS)
        eventId = serializers.UUIDField(required=False)
        timestamp = serializers.DateTimeField(required=False)
        referrer = serializers.URLField(max_length=MAX_URL_CHARS, required=False, allow_blank=True, default="")
        utm = UtmInputSerializer(required=False, default=dict)
        propertyId = StrictRegexField(PROPERTY_ID_REGEX, max_length=64, required=False, default="default")
        props = serializers.DictField(required=False, default=dict)

        def validate_props(self, value: dict) -> dict[str, Any]:
            if len(json.dumps(value, separators=(",", ":"))) > MAX_PROPS_BYTES:
                raise ValidationError(f"Must be at most {MAX_PROPS_BYTES} bytes of JSON.")
            for key in MEASUREMENT_PROPS:
                measurement = value.get(key)
                if measurement is None:
                    continue
                if isinstance(measurement, bool) or not isinstance(measurement, int | float) or measurement < 0:
                    raise ValidationError({key: "Must be a non-negative number."})
            return value

    @extend_schema_serializer(component_name="EventIngestOutput")
    class OutputSerializer(serializers.Serializer):
        ok = serializers.BooleanField()
        accepted = serializers.IntegerField()
        rejected = serializers.IntegerField()
        errors = serializers.ListField(child=serializers.DictField(), required=False)

    @extend_schema(request=InputSerializer, responses={202: OutputSerializer}, auth=[])
    def post(self, request: Request) -> Response:
        rate_limit_enforce(request, group="events", rate_setting="RATELIMIT_EVENTS")
        raw_events, is_batch = _raw_events_from(request.data)
        events: list[EventInput] = []
        rejections: Counter[str] = Counter()
        errors: list[dict[str, Any]] = []
        # One serializer for every event of the batch, as DRF's ListSerializer does:
        # building a serializer deep-copies its fields, which cost more than the
        # validation itself (tests pin the per-event answers this gives).
        event_serializer = self.InputSerializer()
        for index, raw_event in enumerate(raw_events):
            try:
                events.append(_event_input(event_serializer.run_validation(raw_event)))
            except ValidationError as invalid:
                rejections[_rejection_reason(invalid.detail)] += 1
                errors.append({"index": index, "fields": invalid.detail})
        context = request_context_for(request)
        if not is_batch and errors:
            events_ingest(events=[], rejections=rejections, context=context)
            raise ServiceError("The event has invalid fields.", code="invalid_event", fields=errors[0]["fields"])
        result = events_ingest(events=events, rejections=rejections, context=context)
        body: dict[str, Any] = {"ok": True, "accepted": result.accepted, "rejected": result.rejected}
        if errors:
            body["errors"] = errors
        return Response(body, status=202)


def _raw_events_from(data: Any) -> tuple[list[Any], bool]:
    if isinstance(data, dict) and "events" in data:
        batch = data["events"]
        if not isinstance(batch, list) or not batch:
            raise NotAnEvent("'events' must be a non-empty list of event objects.")
        if len(batch) > MAX_EVENTS_PER_BATCH:
            raise ServiceError(
                f"A batch holds at most {MAX_EVENTS_PER_BATCH} events.", code="batch_too_large"
            )
        return batch, True
    if isinstance(data, dict) and data:
        return [data], False
    raise NotAnEvent("Send one event object or {\"events\": [...]}.")


def _event_input(data: dict[str, Any]) -> EventInput:
    return EventInput(
        anon_id=data["anonId"],
        event_type=data["eventType"],
        path=data["path"],
        event_id=data.get("eventId"),
        client_ts=data.get("timestamp"),
        referrer=data["referrer"],
        utm=data["utm"],
        property_id=data["propertyId"],
        props=data["props"],
    )


def _rejection_reason(field_errors: dict[str, Any]) -> str:
    """`invalid_<field>` for the first field at fault, e.g. invalid_anonId."""
    field_name = next(iter(field_errors), "event")
    return "not_an_object" if field_name == "non_field_errors" else f"invalid_{field_name}"[:64]
