"""Unique Learner Numbers: 10 digits, the last a check digit (Learning Records Service rule).

The rule, as the ESFA's ILR validation service derives it (DerivedData_01): multiply the
first nine digits by 10, 9, 8, … 2, add them up and take the remainder on dividing by 11.
The check digit is 10 minus that remainder; a remainder of 0 would need a check digit of
10, so no ULN has those first nine digits. Pure Python: no Django imports.
"""

from __future__ import annotations

import re

WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
# The ILR's placeholder for "not known yet"; it is not a learner's number.
TEMPORARY_ULN = "9999999999"
_SPREADSHEET_NUMBER = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")


def normalise_uln(value: str | None) -> str:
    """The ULN as typed, without spaces (people and MIS exports group digits)."""
    return re.sub(r"\s+", "", value or "")


def uln_check_digit(first_nine: str) -> int | None:
    """The check digit that completes these nine digits, or None where none can."""
    if len(first_nine) != 9 or not first_nine.isdigit():
        raise ValueError("the check digit is computed from exactly nine digits")
    remainder = sum(int(d) * w for d, w in zip(first_nine, WEIGHTS, strict=True)) % 11
    return None if remainder == 0 else 10 - remainder


def uln_problem(value: str | None) -> str | None:
    """What is wrong with this ULN, in words a person can act on; None when it is valid.

    Callers decide whether a blank ULN is allowed: here a blank is a problem.
    """
    uln = normalise_uln(value)
    if not uln:
        return "Enter the ULN: 10 digits."
    if _SPREADSHEET_NUMBER.match(uln) or re.fullmatch(r"\d+\.0+", uln):
        return (
            f"The ULN {uln} has been turned into a number by a spreadsheet: "
            "export the ULN column as text and try again."
        )
    if not (uln.isascii() and uln.isdigit()):  # "²" and "٣" are digits to isdigit(), not ULN digits
        return f"The ULN {uln} must contain only digits: a ULN is 10 digits."
    if len(uln) != 10:
        return f"The ULN {uln} has {len(uln)} digits: a ULN has exactly 10."
    if uln.startswith("0"):
        return f"The ULN {uln} starts with 0: a ULN starts with a digit from 1 to 9."
    if uln == TEMPORARY_ULN:
        return (
            f"{TEMPORARY_ULN} is the placeholder used when the ULN is not known: "
            "leave the ULN empty instead and add it when the learner has one."
        )
    expected = uln_check_digit(uln[:9])
    if expected is None:
        return (
            f"The ULN {uln} cannot be right: no check digit fits its first nine digits. "
            "Check for a typing error."
        )
    if int(uln[9]) != expected:
        return f"The ULN {uln} fails its check digit: check for a typing error."
    return None
