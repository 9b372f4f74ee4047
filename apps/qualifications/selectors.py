"""Reads of the qualification catalogue.

The catalogue is the awarding organisations' published content, shared by every centre,
so these reads have nothing to scope by centre and take no acting member. Selectors over
a centre's offer and its learners' enrolments belong with those models.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import F, Prefetch, Q, QuerySet

from .canonical import CANONICAL_PREFETCH
from .models import SEARCH_CONFIG, AssessmentCriterion, Qualification, Unit


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
