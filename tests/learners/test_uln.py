"""The Learning Records Service check digit, against ULNs worked out by hand.

Weights 10, 9, … 2 on the first nine digits; remainder on dividing by 11; check digit
10 - remainder; remainder 0 means no ULN starts with those nine digits.
"""

from __future__ import annotations

import pytest

from apps.learners.uln import uln_check_digit, uln_problem


@pytest.mark.parametrize(
    "uln",
    [
        "1000000043",  # 1×10 + 4×2 = 18, remainder 7, check 3 (the ESFA's own example)
        "1234567899",  # 10+18+24+28+30+30+28+24+18 = 210, remainder 1, check 9
        "2000000001",  # 2×10 = 20, remainder 9, check 1
        "1000000000",  # 1×10 = 10, remainder 10, check 0
        " 10000 00043 ",  # spaces people type are ignored
    ],
)
def test_valid_ulns_pass(uln):
    assert uln_problem(uln) is None


@pytest.mark.parametrize(
    "uln, message",
    [
        ("1234567890", "The ULN 1234567890 fails its check digit: check for a typing error."),
        ("1000000042", "The ULN 1000000042 fails its check digit: check for a typing error."),
        # 1×10 + 6×2 = 22, remainder 0: no check digit can complete these nine digits.
        ("1000000063", "The ULN 1000000063 cannot be right: no check digit fits its first nine digits."),
        # 90+72+56+42+30+20+12+6+2 = 330 = 30×11.
        ("9876543210", "The ULN 9876543210 cannot be right: no check digit fits its first nine digits."),
        ("123456789", "The ULN 123456789 has 9 digits: a ULN has exactly 10."),
        ("12345678901", "The ULN 12345678901 has 11 digits: a ULN has exactly 10."),
        ("0123456789", "The ULN 0123456789 starts with 0: a ULN starts with a digit from 1 to 9."),
        ("12345A7890", "The ULN 12345A7890 must contain only digits: a ULN is 10 digits."),
        ("1.23457E+09", "has been turned into a number by a spreadsheet"),
        ("9999999999", "9999999999 is the placeholder used when the ULN is not known"),
        ("", "Enter the ULN: 10 digits."),
    ],
)
def test_bad_ulns_say_what_is_wrong(uln, message):
    assert message in uln_problem(uln)


def test_the_check_digit_is_computed_or_absent():
    assert uln_check_digit("100000004") == 3
    assert uln_check_digit("100000006") is None
    with pytest.raises(ValueError):
        uln_check_digit("12")


def test_exactly_one_digit_completes_nine_digits_that_have_a_check_digit():
    for first_nine in ("123456789", "100000004", "543216789", "700000001"):
        digit = uln_check_digit(first_nine)
        valid = [d for d in range(10) if uln_problem(f"{first_nine}{d}") is None]
        assert valid == ([digit] if digit is not None else [])
