from django.apps import AppConfig


class HomeConfig(AppConfig):
    """Each person's home page: what needs doing, from every app, by what they may do."""

    name = "apps.home"
    label = "home"
    verbose_name = "Home"
