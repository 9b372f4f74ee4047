from django.core import mail

from tests.factories import PASSWORD, MembershipFactory


def test_a_member_signs_in_with_email_and_password(client, member):
    person = member(is_learner=True)
    response = client.post("/accounts/login/", {"login": person.user.email, "password": PASSWORD}, follow=True)
    assert f"Welcome, {person.user.get_short_name()}" in response.content.decode()


def test_a_wrong_password_is_refused_clearly(client, member):
    person = member(is_learner=True)
    page = client.post("/accounts/login/", {"login": person.user.email, "password": "wrong"}).content.decode()
    assert "The email address and/or password you specified are not correct." in page


def test_repeated_failed_logins_are_rate_limited(client, member):
    person = member(is_learner=True)
    for _ in range(5):
        client.post("/accounts/login/", {"login": person.user.email, "password": "wrong"})
    page = client.post("/accounts/login/", {"login": person.user.email, "password": PASSWORD}).content.decode()
    assert "Too many failed sign-in attempts" in page  # who is paused, and until when: tests/test_lockouts.py


def test_there_is_no_open_sign_up(client, db):
    page = client.get("/accounts/signup/").content.decode()
    assert "Accounts come from your centre" in page and "sign up" not in page.lower()


def test_an_unverified_address_must_be_verified_before_signing_in(client, db):
    membership = MembershipFactory(is_learner=True, user__verified=False)
    response = client.post("/accounts/login/", {"login": membership.user.email, "password": PASSWORD}, follow=True)
    assert "Verify Your Email Address" in response.content.decode()
    assert len(mail.outbox) == 1


def test_password_reset_sends_an_email_with_a_link(client, member):
    person = member(is_learner=True)
    client.post("/accounts/password/reset/", {"email": person.user.email})
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_the_content_security_policy_forbids_inline_script(client, db):
    policy = client.get("/accounts/login/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy


def test_a_person_with_an_authenticator_app_must_give_its_code(client, member):
    from allauth.mfa.totp.internal.auth import (
        TOTP,
        format_hotp_value,
        generate_totp_secret,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    person = member(is_assessor=True)
    secret = generate_totp_secret()
    TOTP.activate(person.user, secret)
    response = client.post("/accounts/login/", {"login": person.user.email, "password": PASSWORD})
    assert response.url == "/accounts/2fa/authenticate/"
    page = client.post("/accounts/2fa/authenticate/", {"code": "000000"}).content.decode()
    assert "Incorrect code." in page
    code = format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
    response = client.post("/accounts/2fa/authenticate/", {"code": code}, follow=True)
    assert f"Welcome, {person.user.get_short_name()}" in response.content.decode()


def test_staff_who_set_up_two_factor_may_work_in_a_centre_that_requires_it(client, member):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    assessor = member(is_assessor=True)
    assessor.centre.require_mfa_for_staff = True
    assessor.centre.save()
    TOTP.activate(assessor.user, generate_totp_secret())
    client.force_login(assessor.user)
    assert client.get("/").status_code == 200
