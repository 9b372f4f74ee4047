from django.apps import AppConfig


class LearnersConfig(AppConfig):
    name = "apps.learners"
    label = "learners"
    verbose_name = "Learners and enrolments"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the receivers)
