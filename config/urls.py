from django.contrib import admin
from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView

from marketing.admin_login import admin_login_throttled
from leads.apis import LeadCaptureApi, LeadUnsubscribeApi
from marketing.apis import HealthzApi
from marketing.views import demo_page
from tracking.apis import EventIngestApi

v1 = [
    path("v1/events", EventIngestApi.as_view(), name="events"),
    path("v1/healthz", HealthzApi.as_view(), name="healthz"),
    path("v1/leads/capture", LeadCaptureApi.as_view(), name="lead_capture"),
    path("v1/leads/unsubscribe", LeadUnsubscribeApi.as_view(), name="lead_unsubscribe"),
    path("v1/openapi.json", SpectacularJSONAPIView.as_view(), name="openapi"),
]

urlpatterns = [
    path("", demo_page, name="demo"),
    # Before admin/: the admin's own login, rate limited per client IP.
    path("admin/login/", admin_login_throttled, name="admin_login_throttled"),
    path("admin/", admin.site.urls),
    *v1,
]

handler404 = "config.errors.not_found"
handler500 = "config.errors.server_error"
