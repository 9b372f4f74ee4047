"""Reads of the qualification catalogue.

The catalogue is the awarding organisations' published content, shared by every centre,
so these reads have nothing to scope by centre and take no acting member. Selectors over
a centre's offer and its learners' enrolments belong with those models.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import F, Prefetch, Q, QuerySet
from django.utils.text import Truncator

from .canonical import CANONICAL_PREFETCH
from .engine import QualificationRules
from .models import SEARCH_CONFIG, AssessmentCriterion, EvidenceRequirement, LearningOutcome, Qualification, Unit


def qualifications_current() -> QuerySet[Qualification]:
    """The current version of every qualification, by number."""
    return Qualification.objects.filter(is_current=True).order_by("number")


def qualification_versions(*, number: str) -> QuerySet[Qualification]:
    """Every version of one qualification, newest first."""
    return Qualification.objects.filter(number=number).order_by("-version")


def qualification_get(*, number: str, version: int | None = None, content: bool = False) -> Qualification:
    """The current (or the given) version of a qualification; Qualification.DoesNotExist if none.

    content=True prefetches units, outcomes, criteria and evidence requirements (four
    queries whatever the size), as export and the rules engine need.
    """
    qs = Qualification.objects.filter(number=number)
    qs = qs.filter(version=version) if version is not None else qs.filter(is_current=True)
    if content:
        qs = qs.prefetch_related(*CANONICAL_PREFETCH)
    return qs.get()


def qualification_with_units(*, number: str, version: int | None = None) -> Qualification:
    """A version with its units prefetched: enough for `Qualification.rules()` (two queries)."""
    qs = Qualification.objects.filter(number=number)
    qs = qs.filter(version=version) if version is not None else qs.filter(is_current=True)
    return qs.prefetch_related(Prefetch("units", queryset=Unit.objects.order_by("position"))).get()


def catalogue_search(*, q: str, qualification: Qualification | None = None) -> QuerySet[Unit]:
    """Units of current qualifications whose title, summary or any criterion matches `q`
    (web-search syntax, English stemming), best title match first. Uses the GIN indexes."""
    query = SearchQuery(q, config=SEARCH_CONFIG, search_type="websearch")
    units = Unit.objects.filter(qualification__is_current=True)
    if qualification is not None:
        units = units.filter(qualification=qualification)
    # Two uncorrelated subqueries, so each is answered from its own GIN index.
    by_title = Unit.objects.filter(search=query).values("pk")
    by_criterion = AssessmentCriterion.objects.filter(search=query).values("unit_id")
    return (
        units.filter(Q(pk__in=by_title) | Q(pk__in=by_criterion))
        .annotate(rank=SearchRank(F("search"), query))
        .select_related("qualification")
        .order_by("-rank", "qualification__number", "position")
    )


def matching_criteria(*, q: str, units: list[Unit]) -> dict[int, list[AssessmentCriterion]]:
    """The criteria of `units` that match `q`, by unit id, in printed order: what to show
    under each search hit. One query whatever the number of units."""
    if not units or not q.strip():
        return {}
    query = SearchQuery(q, config=SEARCH_CONFIG, search_type="websearch")
    found: dict[int, list[AssessmentCriterion]] = {}
    criteria = (
        AssessmentCriterion.objects.filter(unit__in=[u.pk for u in units], search=query)
        .select_related("outcome")
        .order_by("unit_id", "outcome__position", "position")
    )
    for criterion in criteria:
        found.setdefault(criterion.unit_id, []).append(criterion)
    return found


# --- one qualification's content as a tree -------------------------------------------------------


@dataclass
class OutcomeTree:
    outcome: LearningOutcome
    criteria: list[AssessmentCriterion]


@dataclass
class UnitTree:
    unit: Unit
    outcomes: list[OutcomeTree]
    requirements: list[EvidenceRequirement]

    @property
    def criteria(self) -> list[AssessmentCriterion]:
        return [c for o in self.outcomes for c in o.criteria]


def qualification_tree(qualification_id: int, *, unit_ids: Iterable[int] | None = None) -> list[UnitTree]:
    """Units in the source's order, each with its outcomes, their criteria and the unit's
    evidence requirements. Every page that lists a qualification's criteria (pickers, the
    assessor's grid, tracking) builds on this.

    A version of a qualification never changes once loaded (a changed specification is a new
    version), so its tree is read once per process (four queries) and kept; pages must treat
    it as read-only. Saving any catalogue row forgets what was kept, for this process."""
    tree = _tree(qualification_id)
    if unit_ids is None:
        return list(tree)
    wanted = set(unit_ids)
    return [ut for ut in tree if ut.unit.pk in wanted]


@lru_cache(maxsize=64)
def _tree(qualification_id: int) -> tuple[UnitTree, ...]:
    units = list(Unit.objects.filter(qualification_id=qualification_id).order_by("position").defer("search", "summary"))
    ids = [u.pk for u in units]
    outcomes: dict[int, list[OutcomeTree]] = {}
    by_outcome: dict[int, OutcomeTree] = {}
    for o in LearningOutcome.objects.filter(unit_id__in=ids).order_by("unit_id", "position"):
        tree = OutcomeTree(outcome=o, criteria=[])
        outcomes.setdefault(o.unit_id, []).append(tree)
        by_outcome[o.pk] = tree
    for c in AssessmentCriterion.objects.filter(unit_id__in=ids).defer("search").order_by("outcome_id", "position"):
        by_outcome[c.outcome_id].criteria.append(c)
    requirements: dict[int, list[EvidenceRequirement]] = {}
    for r in EvidenceRequirement.objects.filter(unit_id__in=ids).order_by("unit_id", "position"):
        requirements.setdefault(r.unit_id, []).append(r)
    return tuple(
        UnitTree(unit=u, outcomes=outcomes.get(u.pk, []), requirements=requirements.get(u.pk, [])) for u in units
    )


@lru_cache(maxsize=64)
def qualification_rules(qualification_id: int) -> QualificationRules:
    """The rules engine's view of one version, read once per process like its tree."""
    return (
        Qualification.objects.prefetch_related(Prefetch("units", queryset=Unit.objects.defer("search", "summary")))
        .get(pk=qualification_id)
        .rules()
    )


@lru_cache(maxsize=64)
def unit_choices(qualification_id: int) -> tuple[tuple[str, str], ...]:
    """Each unit as a choice for a picker, ("id", "number title"), in order; kept like the tree."""
    return tuple((str(ut.unit.pk), f"{ut.unit.number} {Truncator(ut.unit.title).chars(60)}") for ut in _tree(qualification_id))


def forget_trees(**kwargs: object) -> None:
    """A catalogue row was saved or deleted (loading a specification, a test's fixture)."""
    _tree.cache_clear()
    unit_choices.cache_clear()
    qualification_rules.cache_clear()
