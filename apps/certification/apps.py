from django.apps import AppConfig


class CertificationConfig(AppConfig):
    name = "apps.certification"
    label = "certification"
    verbose_name = "Certification"
