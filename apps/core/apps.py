from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.core.signals import got_request_exception

        from .unavailable import mark_unavailable

        got_request_exception.connect(mark_unavailable, dispatch_uid="core.database_unavailable")
