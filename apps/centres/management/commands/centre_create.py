"""manage.py centre_create: a new centre and an invitation for its first admin.

The platform's one way to open a centre (the Django admin only looks). It runs the same
services as the centre's own pages, so the centre and the invitation are audited; the
invitation email goes out as usual and the link is printed too, for handing over by phone.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email, validate_slug
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from apps.centres.models import Centre
from apps.centres.roles import RoleSet
from apps.centres.services import centre_create, invitation_create

NAME_MAX = Centre._meta.get_field("name").max_length
SLUG_MAX = Centre._meta.get_field("slug").max_length
NUMBER_MAX = Centre._meta.get_field("ao_centre_number").max_length


class Command(BaseCommand):
    help = (
        "Create a centre and invite its first centre admin (the link is emailed and printed). "
        "Acts as a platform staff account (manage.py createsuperuser makes one)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--name", required=True, help="the centre's name, e.g. 'Northgate College'")
        parser.add_argument("--slug", required=True, help="short unique identifier: lowercase letters, digits, hyphens")
        parser.add_argument("--admin-email", required=True, help="email address of the centre's first admin")
        parser.add_argument("--admin-name", required=True, help="full name of the centre's first admin")
        parser.add_argument("--ao-centre-number", default="", help="the awarding organisation's centre number")
        parser.add_argument(
            "--by", default="", metavar="EMAIL",
            help="the platform staff account recorded as doing this (default: the only one there is)",
        )

    def handle(self, *args, name: str, slug: str, admin_email: str, admin_name: str, ao_centre_number: str,
               by: str, **options) -> None:
        name, slug, admin_name = name.strip(), slug.strip(), admin_name.strip()
        admin_email, ao_centre_number = admin_email.strip().lower(), ao_centre_number.strip()
        problems = self._problems(
            name=name, slug=slug, admin_email=admin_email, admin_name=admin_name, ao_centre_number=ao_centre_number
        )
        actor = self._actor(by.strip(), problems)
        if problems:
            raise CommandError("Nothing was created:\n" + "\n".join(f"  - {p}" for p in problems))

        try:
            with transaction.atomic():
                centre = centre_create(name=name, slug=slug, actor=actor, ao_centre_number=ao_centre_number)
                invitation = invitation_create(
                    centre=centre, actor=actor, email=admin_email, full_name=admin_name,
                    roles=RoleSet(admin=True), base_url=settings.ATTEST_BASE_URL,
                )
        except IntegrityError:
            # Another process took the slug between the check and the insert.
            raise CommandError(f"Nothing was created: the slug '{slug}' is already in use.") from None
        except ValidationError as exc:
            raise CommandError("Nothing was created:\n" + "\n".join(f"  - {m}" for m in exc.messages)) from None

        link = settings.ATTEST_BASE_URL.rstrip("/") + reverse("invitation_accept", args=[invitation.raw_token])
        self.stdout.write(self.style.SUCCESS(f"Created centre {centre.name} ({centre.slug})."))
        self.stdout.write(
            f"Invited {invitation.full_name} <{invitation.email}> as centre admin; the link works once, "
            f"until {timezone.localdate(invitation.expires_at):%d %B %Y}:\n{link}"
        )

    def _problems(self, *, name: str, slug: str, admin_email: str, admin_name: str, ao_centre_number: str) -> list[str]:
        problems = []
        if not name:
            problems.append("The centre needs a name (--name).")
        elif len(name) > NAME_MAX:
            problems.append(f"The centre's name is longer than {NAME_MAX} characters.")
        try:
            validate_slug(slug)
        except ValidationError:
            problems.append(f"'{slug}' is not a valid slug: use letters, digits, hyphens and underscores only.")
        else:
            taken = Centre.objects.filter(slug=slug).first()
            if len(slug) > SLUG_MAX:
                problems.append(f"The slug is longer than {SLUG_MAX} characters.")
            elif taken is not None:
                problems.append(f"The slug '{slug}' is already used by {taken.name}: choose another.")
        if len(ao_centre_number) > NUMBER_MAX:
            problems.append(f"The awarding organisation centre number is longer than {NUMBER_MAX} characters.")
        try:
            validate_email(admin_email)
        except ValidationError:
            problems.append(f"'{admin_email}' is not a valid email address (--admin-email).")
        if not admin_name:
            problems.append("The first admin needs a name (--admin-name).")
        elif len(admin_name) > NAME_MAX:
            problems.append(f"The first admin's name is longer than {NAME_MAX} characters.")
        return problems

    def _actor(self, by: str, problems: list[str]):
        """The platform staff account the audit trail names; invitations always have a sender."""
        staff = get_user_model().objects.filter(is_staff=True, is_active=True)
        if by:
            actor = staff.filter(email__iexact=by).first()
            if actor is None:
                problems.append(f"{by} is not an active platform staff account (--by).")
            return actor
        accounts = list(staff.order_by("pk")[:2])
        if not accounts:
            problems.append("There is no platform staff account yet: create one with manage.py createsuperuser.")
        elif len(accounts) > 1:
            problems.append("There are several platform staff accounts: say which is acting with --by EMAIL.")
        return accounts[0] if len(accounts) == 1 else None
