"""Permission rows of the coverage page, observations of practice and standardisation meetings
(merged into tests/test_permissions.py).

In each centre of the world: an observation of the learner's first assessor's practice and a
standardisation meeting. At home the world's IQA observed the world's assessor."""

from __future__ import annotations

from django.utils import timezone

from apps.iqa.models import PracticeObservation, StandardisationJudgement, StandardisationMeeting
from tests.permission_answers import LOGIN, answers, capability

QUALITY_READERS = capability("iqa", "admin", "eqa", "other_centre_admin")
RECORD_READERS = capability("assessor", "trainee", "other_assessor", "iqa", "admin", "eqa", "other_centre_admin")
RECORDERS = capability("iqa")  # an empty form comes back with its messages: 200

ROWS = {
    ("iqa_coverage", "get"): QUALITY_READERS,
    ("iqa_observations", "get"): RECORD_READERS,
    ("iqa_observation_new", "get"): RECORDERS,
    ("iqa_observation_new", "post"): RECORDERS,
    # The observed assessor, the IQA who observed, and those who read all; nobody else learns it exists.
    ("iqa_observation", "get"): answers(404, iqa=200, assessor=200, admin=200, eqa=200, anonymous=LOGIN),
    ("iqa_standardisation", "get"): RECORD_READERS,
    ("iqa_standardisation_new", "get"): RECORDERS,
    ("iqa_standardisation_new", "post"): RECORDERS,
    # Standardisation is the whole centre's: every assessor, IQA, admin and EQA reads it.
    ("iqa_standardisation_meeting", "get"): answers(404, assessor=200, trainee=200, other_assessor=200, iqa=200,
                                                    admin=200, eqa=200, anonymous=LOGIN),
}


def extend(users: dict, objects: dict) -> None:
    for key in ("home", "elsewhere"):
        o = objects[key]
        enrolment = o["enrolment"]
        assessor = users["assessor"] if key == "home" else enrolment.assessors.first()
        observer = users["iqa"] if key == "home" else users["other_centre_admin"]
        o["quality_observation"] = PracticeObservation.objects.create(
            centre=enrolment.centre, iqa=observer, assessor=assessor, observed_on=timezone.localdate(),
            activity="Observation of a till procedure", outcome=PracticeObservation.Outcome.SATISFACTORY,
            signed_name=observer.full_name,
        )
        o["quality_meeting"] = StandardisationMeeting.objects.create(
            centre=enrolment.centre, qualification=enrolment.qualification, held_on=timezone.localdate(),
            facilitator=observer, exemplar="Unit 1 portfolio, anonymised", agreed_judgement="met", created_by=observer,
        )
        StandardisationJudgement.objects.create(meeting=o["quality_meeting"], attendee=assessor, judgement="met")


def args(name: str, o: dict) -> list | None:
    if name == "iqa_observation":
        return [o["quality_observation"].pk]
    if name == "iqa_standardisation_meeting":
        return [o["quality_meeting"].pk]
    return None
