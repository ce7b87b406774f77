from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from marketing.errors import RateLimited
from marketing.rate_limits import rate_limit_enforce


def admin_login_throttled(request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
    """The admin login, limited to RATELIMIT_ADMIN_LOGIN POSTs per client IP, so a
    password cannot be guessed at speed (config/urls.py routes /admin/login/ here)."""
    try:
        rate_limit_enforce(request, group="admin_login", rate_setting="RATELIMIT_ADMIN_LOGIN")
    except RateLimited as error:
        response = render(request, "admin/login_throttled.html", {"retry_after": error.retry_after_seconds}, status=429)
        response["Retry-After"] = str(error.retry_after_seconds)
        return response
    return admin.site.login(request, extra_context)
