from django.apps import AppConfig


class EqaConfig(AppConfig):
    name = "apps.eqa"
    label = "eqa"
    verbose_name = "External quality assurance"
