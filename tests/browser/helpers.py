"""What browser journeys share."""

from __future__ import annotations

from tests.factories import PASSWORD


def sign_in(page, email: str) -> None:
    """Sign in as this person (signing out whoever was signed in) and wait for their home page."""
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("heading", name="Welcome", exact=False).wait_for()
