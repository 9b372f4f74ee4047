"""The people of the permission table (tests/test_permissions.py) and the shapes of its answers,
shared with the rows apps keep beside their own tests (tests/<app>/world_*.py)."""

from __future__ import annotations

LOGIN = "sign in"  # a 302 to the sign-in page
PEOPLE = [
    "anonymous", "learner", "other_learner", "assessor", "trainee", "other_assessor", "iqa", "admin", "eqa",
    "expired_eqa", "deactivated", "other_centre_admin", "other_centre_learner", "platform_staff",
]
# Who has the home centre's enrolment in scope; everyone else signed in is outside it.
IN_SCOPE = {"learner", "assessor", "trainee", "iqa", "admin", "eqa"}
OUTSIDE = set(PEOPLE) - IN_SCOPE - {"anonymous"}


def answers(rest: int, *, anonymous: int | str = LOGIN, **by_person: int) -> dict[str, int | str]:
    unknown = set(by_person) - set(PEOPLE)
    assert not unknown, unknown
    return {p: by_person.get(p, rest) for p in PEOPLE if p != "anonymous"} | {"anonymous": anonymous}


def scoped(allowed: dict[str, int], *, in_scope: int = 403, anonymous: int | str = LOGIN) -> dict[str, int | str]:
    """An object in the home centre: those allowed get their answer, others in scope 403, outside 404."""
    table = {p: (in_scope if p in IN_SCOPE else 404) for p in PEOPLE if p != "anonymous"}
    return table | allowed | {"anonymous": anonymous}


def capability(*holders: str, ok: int = 200) -> dict[str, int | str]:
    """A page about no particular object: those whose role allows it, 403 for everyone else."""
    return answers(403, **{p: ok for p in holders})
