from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo centres, people and portfolios, and the local stack that serves them (`make run`)."""

    name = "apps.demo"
    label = "demo"
    verbose_name = "Demo data"
