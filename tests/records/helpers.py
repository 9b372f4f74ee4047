"""Form data for the records pages, valid unless a test says otherwise."""

from __future__ import annotations

from django.utils import timezone

from apps.qualifications.models import AssessmentCriterion
from apps.records import services
from apps.records.models import WitnessRequest
from apps.records.services import RecordBasics, Signature, Witness
from tests.evidence import samples
from tests.evidence.portfolio_helpers import stored_file


def criteria(enrolment, unit_number: str) -> list[AssessmentCriterion]:
    return list(
        AssessmentCriterion.objects.filter(unit__qualification=enrolment.qualification, unit__number=unit_number)
        .order_by("position")
    )


def common(setup, **overrides) -> dict:
    data = {
        "on": timezone.localdate().isoformat(),
        "context": "real_work",
        "criteria": [c.pk for c in criteria(setup.enrolment, "1")],
        "signed_name": setup.assessor.user.full_name,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def observation(setup, **overrides) -> dict:
    return common(setup, **{
        "activity": "Handling an inbound complaint call",
        "place": "Northgate contact centre, team 3",
        "account": "Sam greeted the caller, listened without interrupting and logged the complaint.",
        **overrides,
    })


def questioning(setup, pairs=(("Why do you check the caller's identity?", "To protect their data."),),
                total: int | None = None, **overrides) -> dict:
    data = common(setup, topic="Data protection when taking payments", **overrides)
    rows = list(pairs)
    count = total if total is not None else max(len(rows), 3)
    data.update({"pairs-TOTAL_FORMS": str(count), "pairs-INITIAL_FORMS": "0",
                 "pairs-MIN_NUM_FORMS": "0", "pairs-MAX_NUM_FORMS": "60"})
    for i in range(count):
        q, a = rows[i] if i < len(rows) else ("", "")
        data[f"pairs-{i}-question"] = q
        data[f"pairs-{i}-answer"] = a
    return data


def discussion(setup, files=(), **overrides) -> dict:
    return common(setup, **{
        "topic": "How I handle difficult customers",
        "summary": "Sam explained how they calm an angry caller and when they escalate.",
        "files": [f.pk for f in files],
        **overrides,
    })


def witness(setup, **overrides) -> dict:
    data = common(setup, **{
        "witness_name": "Priya Shah",
        "witness_email": "priya.shah@example.test",
        "witness_job_title": "Team leader",
        "relationship": "Line manager",
        "activity": "How Sam handled complaint calls on the evening shift in March.",
        **overrides,
    })
    data.pop("on", None)
    data.pop("signed_name", None)
    return data


def text(response) -> str:
    """The page as a person reads it: entities such as &#x27; turned back into characters."""
    import html

    return html.unescape(response.content.decode())


def basics(enrolment, unit: str = "1") -> RecordBasics:
    return RecordBasics(on=timezone.localdate(), context="real_work", criteria=criteria(enrolment, unit))


def make_records(enrolment, assessor, *, n: int = 1) -> dict:
    """n records of each kind and n witness requests; returns the last of each, and a usable token."""
    sign = Signature(name=assessor.full_name, ip_address="203.0.113.1")
    made: dict = {}
    for i in range(n):
        made["observation"] = services.observation_create(
            enrolment=enrolment, assessor=assessor, basics=basics(enrolment), place="Floor 2",
            activity=f"Complaint call {i}", account="Calm and accurate.", signature=sign,
        )
        made["questioning"] = services.questioning_create(
            enrolment=enrolment, assessor=assessor, basics=basics(enrolment), topic=f"Data protection {i}",
            pairs=[("Why?", "Because."), ("When?", "Always.")], signature=sign,
        )
        audio = stored_file(enrolment.centre, assessor, samples.wav(), f"talk-{i}.wav", "audio/wav", "audio")
        made["discussion"] = services.discussion_create(
            enrolment=enrolment, assessor=assessor, basics=basics(enrolment, "2"), topic=f"Difficult customers {i}",
            summary="Good examples.", files=[audio], signature=sign,
        )
        made["witness"] = services.witness_request_create(
            enrolment=enrolment, assessor=assessor,
            witness=Witness(name=f"Witness {i}", email=f"w{i}@example.test", job_title="Manager", relationship="Manager"),
            activity="Calls.", basics=basics(enrolment), base_url="http://testserver/",
        )
    token, token_hash = WitnessRequest.new_token()
    WitnessRequest.objects.filter(pk=made["witness"].pk).update(token_hash=token_hash)
    made["token"] = token
    return made
