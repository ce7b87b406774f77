from django.apps import AppConfig


class MarketingConfig(AppConfig):
    name = "marketing"
    verbose_name = "Marketing core"

    def ready(self) -> None:
        from marketing.geo import warn_if_geoip_unconfigured

        warn_if_geoip_unconfigured()
