from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction

User = get_user_model()


@transaction.atomic
def user_create(
    *, email: str, full_name: str, password: str, email_verified: bool, platform_staff: bool = False
) -> User:
    """Create an account with its allauth email record (verified where the address was proven).
    Platform staff (who keep the shared catalogue) are made only from the server's commands."""
    user = User.objects.create_user(
        email=email, password=password, full_name=full_name.strip(), is_staff=platform_staff,
        is_superuser=platform_staff,
    )
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=email_verified)
    return user
