from django.conf import settings
from django.core.management.base import BaseCommand

from apps.demo.seed import seed_everything


class Command(BaseCommand):
    help = "Create or refresh the demo centres and one user per role (password from DEMO_PASSWORD)."

    def handle(self, *args, **options):
        password = getattr(settings, "DEMO_PASSWORD", "attest-demo")
        emails = seed_everything(password=password)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready: {len(emails)} users, password {password!r}"))
