"""What the criteria picker shows (templates/includes/criteria_picker.html): the enrolment's
planned units first, then the other units of the qualification behind "Other units".

A unit with a ticked criterion is always among the units shown first, planned or not, so what
was chosen stays chosen and in sight when a piece is changed or a form comes back with errors.
Only those units' criteria are in the page (an NCFE learner's page is a fifth of the size it
was with all 713); another unit is a summary line whose criteria static/js/picker.js brings in
when it is opened or searched, or, without the script, a link reloads the page with the unit
(`?open=<unit id>`, repeatable) or with every unit (`?units=all`).
Used by the learner's evidence form and the assessor's record forms.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from apps.learners.models import Enrolment, PlannedUnit
from apps.qualifications.selectors import UnitTree, qualification_tree


@dataclass(frozen=True)
class PickerUnit:
    tree: UnitTree
    planned: bool
    ticked: int  # criteria of this unit ticked
    loaded: bool  # its criteria are in the page (else a summary line, fetched when opened)

    @property
    def unit(self):
        return self.tree.unit

    @property
    def outcomes(self):
        return self.tree.outcomes


@dataclass(frozen=True)
class Picker:
    first: list[PickerUnit]  # planned units, and any unit with a ticked criterion
    others: list[PickerUnit]  # the rest of the qualification, collapsed
    has_plan: bool
    selected: frozenset[str]  # ticked criterion ids, as strings (as the form posts them)
    opened: tuple[int, ...] = ()  # units asked for with ?open= (no script)
    every_unit: bool = False  # ?units=all

    @property
    def open_query(self) -> str:
        """The query string that keeps the units already asked for open, ready for one more."""
        return urlencode([("open", pk) for pk in self.opened]) + "&" if self.opened else ""

    @property
    def others_open(self) -> bool:
        """Open "Other units" when one of them was asked for (or has a ticked criterion)."""
        return any(u.loaded for u in self.others) and not self.every_unit

    @property
    def criteria_count(self) -> int:
        return sum(len(u.tree.criteria) for u in (*self.first, *self.others))


MAX_OPENED = 100  # units a link may ask to open (a qualification has fewer)


def criteria_picker(*, enrolment: Enrolment, selected: Iterable[object], query: Mapping | None = None) -> Picker:
    """The qualification's units for the picker (the tree is kept per process; one query for
    the plan). `selected` are the ticked criterion ids as posted or as saved; `query` is the
    page's GET parameters (`open`, `units`)."""
    chosen = frozenset(str(s) for s in selected)
    opened: tuple[int, ...] = ()
    every_unit = False
    if query is not None:
        values = query.getlist("open") if hasattr(query, "getlist") else []
        opened = tuple(dict.fromkeys(int(v) for v in values[:MAX_OPENED] if v.isascii() and v.isdigit() and len(v) < 12))
        every_unit = query.get("units") == "all"
    planned = set(PlannedUnit.objects.filter(enrolment=enrolment).values_list("unit_id", flat=True))
    first: list[PickerUnit] = []
    others: list[PickerUnit] = []
    for tree in qualification_tree(enrolment.qualification_id):
        pk = tree.unit.pk
        ticked = sum(1 for c in tree.criteria if str(c.pk) in chosen)
        item = PickerUnit(
            tree=tree, planned=pk in planned, ticked=ticked,
            loaded=every_unit or pk in planned or bool(ticked) or pk in opened,
        )
        (first if item.planned or ticked else others).append(item)
    return Picker(first=first, others=others, has_plan=bool(planned), selected=chosen, opened=opened, every_unit=every_unit)
