from django.apps import AppConfig


class IqaConfig(AppConfig):
    name = "apps.iqa"
    label = "iqa"
    verbose_name = "Internal quality assurance"

    def ready(self) -> None:
        from . import receivers  # noqa: F401
