"""Lockouts a college can live with.

A whole class signs in from one address (the college's NAT), and some of them mistype. Wrong
passwords are counted per account from one address, per account from anywhere, and per address
with a limit high enough for a NAT: a learner who mistypes is paused alone, someone guessing an
account from many places pauses that account alone, and whoever is paused is told why and when
to try again.
"""

from __future__ import annotations

import html
import re

import pytest
from allauth.core.internal.ratelimit import parse_rates
from django.conf import settings
from django.core import mail
from django.test import Client

from tests.factories import PASSWORD, MembershipFactory

COLLEGE = "198.51.100.20"  # one NAT address in front of a whole class
LOGIN = "/accounts/login/"
PAUSED = "Too many failed sign-in attempts"
WHEN = re.compile(r"Try again at (\d\d):(\d\d) \(in (\d+) minutes?\)")


def sign_in(client: Client, email: str, password: str, address: str = COLLEGE, **headers):
    return client.post(LOGIN, {"login": email, "password": password}, REMOTE_ADDR=address, **headers)


def text(response) -> str:
    return html.unescape(response.content.decode())


def signed_in(response) -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.wsgi_request.session


def test_a_class_behind_one_address_can_all_sign_in_though_each_mistyped_twice(db):
    centre = MembershipFactory(is_admin=True).centre
    learners = [MembershipFactory(centre=centre, is_learner=True).user for _ in range(30)]
    for learner in learners:
        for _ in range(2):
            page = text(sign_in(Client(), learner.email, "wrong password"))
            assert "The email address and/or password you specified are not correct." in page
    for learner in learners:
        assert signed_in(sign_in(Client(), learner.email, PASSWORD)), learner.email


def test_a_learner_who_keeps_mistyping_is_paused_alone_and_told_until_when(db):
    centre = MembershipFactory(is_admin=True).centre
    forgetful, classmate = (MembershipFactory(centre=centre, is_learner=True).user for _ in range(2))
    for _ in range(5):
        sign_in(Client(), forgetful.email, "wrong password")

    page = text(sign_in(Client(), forgetful.email, PASSWORD))
    assert PAUSED in page
    assert "the password was wrong several times for this account from this network" in page
    assert "Other people here can still sign in." in page
    hours, minutes, wait = WHEN.search(page).groups()
    assert 1 <= int(wait) <= 5
    assert signed_in(sign_in(Client(), classmate.email, PASSWORD)), "the classmate is not paused"
    assert signed_in(sign_in(Client(), forgetful.email, PASSWORD, address="203.0.113.5")), "nor is home"


def test_one_account_guessed_from_many_addresses_is_paused_wherever_its_owner_tries(db):
    target, bystander = (MembershipFactory(is_learner=True).user for _ in range(2))
    for n in range(5):  # two guesses from each of five addresses: never five from one
        for _ in range(2):
            sign_in(Client(), target.email, "guess", address=f"192.0.2.{n + 1}")

    page = text(sign_in(Client(), target.email, PASSWORD, address="203.0.113.77"))
    assert PAUSED in page and "someone has got this account's password wrong many times" in page
    assert "paused for now, from anywhere, to keep it safe" in page
    _, _, wait = WHEN.search(page).groups()
    assert 1 <= int(wait) <= 15
    assert "reset your password with “Forgot your password?” below: that lifts the pause" in page
    # Only that account: the same addresses still sign other people in.
    assert signed_in(sign_in(Client(), bystander.email, PASSWORD, address="192.0.2.1"))


def test_resetting_the_password_lifts_the_pause(db):
    person = MembershipFactory(is_learner=True).user
    for n in range(10):
        sign_in(Client(), person.email, "guess", address=f"192.0.2.{n + 1}")
    assert PAUSED in text(sign_in(Client(), person.email, PASSWORD))

    client = Client(REMOTE_ADDR=COLLEGE)
    client.post("/accounts/password/reset/", {"email": person.email})
    link = re.search(r"https?://[^/]+(/accounts/password/reset/key/\S+)", mail.outbox[-1].body)[1]
    form_page = client.get(link, follow=True)
    new = "a-brand-new-phrase-42"
    done = client.post(form_page.redirect_chain[-1][0] if form_page.redirect_chain else link,
                       {"password1": new, "password2": new})
    assert done.status_code == 302
    assert signed_in(sign_in(Client(), person.email, new))


def test_right_passwords_are_never_counted_as_failures(db):
    person = MembershipFactory(is_learner=True).user
    for _ in range(12):
        assert signed_in(sign_in(Client(), person.email, PASSWORD))


def test_a_flood_of_failures_from_one_address_pauses_that_address_and_says_so(db, settings):
    settings.ACCOUNT_RATE_LIMITS = settings.ACCOUNT_RATE_LIMITS | {"login_failed_address": "4/5m/ip"}
    people = [MembershipFactory(is_learner=True).user for _ in range(5)]
    for person in people[:4]:
        sign_in(Client(), person.email, "spray")
    page = text(sign_in(Client(), people[4].email, PASSWORD))
    assert "Too many failed sign-in attempts from this network in the last few minutes" in page
    assert WHEN.search(page)
    assert signed_in(sign_in(Client(), people[4].email, PASSWORD, address="203.0.113.9"))


def test_the_limit_per_address_is_set_for_a_shared_network():
    """Hundreds of sign-ins, and of mistakes, from one address within five minutes."""
    limits = settings.ACCOUNT_RATE_LIMITS
    for action, at_least in (("login", 500), ("login_failed_address", 200)):
        (rate,) = [r for r in parse_rates(limits[action]) if r.per == "ip"]
        assert rate.amount * 300 / rate.duration >= at_least, action
    assert not [r for r in parse_rates(limits["login_failed"]) if r.per == "ip"], "no small per-address limit"


@pytest.mark.parametrize("proxies", [1])
def test_behind_a_reverse_proxy_each_person_is_counted_at_their_own_address(db, settings, proxies):
    settings.NUM_PROXIES = proxies
    person = MembershipFactory(is_learner=True).user
    for _ in range(5):
        sign_in(Client(), person.email, "wrong", address="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.50")
    assert PAUSED in text(sign_in(Client(), person.email, PASSWORD, address="10.0.0.2",
                                  HTTP_X_FORWARDED_FOR="203.0.113.50"))
    # Through the same proxy from somewhere else: not paused.
    assert signed_in(sign_in(Client(), person.email, PASSWORD, address="10.0.0.2",
                             HTTP_X_FORWARDED_FOR="198.51.100.60"))


def test_too_many_sign_ins_from_one_address_get_a_page_that_says_what_to_do(db, settings):
    settings.ACCOUNT_RATE_LIMITS = settings.ACCOUNT_RATE_LIMITS | {"login": "2/5m/ip"}
    person = MembershipFactory(is_learner=True).user
    for _ in range(2):
        sign_in(Client(), person.email, PASSWORD)
    response = sign_in(Client(), person.email, PASSWORD)
    assert response.status_code == 429
    page = text(response)
    assert "Too many attempts from this network" in page and "Wait a few minutes, then try again." in page
