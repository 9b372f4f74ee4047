from django.apps import AppConfig


class LearnersConfig(AppConfig):
    name = "apps.learners"
    label = "learners"
    verbose_name = "Learners and enrolments"
