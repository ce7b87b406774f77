"""The public lead endpoints (SPEC §3). JSON callers are answered here; HTML form
posts to the same URLs are handed to views.py, which answers with a redirect or a
page. Either way one service does the work."""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from compliance.models import ConsentEventSource
from leads.services import CaptureInput, lead_capture, lead_unsubscribe
from leads.views import (
    is_form_post,
    lead_capture_form_post,
    page_path_for,
    unsubscribe_confirmation_page,
    unsubscribe_form_post,
)
from marketing.parsers import JsonBodyParser
from marketing.rate_limits import rate_limit_enforce
from marketing.serializer_fields import (
    PagePathField,
    StrictBooleanField,
    StrictCharField,
    StrictRegexField,
    UtmInputSerializer,
)
from marketing.request_context import request_context_for
from tracking.models import ANON_ID_REGEX, MAX_PATH_CHARS, PROPERTY_ID_REGEX

FORM_NAME_REGEX = r"^[A-Za-z0-9_.-]{1,64}$"
MAX_EMAIL_INPUT_CHARS = 320
MAX_PURPOSE_CHARS = 2000
MAX_TOKEN_CHARS = 2048


class ConsentInputSerializer(serializers.Serializer):
    express = StrictBooleanField(required=False, default=False)
    purpose = StrictCharField(max_length=MAX_PURPOSE_CHARS, required=False, allow_blank=True, default="")


class LeadCaptureApi(APIView):
    """POST /v1/leads/capture: JSON from fetch, or an HTML form post (see views.py)."""

    parser_classes = [JsonBodyParser, FormParser]

    @extend_schema_serializer(component_name="LeadCaptureInput")
    class InputSerializer(serializers.Serializer):
        # Not validated here: a missing or malformed email is the service's
        # `invalid_email`, the one error code clients need to show for it.
        email = serializers.JSONField(required=False, allow_null=True, default="")
        anonId = StrictRegexField(ANON_ID_REGEX, max_length=64, required=False)
        formName = StrictRegexField(FORM_NAME_REGEX, max_length=64, required=False, default="default")
        consent = ConsentInputSerializer(required=False, default=dict)
        fields = serializers.DictField(required=False, default=dict)
        utm = UtmInputSerializer(required=False, default=dict)
        website = serializers.JSONField(required=False, allow_null=True, default="")
        turnstileToken = StrictCharField(max_length=MAX_TOKEN_CHARS, required=False, allow_blank=True, default="")
        path = PagePathField(max_length=MAX_PATH_CHARS, required=False)
        eventId = serializers.UUIDField(required=False)
        propertyId = StrictRegexField(PROPERTY_ID_REGEX, max_length=64, required=False, default="default")

    @extend_schema_serializer(component_name="LeadCaptureOutput")
    class OutputSerializer(serializers.Serializer):
        ok = serializers.BooleanField()
        status = serializers.CharField()

    @extend_schema(
        request={"application/json": InputSerializer, "application/x-www-form-urlencoded": OpenApiTypes.OBJECT},
        responses={
            200: OutputSerializer,
            303: OpenApiResponse(description="Form post: redirect to `next` with ?lead=ok or ?lead=error&reason=…"),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        if is_form_post(request):
            return lead_capture_form_post(request)
        rate_limit_enforce(request, group="leads", rate_setting="RATELIMIT_LEADS")
        serializer = self.InputSerializer(data=request.data if isinstance(request.data, dict) else {})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        consent = data["consent"]
        lead_capture(
            capture=CaptureInput(
                email=data["email"],
                source=ConsentEventSource.API,
                anon_id=data.get("anonId", ""),
                form_name=data["formName"],
                express_consent=consent.get("express", False),
                purpose=consent.get("purpose", ""),
                fields=data["fields"],
                utm=data["utm"],
                path=data.get("path") or page_path_for(request),
                event_id=data.get("eventId"),
                property_id=data["propertyId"],
                honeypot=_honeypot_text(data["website"]),
                turnstile_token=data["turnstileToken"],
            ),
            context=request_context_for(request),
        )
        # The same answer for a new address, a known one, and a honeypot hit.
        return Response(self.OutputSerializer({"ok": True, "status": "captured"}).data)


class LeadUnsubscribeApi(APIView):
    """POST /v1/leads/unsubscribe ({email} or {token}; also form posts and RFC 8058
    one-click), and GET ?token=… for the confirmation page (views.py)."""

    # Multipart only here, for RFC 8058 one-click (its SHOULD); capture stays urlencoded.
    parser_classes = [JsonBodyParser, FormParser, MultiPartParser]

    @extend_schema_serializer(component_name="LeadUnsubscribeInput")
    class InputSerializer(serializers.Serializer):
        email = serializers.JSONField(required=False, allow_null=True, default="")
        token = StrictCharField(max_length=MAX_TOKEN_CHARS, required=False, allow_blank=True, default="")

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if not attrs["token"] and attrs["email"] in ("", None):
                raise ValidationError({"email": ["Send an email or a token."]})
            return attrs

    @extend_schema_serializer(component_name="LeadUnsubscribeOutput")
    class OutputSerializer(serializers.Serializer):
        ok = serializers.BooleanField()
        status = serializers.CharField()

    @extend_schema(
        request={
            "application/json": InputSerializer,
            "application/x-www-form-urlencoded": OpenApiTypes.OBJECT,
            "multipart/form-data": OpenApiTypes.OBJECT,
        },
        responses={200: OutputSerializer},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        if is_form_post(request, multipart=True):
            return unsubscribe_form_post(request)
        serializer = self.InputSerializer(data=request.data if isinstance(request.data, dict) else {})
        serializer.is_valid(raise_exception=True)
        token, email = serializer.validated_data["token"], serializer.validated_data["email"]
        if not token:
            # Only by-email requests are limited: a token cannot be guessed, and a
            # mailbox provider's one-click POSTs all come from a few of its IPs.
            rate_limit_enforce(request, group="unsubscribe", rate_setting="RATELIMIT_UNSUBSCRIBE")
        lead_unsubscribe(
            email=email,
            token=token,
            source=ConsentEventSource.UNSUBSCRIBE_API,
            ip_hash=request_context_for(request).ip_hash,
        )
        # The same answer whether or not the address was known.
        return Response(self.OutputSerializer({"ok": True, "status": "unsubscribed"}).data)

    @extend_schema(
        responses={(200, "text/html"): OpenApiTypes.STR, (400, "text/html"): OpenApiTypes.STR},
        auth=[],
    )
    def get(self, request: Request) -> Any:
        return unsubscribe_confirmation_page(request)


def _honeypot_text(value: Any) -> str:
    """Whatever a bot typed into the hidden field, as text ("" when left empty)."""
    return "" if value in ("", None, False) else str(value)
