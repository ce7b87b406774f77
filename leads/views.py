"""Server-rendered answers for people without JavaScript: the HTML form posts to
/v1/leads/capture and /v1/leads/unsubscribe, and the unsubscribe confirmation page.

These views translate only: form fields in, one service call, a redirect or a page
out. The API views in apis.py route form posts here, so each URL stays one endpoint.
"""

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.request import validate_host
from django.shortcuts import render
from rest_framework.request import Request

from compliance.models import ConsentEventSource
from leads.services import (
    CaptureInput,
    InvalidUnsubscribeToken,
    lead_capture,
    lead_id_from_unsubscribe_token,
    lead_unsubscribe,
)
from marketing.errors import RateLimited, ServiceError
from marketing.rate_limits import rate_limit_enforce
from marketing.request_context import request_context_for
from tracking.models import ANON_ID_REGEX, MAX_PATH_CHARS, MAX_URL_CHARS

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
# RFC 8058 §3.1: a mailbox provider's one-click POST SHOULD be multipart/form-data.
MULTIPART_CONTENT_TYPE = "multipart/form-data"
# Fields of the no-JS capture form that are ours; every other field is the form's
# own (name, company…) and goes to the service, which keeps only declared ones.
CAPTURE_FORM_CONTROLS = frozenset(
    {"email", "anon_id", "form_name", "consent", "purpose", "website", "next", "cf-turnstile-response",
     "csrfmiddlewaretoken"}
)
CHECKBOX_TICKED = frozenset({"on", "1", "true", "yes"})
FORM_NAME_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
ANON_ID_PATTERN = re.compile(ANON_ID_REGEX)
ONE_CLICK_BODY = ("List-Unsubscribe", "One-Click")  # RFC 8058 §3.1

ERROR_MESSAGES = {
    "invalid_email": "That email address does not look right. Please check it and try again.",
    "rate_limited": "Too many attempts from your network. Please wait a minute and try again.",
    "turnstile_failed": "We could not verify that you are human. Please try again.",
    "invalid_token": "This unsubscribe link is invalid or has expired.",
}
GENERIC_ERROR = "Something about the form was not right. Please try again."


def is_form_post(request: Request | HttpRequest, *, multipart: bool = False) -> bool:
    content_type = (request.content_type or "").split(";")[0].strip().lower()
    return content_type == FORM_CONTENT_TYPE or (multipart and content_type == MULTIPART_CONTENT_TYPE)


def page_path_for(request: Request | HttpRequest) -> str:
    """The path of the page the form was on, from Referer; "/" when unknown."""
    try:
        path = urlsplit(request.META.get("HTTP_REFERER", "")).path
    except ValueError:
        return "/"
    return path if path.startswith("/") and len(path) <= MAX_PATH_CHARS else "/"


def allowed_next_url(raw: str) -> str | None:
    """`next` if it is an absolute http(s) URL on one of the marketing site's
    origins (CORS_ALLOWED_ORIGINS) or, over https, an ALLOWED_HOSTS host; else None.

    Anything else would make us an open redirect (phishing links "through" our
    domain): protocol-relative `//evil.com`, other schemes (`javascript:`),
    credentials in the authority, backslashes browsers read as slashes. A relative
    path is refused too: it would land on this API's host, not on the site.
    """
    if not raw or len(raw) > MAX_URL_CHARS or "\\" in raw or any(ord(char) < 33 for char in raw):
        return None
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
        return None
    default_port = {"http": 80, "https": 443}[parts.scheme]
    origin = f"{parts.scheme}://{parts.hostname}" + (f":{port}" if port and port != default_port else "")
    if origin in _allowed_origins():
        return raw
    named_hosts = [host for host in settings.ALLOWED_HOSTS if host != "*"]
    if parts.scheme == "https" and validate_host(parts.hostname, named_hosts):
        return raw
    return None


def _allowed_origins() -> set[str]:
    origins = set()
    for origin in settings.CORS_ALLOWED_ORIGINS:
        parts = urlsplit(origin.lower().rstrip("/"))
        default_port = {"http": 80, "https": 443}.get(parts.scheme)
        port = parts.port if parts.port and parts.port != default_port else None
        origins.add(f"{parts.scheme}://{parts.hostname}" + (f":{port}" if port else ""))
    return origins


def _with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True) if key not in ("lead", "reason")]
    return urlunsplit(parts._replace(query=urlencode([*query, *params.items()])))


def _redirect_303(url: str) -> HttpResponseRedirect:
    # 303 See Other: the browser follows with a GET and a reload does not re-post.
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _django_request(request: Request | HttpRequest) -> HttpRequest:
    """Templates get Django's request, not DRF's wrapper around it."""
    return getattr(request, "_request", request)


def _page_context(**extra: Any) -> dict[str, Any]:
    return {
        "privacy_contact_email": settings.PRIVACY_CONTACT_EMAIL,
        "consent_purpose": settings.LEAD_CONSENT_PURPOSE,
        **extra,
    }


def lead_capture_form_post(request: Request) -> HttpResponse:
    data = request.data
    next_url = allowed_next_url(data.get("next", ""))
    try:
        rate_limit_enforce(request, group="leads", rate_setting="RATELIMIT_LEADS")
        anon_id = data.get("anon_id", "")
        form_name = data.get("form_name", "") or "default"
        lead_capture(
            capture=CaptureInput(
                email=data.get("email", ""),
                source=ConsentEventSource.FORM,
                # A bad hidden anon_id is a tracker glitch the person cannot fix:
                # capture without the link rather than refuse them.
                anon_id=anon_id if ANON_ID_PATTERN.match(anon_id) else "",
                form_name=form_name if FORM_NAME_PATTERN.match(form_name) else "default",
                # A checkbox that is not ticked is not sent at all.
                express_consent=data.get("consent", "").strip().lower() in CHECKBOX_TICKED,
                purpose=data.get("purpose", ""),
                fields={key: data.get(key) for key in data if key not in CAPTURE_FORM_CONTROLS},
                path=page_path_for(request),
                honeypot=data.get("website", ""),
                turnstile_token=data.get("cf-turnstile-response", ""),
            ),
            context=request_context_for(request),
        )
    except ServiceError as error:
        return _capture_error_answer(request, error=error, next_url=next_url)
    if next_url:
        return _redirect_303(_with_query(next_url, lead="ok"))
    return render(_django_request(request), "leads/capture_thanks.html", _page_context())


def _capture_error_answer(request: Request, *, error: ServiceError, next_url: str | None) -> HttpResponse:
    if next_url:
        return _redirect_303(_with_query(next_url, lead="error", reason=error.code))
    response = render(
        _django_request(request),
        "leads/capture_error.html",
        _page_context(message=ERROR_MESSAGES.get(error.code, GENERIC_ERROR), reason=error.code),
        status=error.status_code,
    )
    if isinstance(error, RateLimited):
        response["Retry-After"] = str(error.retry_after_seconds)
    return response


def unsubscribe_confirmation_page(request: Request) -> HttpResponse:
    """GET ?token=…: a page with one button. GET itself changes nothing: mail
    scanners and link previews fetch links, and must not unsubscribe anyone."""
    token = request.query_params.get("token", "")
    try:
        lead_id_from_unsubscribe_token(token)
    except InvalidUnsubscribeToken as error:
        return _unsubscribe_error_page(request, error=error)
    return render(_django_request(request), "leads/unsubscribe_confirm.html", _page_context(token=token))


def unsubscribe_form_post(request: Request) -> HttpResponse:
    """The confirmation page's button (token in the body), a mailbox provider's RFC
    8058 one-click POST (token in the URL, body `List-Unsubscribe=One-Click`), or
    the by-email form on the error page."""
    data = request.data
    one_click = data.get(ONE_CLICK_BODY[0]) == ONE_CLICK_BODY[1]
    token = data.get("token", "") or request.query_params.get("token", "")
    email = data.get("email", "")
    if token:
        source = ConsentEventSource.UNSUBSCRIBE_API if one_click else ConsentEventSource.UNSUBSCRIBE_LINK
    else:
        source = ConsentEventSource.FORM
    try:
        if not token:
            rate_limit_enforce(request, group="unsubscribe", rate_setting="RATELIMIT_UNSUBSCRIBE")
        lead_unsubscribe(email=email, token=token, source=source, ip_hash=request_context_for(request).ip_hash)
    except ServiceError as error:
        return _unsubscribe_error_page(request, error=error)
    return render(_django_request(request), "leads/unsubscribe_done.html", _page_context())


def _unsubscribe_error_page(request: Request, *, error: ServiceError) -> HttpResponse:
    response = render(
        _django_request(request),
        "leads/unsubscribe_error.html",
        _page_context(message=ERROR_MESSAGES.get(error.code, GENERIC_ERROR)),
        status=error.status_code,
    )
    if isinstance(error, RateLimited):
        response["Retry-After"] = str(error.retry_after_seconds)
    return response
