from django.apps import AppConfig


class CentresConfig(AppConfig):
    name = "apps.centres"
    label = "centres"
    verbose_name = "Centres"
