"""404/500 answers: the SPEC's JSON error shape under /v1/, Django's pages elsewhere."""

from django.http import HttpRequest, HttpResponse
from django.views import defaults

from marketing.api_errors import json_not_found, json_server_error


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith("/v1/"):
        return json_not_found(request, exception)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/v1/"):
        return json_server_error(request)
    return defaults.server_error(request)
