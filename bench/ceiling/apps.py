from django.apps import AppConfig


class CeilingConfig(AppConfig):
    name = "bench.ceiling"
    label = "ceiling"
    default_auto_field = "django.db.models.BigAutoField"
