"""Form data for the records pages, valid unless a test says otherwise."""

from __future__ import annotations

from django.utils import timezone

from apps.qualifications.models import AssessmentCriterion


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
