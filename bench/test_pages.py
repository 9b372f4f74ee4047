"""How page time grows with the size of a centre. Prints ratios; asserts nothing about time."""

from __future__ import annotations

import statistics
import time

import pytest

from tests.factories import MembershipFactory


def median_ms(fn, repeat: int = 15) -> float:
    fn()  # warm caches and connections
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


@pytest.mark.django_db
def test_people_page_time_as_the_centre_grows(admin_client, admin_membership):
    timings = {}
    for size in (10, 500):
        while admin_membership.centre.memberships.count() < size:
            MembershipFactory(centre=admin_membership.centre, is_learner=True)
        timings[size] = median_ms(lambda: admin_client.get("/centre/people/"))
    print(f"\npeople page: 10 members {timings[10]:.1f} ms, 500 members {timings[500]:.1f} ms, "
          f"ratio {timings[500] / timings[10]:.2f} (paginated at 50)")
