from django.contrib import admin
from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView

from marketing.apis import HealthzApi
from marketing.views import demo_page
from tracking.apis import EventIngestApi

v1 = [
    path("v1/events", EventIngestApi.as_view(), name="events"),
    path("v1/healthz", HealthzApi.as_view(), name="healthz"),
    path("v1/openapi.json", SpectacularJSONAPIView.as_view(), name="openapi"),
]

urlpatterns = [
    path("", demo_page, name="demo"),
    path("admin/", admin.site.urls),
    *v1,
]

handler404 = "config.errors.not_found"
handler500 = "config.errors.server_error"
