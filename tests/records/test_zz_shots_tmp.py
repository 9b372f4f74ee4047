import pytest
from tests.records.test_browser import person, tick  # noqa
from tests.records.test_access import make_records
from tests.records.helpers import criteria
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

def test_shots(person, setup):
    made = make_records(setup.enrolment, setup.assessor.user, n=2)
    p = person(setup.assessor.user)
    for name, url in [("records", f"/records/enrolments/{setup.enrolment.pk}/"),
                      ("obs_new", f"/records/enrolments/{setup.enrolment.pk}/observation/new/"),
                      ("q_new", f"/records/enrolments/{setup.enrolment.pk}/questioning/new/"),
                      ("obs", f"/records/observation/{made['observation'].pk}/"),
                      ("q", f"/records/questioning/{made['questioning'].pk}/"),
                      ("disc", f"/records/discussion/{made['discussion'].pk}/"),
                      ("wit", f"/records/witness/{made['witness'].pk}/")]:
        p.goto(url)
        if name == "records":
            p.get_by_text("New record").click()
        if name == "obs_new":
            p.get_by_role("button", name="Sign and add to the portfolio").click()
        p.screenshot(path=f"/tmp/shot_{name}.png", full_page=True)
    w = person()
    w.goto(f"/records/witness/respond/{made['token']}/")
    w.screenshot(path="/tmp/shot_respond.png", full_page=True)
