from tests.assessment.helpers import assessment_post, criterion, submitted


def test_smoke(client, setup):
    e = submitted(setup.enrolment, setup.learner.user, criteria=[criterion(setup.enrolment, "1", "1.1")])
    client.force_login(setup.assessor.user)
    r = client.get(f"/assessment/evidence/{e.pk}/")
    assert r.status_code == 200, r.content.decode()[:3000]
    c11 = criterion(setup.enrolment, "1", "1.1")
    c21 = criterion(setup.enrolment, "2", "1.1")
    r = client.post(f"/assessment/evidence/{e.pk}/", assessment_post(signer=setup.assessor.user, judge={c11: "met", c21: "met"}, suggestions={c11: "confirm"}))
    assert r.status_code == 302, r.content.decode()
    r = client.get(f"/assessment/evidence/{e.pk}/")
    assert r.status_code == 200
    r = client.get(f"/assessment/enrolments/{setup.enrolment.pk}/matrix/")
    assert r.status_code == 200, r.content.decode()[:3000]
    r = client.get(f"/assessment/enrolments/{setup.enrolment.pk}/units/1/")
    assert r.status_code == 200, r.content.decode()[:3000]
