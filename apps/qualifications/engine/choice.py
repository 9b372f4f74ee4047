"""Which achieved units count: an exact choice that never gives up, fast on real
qualifications and on the worst cases of issue 10.

The answer is defined as before (see the package docstring): among the countings allowed by
the barred sets, shared URNs and (under `cap`) the maximums, the one that achieves the
qualification if any does, with most credits among those; among equals, the one using the
earliest units. Units no rule tells apart form one class and only how many of a class count
matters; a class counts its earliest members; "earliest" compares how many units of each
class count, classes in qualification order, more before fewer.

Most learners need no choice at all: nothing barred between their units and every maximum
respected by counting everything. Otherwise:

- Under `cap` (maximums are caps) counting a unit never makes a rule unmet, so the best
  counting is the best of all allowed ones (it is then maximal by itself). `_Capped` finds
  its score by branch and bound in an order that finds good countings first, then the
  earliest counting with that score in the order of the classes. Both searches cut a
  branch with a bound on what the rest could add: exact subset sums of the credits each
  credit maximum covers, the top credits (or weights of a minimum) a unit maximum allows,
  at most one unit of each barred set, taken over every family of maximums that cover
  different units. Both remember the states already explored (the running total under
  each maximum, what each minimum still needs, which open barred sets are taken), so the
  work is bounded by the number of distinct states: pseudo-polynomial in the maximums and
  minimums, exponential only in the barred sets open at once (at most 2^15 with 15 barred
  pairs), and far smaller in practice because the bounds cut most of them.
- Under `invalidate`, or with no rules in the source, there are no caps: only the barred
  sets and shared URNs choose, and the counting must be maximal. Each connected cluster of
  barred units is one choice among its maximal sets, and a small dynamic programme over the
  clusters keeps, for each distinct state of the rules, the best counting.
"""

from __future__ import annotations

from collections.abc import Sequence

from .compiled import CompiledRules

Classes = list[tuple[int, ...]]


def choose(compiled: CompiledRules, available: Sequence[int], live: Sequence[tuple[int, ...]]) -> list[int]:
    """The units that count, in qualification order.

    `available`: the achieved units (positions, sorted); `live`: the barred sets and shared
    URNs with at least two of them achieved (their achieved members)."""
    if not live:
        if not compiled.cap_mode or _fits(compiled, available):
            return list(available)
    classes = _classes(compiled, available, live)
    if compiled.cap_mode:
        counts = _Capped(compiled, classes, live).run()
    else:
        counts = _conflicts_only(compiled, classes, live)
    return sorted(i for members, k in zip(classes, counts, strict=True) for i in members[:k])


def _fits(compiled: CompiledRules, units: Sequence[int]) -> bool:
    """Every maximum respected when all these units count."""
    for f in compiled.caps:
        figure = compiled.figures[f]
        weights = figure.weights
        assert figure.high is not None
        if sum(weights[i] for i in units) > figure.high:
            return False
    return True


def _classes(compiled: CompiledRules, available: Sequence[int], live: Sequence[tuple[int, ...]]) -> Classes:
    """Achieved units no rule tells apart, each class in qualification order; a unit in a
    live barred set or shared URN is a class of its own (which one counts matters)."""
    held = {i for units in live for i in units}
    buckets: dict[object, list[int]] = {}
    key = compiled.class_key
    for i in available:
        buckets.setdefault(("unit", i) if i in held else key[i], []).append(i)
    return sorted(tuple(members) for members in buckets.values())


# --- under `cap` ---------------------------------------------------------------------------


class _Capped:
    """Branch and bound over how many units of each class that is a real choice count."""

    def __init__(self, compiled: CompiledRules, classes: Classes, live: Sequence[tuple[int, ...]]) -> None:
        figures = compiled.figures
        units = compiled.units
        conflict_of: dict[int, int] = {}
        for bit, members in enumerate(live):
            for i in members:
                conflict_of[i] = conflict_of.get(i, 0) | (1 << bit)
        caps = compiled.caps
        self.classes = classes
        # A class is a real choice when a maximum weighs it or it is barred; every other
        # class counts in full (counting fewer could never be better).
        choice = [
            c for c, members in enumerate(classes)
            if members[0] in conflict_of or any(figures[f].weights[members[0]] for f in caps)
        ]
        self.choice = choice
        chosen_set = set(choice)
        self.counts = [len(members) if c not in chosen_set else 0 for c, members in enumerate(classes)]
        heads = [classes[c][0] for c in choice]
        self.size = [len(classes[c]) for c in choice]
        self.credits = [units[i].credits for i in heads]
        self.group = [units[i].group for i in heads]
        self.mask = [conflict_of.get(i, 0) for i in heads]
        forced = [i for c, members in enumerate(classes) if c not in chosen_set for i in members]
        # Maximums: each with its weight per choice and its limit.
        self.cap_weights = [tuple(figures[f].weights[i] for i in heads) for f in caps]
        self.cap_limit = [figures[f].high or 0 for f in caps]
        self.cap_credits = [figures[f].measure == "credits" for f in caps]
        # Minimums still to reach once the classes that always count are counted.
        self.possible = True
        self.low_weights: list[tuple[int, ...]] = []
        self.low_need: list[int] = []
        self.low_credits: list[bool] = []
        for figure in figures:
            if figure.low is None:
                continue
            need = figure.low - sum(figure.weights[i] for i in forced)
            if need <= 0:
                continue
            weights = tuple(figure.weights[i] for i in heads)
            if sum(w * s for w, s in zip(weights, self.size, strict=True)) < need:
                self.possible = False  # cannot be met whatever counts
                continue
            self.low_weights.append(weights)
            self.low_need.append(need)
            self.low_credits.append(figure.measure == "credits")

    def run(self) -> list[int]:
        n = len(self.choice)
        if n == 0:
            return self.counts
        # First the best score, searching the most promising choices first; then the
        # earliest counting with that score, in the order of the classes.
        by_promise = sorted(range(n), key=lambda x: (-self.credits[x], x))
        best = _Search(self, by_promise).best_score()
        picks = _Search(self, list(range(n))).first_with(best)
        for x, c in enumerate(self.choice):
            self.counts[c] = picks[x]
        return self.counts


class _Search:
    """One depth-first search over the choices in a given order, with its bounds."""

    def __init__(self, problem: _Capped, order: list[int]) -> None:
        self.problem = problem
        self.order = order
        n = len(order)
        size = [problem.size[x] for x in order]
        credits = [problem.credits[x] for x in order]
        mask = [problem.mask[x] for x in order]
        self.n, self.size, self.credit, self.conflicts = n, size, credits, mask
        self.cap_weights = [[w[x] for x in order] for w in problem.cap_weights]
        self.cap_limit = problem.cap_limit
        self.cap_credits = problem.cap_credits
        self.low_weights = [[w[x] for x in order] for w in problem.low_weights]
        self.low_need = problem.low_need
        self.low_is_credits = problem.low_credits
        self.possible = problem.possible
        n_caps, n_lows = len(self.cap_limit), len(self.low_need)
        # Conflicts still open at each position (a member at or after it).
        active = [0] * (n + 1)
        for p in range(n - 1, -1, -1):
            active[p] = active[p + 1] | mask[p]
        self.active = active
        self.singles = [p for p in range(n) if mask[p]]
        # What each maximum covers, and from each position on: exact subset sums of the
        # unbarred choices' credits within a credit maximum; choices by credits for a unit one.
        covered = [[p for p in range(n) if self.cap_weights[j][p]] for j in range(n_caps)]
        self.cap_singles = [[p for p in cover if mask[p]] for cover in covered]
        self.reach: list[list[int]] = []
        self.reach_all: list[list[int]] = []
        self.by_credit: list[list[int]] = []
        for j, cover in enumerate(covered):
            inside = set(cover)
            if self.cap_credits[j]:
                limit_mask = (2 << self.cap_limit[j]) - 1
                # Two sets of sums: of the unbarred choices, and of every choice (barred
                # ones included even when already blocked: still an upper bound).
                reach, reach_all = [0] * (n + 1), [0] * (n + 1)
                reach[n] = reach_all[n] = 1
                for p in range(n - 1, -1, -1):
                    sums, sums_all = reach[p + 1], reach_all[p + 1]
                    if p in inside:
                        grown, grown_all = sums, sums_all
                        for k in range(1, size[p] + 1):
                            grown |= sums << (k * credits[p])
                            grown_all |= sums_all << (k * credits[p])
                        sums_all = grown_all & limit_mask
                        if not mask[p]:
                            sums = grown & limit_mask
                    reach[p], reach_all[p] = sums, sums_all
                self.reach.append(reach)
                self.reach_all.append(reach_all)
                self.by_credit.append([])
            else:
                self.reach.append([])
                self.reach_all.append([])
                self.by_credit.append(sorted(cover, key=lambda p: -credits[p]))
        # Families of maximums with nothing in common: each bounds what it covers, and what
        # none of them covers counts in full. Every family gives a bound; the least is used.
        disjoint = [[not set(covered[a]) & set(covered[b]) for b in range(n_caps)] for a in range(n_caps)]
        families: list[tuple[int, ...]] = []
        for chosen in range(1, 1 << n_caps):
            members = [j for j in range(n_caps) if chosen >> j & 1]
            if all(disjoint[a][b] for a in members for b in members if a < b) and not any(
                all(disjoint[extra][j] for j in members) for extra in range(n_caps) if extra not in members
            ):
                families.append(tuple(members))
        self.families = families or [()]
        self.family_free: list[list[int]] = []  # unbarred credits no maximum of the family covers
        self.family_singles: list[list[int]] = []  # barred choices no maximum of the family covers
        for family in self.families:
            inside = {p for j in family for p in covered[j]}
            free = [0] * (n + 1)
            for p in range(n - 1, -1, -1):
                free[p] = free[p + 1] + (size[p] * credits[p] if p not in inside and not mask[p] else 0)
            self.family_free.append(free)
            self.family_singles.append([p for p in self.singles if p not in inside])
        # What each minimum could still gain: from what each maximum covers, and from the rest.
        self.low_in_cap = []
        self.low_by_weight: list[list[list[int]]] = []
        self.low_outside = []
        for weights in self.low_weights:
            per_cap = []
            for cover in covered:
                inside = set(cover)
                rest = [0] * (n + 1)
                for p in range(n - 1, -1, -1):
                    rest[p] = rest[p + 1] + (weights[p] * size[p] if p in inside else 0)
                per_cap.append(rest)
            self.low_in_cap.append(per_cap)
            # Under a unit maximum, the choices with most of this minimum's weight first.
            self.low_by_weight.append([
                [] if self.cap_credits[j] else sorted((p for p in cover if weights[p]), key=lambda p: -weights[p])
                for j, cover in enumerate(covered)
            ])
            outside = []
            for family in self.families:
                inside = {p for j in family for p in covered[j]}
                rest = [0] * (n + 1)
                for p in range(n - 1, -1, -1):
                    rest[p] = rest[p + 1] + (weights[p] * size[p] if p not in inside else 0)
                outside.append(rest)
            self.low_outside.append(outside)
        # A family of pairwise disjoint live conflicts: at most one unit of each counts.
        packing: list[tuple[int, list[int]]] = []
        taken: set[int] = set()
        bits = {1 << b for m in mask for b in range(m.bit_length()) if m >> b & 1}
        members = {bit: [p for p in self.singles if mask[p] & bit] for bit in bits}
        for bit in sorted(bits, key=lambda bit: (len(members[bit]), bit)):
            if not taken & set(members[bit]):
                packing.append((bit, members[bit]))
                taken |= set(members[bit])
        self.packing = packing
        # Running figures of the search.
        self.totals = [0] * n_caps
        self.lows = [0] * n_lows
        self.picks = [0] * n
        self.seen: dict[tuple[object, ...], int] = {}

    # -- the bound ------------------------------------------------------------------------

    def bound(self, p: int, credits: int, used: int) -> tuple[bool, int]:
        """An upper bound on (achieved, credits) of any counting below this node."""
        totals, limit, credit, conflicts = self.totals, self.cap_limit, self.credit, self.conflicts
        open_singles = [q for q in self.singles if q >= p and not used & conflicts[q]]
        open_set = set(open_singles)
        # Barred choices at most one per set of the packing, maximums ignored.
        packed = sum(credit[q] for q in open_singles)
        for _bit, members in self.packing:
            values = [credit[q] for q in members if q in open_set]
            if len(values) > 1:
                packed -= sum(values) - max(values)
        # Each maximum's bound on what it covers: without its barred choices, and with them.
        alone: list[int] = []
        together: list[int] = []
        rooms: list[int] = []
        for j, reach in enumerate(self.reach):
            room = limit[j] - totals[j]
            rooms.append(room)
            if self.cap_credits[j]:
                within = (2 << room) - 1
                best = (reach[p] & within).bit_length() - 1
                alone.append(best)
                extra = sum(credit[q] for q in self.cap_singles[j] if q in open_set)
                together.append(min(best + extra, (self.reach_all[j][p] & within).bit_length() - 1))
            else:
                top_alone = top_all = 0
                left_alone = left_all = room
                for q in self.by_credit[j]:
                    if q < p or (conflicts[q] and q not in open_set):
                        continue
                    if left_all:
                        k = min(self.size[q], left_all)
                        top_all += k * credit[q]
                        left_all -= k
                    if left_alone and not conflicts[q]:
                        k = min(self.size[q], left_alone)
                        top_alone += k * credit[q]
                        left_alone -= k
                    if not left_all and not left_alone:
                        break
                alone.append(top_alone)
                together.append(top_all)
        upper = None
        for f, family in enumerate(self.families):
            free = self.family_free[f][p]
            outside = [q for q in self.family_singles[f] if q in open_set]
            loose = sum(credit[q] for q in outside)
            if len(outside) > 1:
                for _bit, members in self.packing:
                    values = [credit[q] for q in members if q in outside]
                    if len(values) > 1:
                        loose -= sum(values) - max(values)
            with_singles = free + loose + sum(together[j] for j in family)
            without = free + packed + sum(alone[j] for j in family)
            bound = min(with_singles, without)
            if upper is None or bound < upper:
                upper = bound
        assert upper is not None
        possible = self.possible
        if possible:
            for r, need in enumerate(self.low_need):
                short = need - self.lows[r]
                if short <= 0:
                    continue
                in_cap = self.low_in_cap[r]
                weights = self.low_weights[r]
                gains = []  # what the choices under each maximum could add to it at most
                for j in range(len(rooms)):
                    gain = in_cap[j][p]
                    if self.cap_credits[j]:
                        if self.low_is_credits[r]:  # its weights are credits or nothing
                            gain = min(gain, together[j])
                    else:
                        gain = min(gain, rooms[j]) if not self.low_is_credits[r] else gain
                        if self.low_is_credits[r]:
                            top, left = 0, rooms[j]
                            for q in self.low_by_weight[r][j]:
                                if q < p or (conflicts[q] and q not in open_set):
                                    continue
                                k = min(self.size[q], left)
                                top += k * weights[q]
                                left -= k
                                if not left:
                                    break
                            gain = min(gain, top)
                    gains.append(gain)
                for f, family in enumerate(self.families):
                    most = self.low_outside[r][f][p] + sum(gains[j] for j in family)
                    if most < short:
                        possible = False
                        break
                if not possible:
                    break
        return possible, credits + upper

    # -- the searches ---------------------------------------------------------------------

    def best_score(self) -> tuple[bool, int]:
        """The best (achieved, credits) of any counting."""
        self.best: tuple[bool, int] | None = None
        self.target: tuple[bool, int] | None = None
        self._walk(0, 0, 0)
        assert self.best is not None
        return self.best

    def first_with(self, score: tuple[bool, int]) -> list[int]:
        """The earliest counting (in this search's order) with this score, per choice."""
        self.best = None
        self.target = score
        self.found: list[int] | None = None
        self._walk(0, 0, 0)
        assert self.found is not None
        out = [0] * self.n
        for p, x in enumerate(self.order):
            out[x] = self.found[p]
        return out

    def _walk(self, p: int, credits: int, used: int) -> bool:
        """Explore below this node; True once the target is found (stop)."""
        possible, upper = self.bound(p, credits, used)
        target = self.target
        if target is not None:
            if (possible, upper) < target:
                return False
        elif self.best is not None and (possible, upper) <= self.best:
            return False
        if p == self.n:
            achieved = self.possible and all(v >= need for v, need in zip(self.lows, self.low_need, strict=True))
            score = (achieved, credits)
            if target is not None:
                if score >= target:
                    self.found = list(self.picks)
                    return True
                return False
            if self.best is None or score > self.best:
                self.best = score
            return False
        # A state explored before with at least these credits cannot do better now.
        key = (
            p,
            tuple(self.totals),
            tuple(min(v, need) for v, need in zip(self.lows, self.low_need, strict=True)) if possible else None,
            used & self.active[p],
        )
        before = self.seen.get(key)
        if before is not None and credits <= before:
            return False
        most = self.size[p]
        if self.conflicts[p] and used & self.conflicts[p]:
            most = 0
        for j, weights in enumerate(self.cap_weights):
            w = weights[p]
            if w:
                most = min(most, (self.cap_limit[j] - self.totals[j]) // w)
        taken = used | self.conflicts[p]
        for k in range(most, -1, -1):
            self._count(p, k)
            done = self._walk(p + 1, credits + k * self.credit[p], taken if k else used)
            self._count(p, -k)
            if done:
                return True
        self.seen[key] = credits if before is None else max(before, credits)
        return False

    def _count(self, p: int, k: int) -> None:
        """Count (k > 0) or uncount (k < 0) k units of the choice at position p."""
        self.picks[p] = max(k, 0)
        if k:
            for j, weights in enumerate(self.cap_weights):
                self.totals[j] += k * weights[p]
            for r, weights in enumerate(self.low_weights):
                self.lows[r] += k * weights[p]


# --- without caps ----------------------------------------------------------------------------


def _conflicts_only(compiled: CompiledRules, classes: Classes, live: Sequence[tuple[int, ...]]) -> list[int]:
    """No maximum limits what counts: every class counts in full except barred units, of
    which a maximal set counts. Clusters of barred units linked by their sets are decided
    one after another, keeping the best counting for each distinct state of the rules."""
    figures = compiled.figures
    units = compiled.units
    counts = [len(members) for members in classes]
    single = {members[0]: c for c, members in enumerate(classes) if len(members) == 1}
    held = sorted({i for members in live for i in members})
    # Barred units in qualification order: the earliest weighs most among equal credits.
    rank = {i: len(held) - 1 - r for r, i in enumerate(held)}
    scale = 1 << len(held)
    neighbours: dict[int, set[int]] = {i: set() for i in held}
    for members in live:
        for i in members:
            neighbours[i].update(j for j in members if j != i)
    clusters = _clusters(held, neighbours)
    held_set = set(held)
    fixed = [i for members in classes for i in members if i not in held_set]
    # Each rule as a figure: what fixed units give, then what each cluster's choice adds.
    limits: list[tuple[int, int | None, int | None, int]] = []  # (figure, low, high, saturation)
    start: list[int] = []
    ok = True
    for f, figure in enumerate(figures):
        base = sum(figure.weights[i] for i in fixed)
        if not any(figure.weights[i] for i in held):
            ok = ok and _met(base, figure.low, figure.high)
            continue
        top = max(figure.low or 0, (figure.high + 1) if figure.high is not None else 0)
        limits.append((f, figure.low, figure.high, top))
        start.append(min(base, top))
    last = {}
    for x, cluster in enumerate(clusters):
        for d, (f, *_rest) in enumerate(limits):
            if any(figures[f].weights[i] for i in cluster):
                last[d] = x
    # states: (ok, figures) -> (score, chosen units so far)
    states: dict[tuple[bool, tuple[int, ...]], tuple[int, tuple[int, ...]]] = {(ok, tuple(start)): (0, ())}
    for x, cluster in enumerate(clusters):
        options = _maximal_sets(cluster, neighbours)
        closing = [d for d, at in last.items() if at == x]
        grown: dict[tuple[bool, tuple[int, ...]], tuple[int, tuple[int, ...]]] = {}
        for (good, values), (score, picked) in states.items():
            for option in options:
                gain = sum(units[i].credits * scale + (1 << rank[i]) for i in option)
                new = list(values)
                if good:
                    for d, (f, _low, _high, top) in enumerate(limits):
                        weights = figures[f].weights
                        add = sum(weights[i] for i in option)
                        if add:
                            new[d] = min(new[d] + add, top)
                still = good and all(_met(new[d], limits[d][1], limits[d][2]) for d in closing)
                state = (still, tuple(new) if still else ())
                candidate = (score + gain, picked + option)
                if state not in grown or candidate[0] > grown[state][0]:
                    grown[state] = candidate
        states = grown
    _, (_, picked) = max(states.items(), key=lambda item: (item[0][0], item[1][0]))
    chosen = set(picked)
    for i in held:
        counts[single[i]] = 1 if i in chosen else 0
    return counts


def _met(value: int, low: int | None, high: int | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


def _clusters(held: list[int], neighbours: dict[int, set[int]]) -> list[list[int]]:
    seen: set[int] = set()
    out = []
    for i in held:
        if i in seen:
            continue
        stack, cluster = [i], []
        seen.add(i)
        while stack:
            j = stack.pop()
            cluster.append(j)
            for k in neighbours[j]:
                if k not in seen:
                    seen.add(k)
                    stack.append(k)
        out.append(sorted(cluster))
    return out


def _maximal_sets(cluster: list[int], neighbours: dict[int, set[int]]) -> list[tuple[int, ...]]:
    """Every maximal set of units of a cluster with no two barred against each other."""
    out: list[tuple[int, ...]] = []
    position = {i: x for x, i in enumerate(cluster)}

    def walk(x: int, chosen: list[int], blocked: set[int]) -> None:
        if x == len(cluster):
            out.append(tuple(chosen))
            return
        i = cluster[x]
        if i in blocked:
            walk(x + 1, chosen, blocked)
            return
        walk(x + 1, [*chosen, i], blocked | neighbours[i])
        # Left out, a unit needs a later neighbour counted (the set must be maximal).
        if any(position[j] > x and j not in blocked for j in neighbours[i]):
            walk(x + 1, chosen, blocked)

    walk(0, [], set())
    # A unit left out whose later neighbours all ended blocked is not maximal: filter.
    return [s for s in out if all(i in s or neighbours[i] & set(s) for i in cluster)]
