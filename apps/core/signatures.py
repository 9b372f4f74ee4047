"""Typed-name signatures: the one rule for matching a typed name to the name on file."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError


def normalise_name(name: str) -> str:
    """Names compare whatever their case and spacing (people and MIS exports vary in both)."""
    return re.sub(r"\s+", " ", name).strip().casefold()


def same_name(a: str, b: str) -> bool:
    return normalise_name(a) == normalise_name(b)


def check_signature(signed_name: str, expected: str, *, whose: str = "your") -> str:
    """The typed name, tidied; refused unless it is the signer's name as the centre has it."""
    if not signed_name.strip():
        raise ValidationError(f"Type {whose} full name to sign.")
    # Someone with no name on file signs with what they type; everyone else with their name.
    if expected.strip() and not same_name(signed_name, expected):
        raise ValidationError(f"Type {whose} full name exactly as the centre has it: {expected}.")
    return " ".join(signed_name.split())


def signature_or_problem(signed_name: str, expected: str, problems: list[str], *, whose: str = "your") -> str:
    """check_signature for a service that lists every problem at once: a refusal joins `problems`
    (the name comes back as typed) instead of being raised on its own."""
    try:
        return check_signature(signed_name, expected, whose=whose)
    except ValidationError as exc:
        problems.extend(exc.messages)
        return signed_name
