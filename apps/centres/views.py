from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from apps.core.clamd import scanner_status
from apps.core.lists import list_page

from . import selectors, services
from .access import external_access_until, invitation_get_for_managing, manager_required, member_get_for_managing
from .filters import PeopleFilter
from .forms import AcceptInvitationForm, CentreSettingsForm, InviteForm, RolesForm
from .middleware import SESSION_KEY
from .models import Invitation


def _eqa_access_url() -> str:
    """Where external quality assurers are given access (the EQA pages), or "" without them."""
    try:
        return reverse("eqa_home")
    except NoReverseMatch:
        return ""


def _form_errors(form, exc: ValidationError) -> None:
    for message in exc.messages:
        form.add_error(None, message)


@manager_required
def people(request: HttpRequest) -> HttpResponse:
    filters = PeopleFilter(request.GET, queryset=selectors.centre_members(actor=request.membership))
    listed = list_page(request, filters.qs, per_page=50)
    page = listed.page
    return render(
        request,
        "centres/people.html",
        {
            "form": filters.form,
            "page": page,
            "query": listed.query,
            "invitations": selectors.centre_pending_invitations(actor=request.membership),
        },
    )


@manager_required
def invite(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(
                centre=request.centre,
                actor=request.user,
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                roles=form.roleset(),
                base_url=request.build_absolute_uri("/"),
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("centre_people")
    return render(request, "centres/invite.html", {"form": form, "eqa_access_url": _eqa_access_url()})


@login_required
def member(request: HttpRequest, pk: int) -> HttpResponse:
    membership = member_get_for_managing(membership=request.membership, pk=pk)
    form = RolesForm(request.POST or None, initial=RolesForm.initial_for(membership.roleset), kept=membership.roleset)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_change_roles(membership=membership, actor=request.user, roles=form.roleset())
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"Roles of {membership.user} updated.")
            return redirect("centre_people")
    return render(request, "centres/member.html", {
        "member": membership, "form": form, "eqa_until": external_access_until(membership),
        "eqa_access_url": _eqa_access_url(),
    })


@require_POST
@login_required
def member_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    membership = member_get_for_managing(membership=request.membership, pk=pk)
    active = request.POST.get("active") == "1"
    try:
        services.membership_set_active(membership=membership, actor=request.user, active=active)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{membership.user} {'reactivated' if active else 'deactivated'}.")
    return redirect("centre_member", pk=membership.pk)


@require_POST
@login_required
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = invitation_get_for_managing(membership=request.membership, pk=pk)
    try:
        services.invitation_revoke(invitation=invitation, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Invitation to {invitation.email} withdrawn.")
    return redirect("centre_people")


@manager_required
def centre_settings(request: HttpRequest) -> HttpResponse:
    # Not `request.POST or None`: unticking the only box posts nothing, and that is a choice too.
    form = CentreSettingsForm(
        request.POST if request.method == "POST" else None,
        initial={"require_mfa_for_staff": request.centre.require_mfa_for_staff},
    )
    if request.method == "POST" and form.is_valid():
        services.centre_update_settings(
            centre=request.centre,
            actor=request.user,
            require_mfa_for_staff=form.cleaned_data["require_mfa_for_staff"],
        )
        messages.success(request, "Centre settings saved.")
        return redirect("centre_settings")
    scanning = scanner_status()  # "ok", "off", or what is wrong with the scanner
    return render(
        request, "centres/settings.html",
        {"form": form, "scanning_off": scanning == "off", "scanning_problem": "" if scanning in {"ok", "off"} else scanning},
    )


@require_POST
@login_required
def switch_centre(request: HttpRequest) -> HttpResponse:
    wanted = request.POST.get("centre")
    for membership in request.memberships:
        if str(membership.centre_id) == wanted:
            request.session[SESSION_KEY] = membership.centre_id
            messages.info(request, f"You are now working in {membership.centre.name}.")
            break
    else:
        messages.error(request, "You are not a member of that centre.")
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    return redirect(next_url)


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = Invitation.lookup(token)
    if invitation is None or invitation.status != Invitation.Status.PENDING:
        return render(request, "centres/invitation_unavailable.html", {"invitation": invitation},
                      status=410 if invitation else 404)

    from django.contrib.auth import get_user_model

    account_exists = get_user_model().objects.filter(email__iexact=invitation.email).exists()
    if account_exists:
        if not request.user.is_authenticated:
            messages.info(request, f"Sign in as {invitation.email} to accept the invitation to {invitation.centre}.")
            return redirect(f"{_login_url()}?next={request.path}")
        if request.method == "POST":
            try:
                services.invitation_accept(invitation=invitation, user=request.user)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                request.session[SESSION_KEY] = invitation.centre_id
                messages.success(request, f"You have joined {invitation.centre}.")
                return redirect("home")
        return render(request, "centres/invitation_join.html", {"invitation": invitation})

    form = AcceptInvitationForm(request.POST or None, email=invitation.email, initial={"full_name": invitation.full_name})
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.invitation_accept(
                invitation=invitation,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            login(request, membership.user, backend="allauth.account.auth_backends.AuthenticationBackend")
            request.session[SESSION_KEY] = membership.centre_id
            messages.success(request, f"Welcome to Attest. You have joined {invitation.centre}.")
            return redirect("home")
    return render(request, "centres/invitation_accept.html", {"invitation": invitation, "form": form})


def _login_url() -> str:
    from django.urls import reverse

    return reverse("account_login")
