"""config.urls plus POST /bench/ceiling (bench.settings only)."""

from django.urls import path

from bench.ceiling.views import ceiling_event
from config.urls import handler404, handler500, urlpatterns as config_urlpatterns

urlpatterns = [
    *config_urlpatterns,
    path("bench/ceiling", ceiling_event, name="bench-ceiling"),
]

__all__ = ["handler404", "handler500", "urlpatterns"]
