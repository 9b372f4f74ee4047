from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "apps.assessment"
    label = "assessment"
    verbose_name = "Assessment"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the signal receivers)
