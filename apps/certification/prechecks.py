"""The checks a claim must pass before it leaves the centre, each in plain words.

Pure: plain values in, a `Problem` (or None) out; `readiness.candidates` gathers the values.
A blocking problem refuses the learner's claim; a warning (blocking=False) only says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from .aos import AwardingOrganisation

# How long before a qualification's certification end date the page starts warning.
END_WARNING_DAYS = 90

# Why a signed-off (or once signed-off) unit is not ready to claim, besides IQA's own reasons.
NOT_ACKNOWLEDGED = "Not acknowledged by the learner: they confirm the sign-off on their unit page."
AWAITING_COUNTERSIGNATURE = "A trainee assessor's decision in this unit awaits a qualified assessor's countersignature."
SUSPENDED = "Sign-off suspended for an internal quality check: the assessor is reviewing the decisions."
REOPENED = "Sign-off reopened: the unit is being assessed again."


@dataclass(frozen=True)
class Problem:
    code: str  # e.g. "no_registration", "past_certification_end", "ten_weeks", "iqa_action"
    message: str  # the pre-check in plain words, naming the unit where it is about one
    blocking: bool = True  # False: a warning (e.g. the certification end date is within 90 days)


def day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def no_ao_centre_number(ao: AwardingOrganisation) -> Problem:
    return Problem("no_ao_number", f"The centre has no {ao.centre_number_label}: set it in the claim settings "
                                   f"(Claims, then Settings) before claiming from {ao.name}.")


def registration_number(number: str, ao: AwardingOrganisation) -> Problem | None:
    if number.strip():
        return None
    return Problem("no_registration", f"No {ao.registration_label}: the learner must be registered with {ao.name} "
                                      "before a claim. Record it in the learner's registration facts.")


def registered_identity(name: str, date_of_birth: date | None, ao: AwardingOrganisation) -> list[Problem]:
    """The claim repeats the legal name and date of birth exactly as registered: a certificate in
    another name must be replaced, at a cost."""
    problems = []
    if not name.strip():
        problems.append(Problem("no_registered_name", f"No legal name as registered with {ao.name}: the claim must "
                                                      "carry the learner's name exactly as registered."))
    if date_of_birth is None:
        problems.append(Problem("no_registered_date_of_birth", f"No date of birth as registered with {ao.name}: the "
                                                               "claim must carry it exactly as registered."))
    return problems


def certification_end(end: date | None, today: date, *, ao: AwardingOrganisation, qualification_number: str
                      ) -> Problem | None:
    """Refused after the qualification's certification end date; a warning in the 90 days before."""
    if end is None:
        return None
    if today > end:
        return Problem("past_certification_end",
                       f"Past the certification end date: {ao.name} took claims for {qualification_number} until "
                       f"{day(end)}. It can no longer be claimed.")
    left = (end - today).days
    if left <= END_WARNING_DAYS:
        when = "today" if left == 0 else f"in {left} day{'s' if left != 1 else ''}"
        return Problem("certification_end_soon",
                       f"The certification end date of {qualification_number} is {day(end)}, {when}: claim before "
                       "then.", blocking=False)
    return None


def registration_interval(registered_on: date | None, today: date, *, ao: AwardingOrganisation) -> Problem | None:
    """The AO's minimum time between registration and claim (Pearson: ten weeks)."""
    days = ao.min_days_registration_to_claim
    if not days:
        return None
    weeks = ao.min_weeks_registration_to_claim
    if registered_on is None:
        return Problem("no_registered_on", f"No date of registration with {ao.name}: {ao.name} takes a claim only "
                                           f"{weeks} weeks after registration, so the date is needed.")
    earliest = registered_on + timedelta(days=days)
    if today < earliest:
        return Problem("ten_weeks", f"Fewer than {weeks} weeks since registration: {ao.name} takes a claim only "
                                    f"{weeks} weeks after registration (registered {day(registered_on)}; claim from "
                                    f"{day(earliest)}).")
    return None


def iqa_action(unit_label: str, reason: str) -> Problem:
    return Problem("iqa_action", f"Unit {unit_label}: {reason}")


def awaiting_iqa(unit_label: str, reason: str) -> Problem:
    return Problem("awaiting_iqa", f"Unit {unit_label} is not cleared by internal quality assurance yet. {reason}")


def prior_without_evidence(unit_label: str, route_label: str) -> Problem:
    return Problem("prior_without_evidence",
                   f"Unit {unit_label}: {route_label.lower()} without its evidence. Credit transfer or RPL without "
                   "its evidence cannot be claimed: record where the unit was achieved (the certificate number and "
                   "awarding organisation, or the RPL record).")


def learner_checks(
    *, ao: AwardingOrganisation, has_centre_number: bool, registration: str, registered_on: date | None,
    registered_name: str, registered_date_of_birth: date | None, certification_end_date: date | None,
    qualification_number: str, today: date,
) -> list[Problem]:
    """Every check about the learner's registration and the qualification, in the page's order."""
    found = [
        None if has_centre_number else no_ao_centre_number(ao),
        registration_number(registration, ao),
        certification_end(certification_end_date, today, ao=ao, qualification_number=qualification_number),
        registration_interval(registered_on, today, ao=ao),
    ]
    return [p for p in found if p is not None] + registered_identity(registered_name, registered_date_of_birth, ao)
