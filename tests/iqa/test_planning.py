"""Plan generation, a pure function: properties over random strategies and facts (Hypothesis),
and a few worked cases that read as the rules do."""

from __future__ import annotations

import copy
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.iqa import planning
from apps.iqa.planning import (
    INTERIM,
    SUMMATIVE,
    Assessor,
    Facts,
    Kept,
    Learner,
    generate,
    period_containing,
    period_from,
    share,
)
from apps.iqa.rules import BANDS, METHODS, TEMPLATE, parse

IQA = 1
TODAY = date(2025, 9, 15)
START, END = date(2025, 8, 1), date(2025, 10, 31)
UNITS = list(range(100, 106))


@st.composite
def strategy_rules(draw):
    rules = copy.deepcopy(TEMPLATE)
    shares = sorted((draw(st.integers(0, 100)) for _ in BANDS), reverse=True)
    for band, learner_share in zip(BANDS, shares, strict=True):
        rules["bands"][band]["learner_share"] = learner_share
        rules["bands"][band]["unit_share"] = draw(st.integers(0, 100))
        rules["bands"][band]["interim_share"] = draw(st.integers(0, 100))
    rules["trainee_first_decision_per_unit"] = draw(st.booleans())
    rules["every_learner_before_claim"] = draw(st.booleans())
    rules["methods_must_cover"] = draw(st.lists(st.sampled_from(METHODS), unique=True, max_size=4))
    return parse(rules)


@st.composite
def facts(draw):
    n = draw(st.integers(1, 4))
    assessors = tuple(Assessor(id=10 + i, band=draw(st.sampled_from(BANDS)), trainee=draw(st.booleans()))
                      for i in range(n))
    people = [a.id for a in assessors] + [IQA]  # the IQA sometimes assesses a learner too
    learners = []
    for e in range(draw(st.integers(0, 12))):
        enrolment = 500 + e
        assessor_ids = tuple(sorted(draw(st.sets(st.sampled_from(people), min_size=1, max_size=2))))
        in_play = frozenset(draw(st.sets(st.sampled_from(UNITS), max_size=4)))
        decided = frozenset(draw(st.sets(st.sampled_from(sorted(in_play)), max_size=len(in_play)))) if in_play else frozenset()
        signed_off = frozenset(u for u in decided if draw(st.booleans()))
        signers, owner, first, methods = {}, {}, {}, {}
        for u in sorted(decided):
            deciders = draw(st.sets(st.sampled_from(people), min_size=1, max_size=2))
            signers[u] = frozenset(deciders)
            owner[u] = draw(st.sampled_from(sorted(deciders)))
            trainees = [a.id for a in assessors if a.trainee and a.id in deciders]
            if trainees and draw(st.booleans()):
                first[u] = trainees[0]
            methods[u] = frozenset(draw(st.sets(st.sampled_from(METHODS), min_size=1, max_size=3)))
        learners.append(Learner(
            enrolment_id=enrolment, assessor_ids=assessor_ids,
            planned_end=START + timedelta(days=draw(st.integers(-30, 400))),
            learner_user_id=IQA if draw(st.integers(0, 15)) == 0 else None,
            units_in_play=in_play, units_with_decisions=decided, signed_off_units=signed_off, signers=signers,
            unit_assessor=owner, trainee_first=first, unit_methods=methods,
        ))
    last = {(a.id, u): TODAY - timedelta(days=draw(st.integers(0, 800)))
            for a in assessors for u in UNITS if draw(st.integers(0, 3)) == 0}
    sampled = frozenset(lr.enrolment_id for lr in learners if draw(st.integers(0, 3)) == 0)
    return Facts(iqa_id=IQA, today=TODAY, period_start=START, period_end=END, assessors=assessors,
                 learners=tuple(learners), last_summative=last, sampled_learners=sampled,
                 methods_seen={a.id: frozenset(draw(st.sets(st.sampled_from(METHODS), max_size=3))) for a in assessors})


def owned_units(f: Facts) -> dict[int, dict[int, list[int]]]:
    """assessor -> eligible learner -> units that are the assessor's work (what the plan may sample)."""
    scope = {a.id for a in f.assessors if a.id != f.iqa_id}
    work: dict[int, dict[int, list[int]]] = {a: {} for a in scope}
    for lr in f.learners:
        if f.iqa_id in lr.assessor_ids or lr.learner_user_id == f.iqa_id:
            continue
        for u in sorted(lr.units_in_play):
            if f.iqa_id in lr.signers.get(u, frozenset()):
                continue
            owner = planning._owner(lr, u, scope)
            if owner is not None:
                work[owner].setdefault(lr.enrolment_id, []).append(u)
    return work


def all_items(f: Facts, items):
    """(enrolment, unit, stage, assessor) of new and kept items."""
    return [(i.enrolment_id, i.unit_id, i.stage, i.assessor_id) for i in items] + [
        (k.enrolment_id, k.unit_id, k.stage, k.assessor_id) for k in f.kept]


def with_kept(f: Facts, items, pick) -> Facts:
    kept = tuple(Kept(i.enrolment_id, i.unit_id, i.stage, i.assessor_id, i.methods) for n, i in enumerate(items)
                 if pick(n))
    return Facts(**{**f.__dict__, "kept": kept})


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(strategy_rules(), facts(), st.integers(0, 2**31))
def test_never_the_iqas_own_work(rules, f, seed):
    by_id = {lr.enrolment_id: lr for lr in f.learners}
    for item in generate(rules, f, seed):
        lr = by_id[item.enrolment_id]
        assert item.assessor_id != IQA
        assert IQA not in lr.assessor_ids and lr.learner_user_id != IQA
        assert IQA not in lr.signers.get(item.unit_id, frozenset())


@SETTINGS
@given(strategy_rules(), facts(), st.integers(0, 2**31))
def test_the_same_seed_gives_the_same_plan(rules, f, seed):
    assert generate(rules, f, seed) == generate(rules, f, seed)


@SETTINGS
@given(strategy_rules(), facts(), st.integers(0, 2**31))
def test_every_assessor_with_learners_is_covered_and_trainees_learners_all(rules, f, seed):
    items = all_items(f, generate(rules, f, seed))
    work = owned_units(f)
    trainees = {a.id for a in f.assessors if a.trainee}
    for a, learners in work.items():
        with_units = {e: units for e, units in learners.items() if units}
        if not with_units:
            continue
        assert any(x[3] == a for x in items), f"assessor {a} has learners but no sample"
        if a in trainees:
            for e, units in with_units.items():
                assert any(x[0] == e and x[1] in units for x in items), f"trainee {a}'s learner {e} not sampled"


@SETTINGS
@given(strategy_rules(), facts(), st.integers(0, 2**31))
def test_shares_of_learners_and_units_are_met_rounded_up(rules, f, seed):
    items = all_items(f, generate(rules, f, seed))
    work = owned_units(f)
    bands = {a.id: a for a in f.assessors}
    for a, learners in work.items():
        with_units = {e: units for e, units in learners.items() if units}
        if not with_units:
            continue
        rule = rules.band(bands[a].band)
        pct = 100 if bands[a].trainee else rule.learner_share
        # Samples of this assessor's own work: another's sample of the same unit (a trainee's first
        # decision in it, say) is that other assessor's.
        mine = [x for x in items if x[3] == a]
        sampled = {e for e in with_units if any(x[0] == e and x[1] in with_units[e] for x in mine)}
        assert len(sampled) >= max(1, share(len(with_units), pct))
        for e in sampled:
            units = {x[1] for x in mine if x[0] == e and x[1] in with_units[e]}
            assert len(units) >= min(len(with_units[e]), max(1, share(len(with_units[e]), rule.unit_share)))


@SETTINGS
@given(strategy_rules(), facts(), st.integers(0, 2**31))
def test_the_interim_share_of_the_share_picks_is_met(rules, f, seed):
    items = generate(rules, f, seed)
    bands = {a.id: a for a in f.assessors}
    for a in bands:
        picks = [i for i in items if i.assessor_id == a and i.reason in
                 (planning.LEARNER_SHARE, planning.UNIT_SHARE, planning.RANDOM)]
        interim = [i for i in picks if i.stage == INTERIM]
        assert len(interim) >= share(len(picks), rules.band(bands[a].band).interim_share) - _swapped(f, items, picks)


def _swapped(f: Facts, items, picks) -> int:
    # A pick whose interim place was already taken (a kept item, or a coverage item of the same
    # learner and unit) is summative instead.
    taken = {(k.enrolment_id, k.unit_id, k.stage) for k in f.kept} | {i.key for i in items if i not in picks}
    return sum(1 for i in picks if (i.enrolment_id, i.unit_id, INTERIM) in taken)


@SETTINGS
@given(strategy_rules(), facts(), st.integers(0, 2**31), st.integers(0, 7))
def test_kept_items_are_never_planned_again_nor_lost_from_coverage(rules, f, seed, mask):
    first = generate(rules, f, seed)
    again = with_kept(f, first, lambda n: (n + mask) % 3 == 0)
    second = generate(rules, again, seed)
    kept = {(k.enrolment_id, k.unit_id, k.stage) for k in again.kept}
    keys = [i.key for i in second]
    assert len(keys) == len(set(keys))
    assert not kept & set(keys)
    # What the first plan covered is still covered, by a kept item or a new one.
    covered_before = {(i.assessor_id, i.enrolment_id) for i in first}
    covered_after = {(x[3], x[0]) for x in all_items(again, second)}
    assessors_before = {a for a, _ in covered_before}
    assert assessors_before <= {a for a, _ in covered_after}


@SETTINGS
@given(strategy_rules(), facts(), st.integers(0, 2**31))
def test_due_windows_lie_within_the_period_and_items_are_unique(rules, f, seed):
    items = generate(rules, f, seed)
    assert len({i.key for i in items}) == len(items)
    for i in items:
        assert START <= i.due_from <= i.due_by <= END
        assert i.stage in (INTERIM, SUMMATIVE) and i.reason and i.reason_detail and i.rule
        assert len(i.reason_detail) <= 300


# --- worked cases ---------------------------------------------------------------------------------


def learner(e, assessor, units, *, decided=(), signed=(), end=date(2026, 7, 31), first=None, methods=None, signers=None):
    decided = frozenset(decided)
    return Learner(
        enrolment_id=e, assessor_ids=(assessor,), planned_end=end, units_in_play=frozenset(units) | decided,
        units_with_decisions=decided, signed_off_units=frozenset(signed),
        signers={u: frozenset(signers or {assessor}) for u in decided}, unit_assessor={u: assessor for u in decided},
        trainee_first=first or {}, unit_methods={u: frozenset(methods or {"observation"}) for u in decided},
    )


def worked(assessors, learners, **extra) -> Facts:
    return Facts(iqa_id=IQA, today=TODAY, period_start=START, period_end=END, assessors=tuple(assessors),
                 learners=tuple(learners), **extra)


def test_a_trainees_first_decision_in_a_unit_is_sampled_with_the_reason_in_words():
    f = worked([Assessor(20, "high", trainee=True)], [learner(1, 20, [100], decided=[100], first={100: 20})])
    [item] = [i for i in generate(parse(TEMPLATE), f, 7) if i.reason == planning.TRAINEE_FIRST]
    assert (item.enrolment_id, item.unit_id, item.stage, item.assessor_id) == (1, 100, INTERIM, 20)
    assert "first decision" in item.reason_detail and item.rule == "trainee_first_decision_per_unit"


def test_a_unit_without_a_summative_sample_in_twelve_months_gets_one_on_a_sign_off():
    f = worked([Assessor(20, "low")], [learner(1, 20, [100], decided=[100]),
                                       learner(2, 20, [100], decided=[100], signed=[100])],
               last_summative={(20, 100): TODAY - timedelta(days=500)})
    gap = [i for i in generate(parse(TEMPLATE), f, 7) if i.reason == planning.SUMMATIVE_COVERAGE]
    assert [(i.enrolment_id, i.unit_id, i.stage) for i in gap] == [(2, 100, SUMMATIVE)]
    assert "12 months" in gap[0].reason_detail and "1 sign-off" in gap[0].reason_detail


def test_a_recent_summative_sample_means_no_coverage_gap():
    f = worked([Assessor(20, "low")], [learner(1, 20, [100], decided=[100], signed=[100])],
               last_summative={(20, 100): TODAY - timedelta(days=30)}, sampled_learners=frozenset({1}))
    assert not [i for i in generate(parse(TEMPLATE), f, 7) if i.reason == planning.SUMMATIVE_COVERAGE]


def test_a_learner_near_their_end_never_sampled_is_sampled_before_the_claim_due_by_their_end():
    end = END - timedelta(days=20)
    f = worked([Assessor(20, "low")], [learner(1, 20, [100, 101], decided=[100], signed=[100], end=end)],
               last_summative={(20, 100): TODAY})
    [item] = [i for i in generate(parse(TEMPLATE), f, 7) if i.reason == planning.EVERY_LEARNER]
    assert item.unit_id == 100 and item.stage == SUMMATIVE and item.due_by == end


def test_the_learner_share_is_rounded_up_and_random_picks_follow_the_seed():
    rules = parse({**TEMPLATE, "methods_must_cover": [], "trainee_first_decision_per_unit": False})
    many = [learner(e, 20, [100, 101, 102]) for e in range(1, 11)]
    f = worked([Assessor(20, "low")], many, sampled_learners=frozenset(range(1, 11)))
    items = generate(rules, f, 1)
    assert len({i.enrolment_id for i in items}) == 2  # 15% of 10, rounded up
    assert all(i.reason in (planning.RANDOM, planning.UNIT_SHARE) for i in items)
    picks = {tuple(sorted({i.enrolment_id for i in generate(rules, f, seed)})) for seed in range(30)}
    assert len(picks) > 1  # the seed decides which learners


def test_the_iqa_is_never_given_their_own_learner_or_decision():
    f = worked([Assessor(20, "high"), Assessor(IQA, "high")], [
        learner(1, IQA, [100], decided=[100]),  # the IQA assesses this learner
        learner(2, 20, [100, 101], decided=[100, 101], signers={20, IQA}),  # the IQA countersigned here
        learner(3, 20, [102]),
    ])
    items = generate(parse(TEMPLATE), f, 3)
    assert {(i.enrolment_id, i.unit_id) for i in items} == {(3, 102)}


def test_methods_not_yet_covered_are_looked_at():
    rules = parse({**TEMPLATE, "methods_must_cover": ["witness_testimony"]})
    f = worked([Assessor(20, "low")], [learner(e, 20, [100], decided=[100], methods={"observation"})
                                       for e in range(1, 8)] +
               [learner(9, 20, [101], decided=[101], methods={"witness_testimony"})],
               last_summative={(20, 100): TODAY, (20, 101): TODAY}, sampled_learners=frozenset(range(1, 10)))
    items = generate(rules, f, 5)
    assert any(i.enrolment_id == 9 and "witness_testimony" in i.methods for i in items)


def test_periods_follow_the_academic_year():
    assert period_containing(date(2025, 9, 15), 3) == (date(2025, 8, 1), date(2025, 10, 31))
    assert period_containing(date(2026, 1, 2), 3) == (date(2025, 11, 1), date(2026, 1, 31))
    assert period_containing(date(2026, 7, 31), 12) == (date(2025, 8, 1), date(2026, 7, 31))
    assert period_containing(date(2026, 7, 1), 5) == (date(2026, 6, 1), date(2026, 7, 31))  # cut short at July
    assert period_from(date(2025, 9, 10), 2) == (date(2025, 9, 10), date(2025, 11, 9))


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)), st.integers(1, 12))
def test_a_period_always_holds_its_day(day, months):
    start, end = period_containing(day, months)
    assert start <= day <= end
