"""Where the units of an earlier survey went: their successors on a chosen day, through lineage.

A unit merged into another goes whole (share 1) to its successor; a unit split between several
goes to each with the lineage ``share`` (the fraction of the old unit that went there); chains of
reorganisations multiply the shares. A unit that still exists on the day is its own successor.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from hailong.units.models import Unit, UnitLineage


def successors_on(unit_ids: Iterable[int], day: date) -> dict[int, list[tuple[int, float]]]:
    """``{old unit id: [(unit id valid on day, share), …]}``; an empty list when nothing is found."""
    ids = set(unit_ids)
    units = Unit.objects.in_bulk(ids)
    result: dict[int, dict[int, Decimal]] = {pk: {} for pk in ids}
    # (origin, current unit, share carried so far)
    frontier: list[tuple[int, int, Decimal]] = []
    for pk in ids:
        unit = units.get(pk)
        if unit is not None and unit.is_valid_on(day):
            result[pk][pk] = Decimal(1)
        else:
            frontier.append((pk, pk, Decimal(1)))
    seen: set[tuple[int, int]] = set()
    while frontier:
        links = list(
            UnitLineage.objects.filter(
                predecessor_id__in={current for _o, current, _s in frontier}
            ).select_related("successor")
        )
        by_predecessor: dict[int, list[UnitLineage]] = {}
        for link in links:
            by_predecessor.setdefault(link.predecessor_id, []).append(link)
        next_frontier = []
        for origin, current, share in frontier:
            for link in by_predecessor.get(current, []):
                key = (origin, link.successor_id)
                if key in seen:
                    continue
                seen.add(key)
                carried = share * link.share
                if link.successor.is_valid_on(day):
                    result[origin][link.successor_id] = result[origin].get(link.successor_id, 0) + carried
                elif link.successor.valid_from is None or link.successor.valid_from <= day:
                    next_frontier.append((origin, link.successor_id, carried))
        frontier = next_frontier
    return {pk: sorted((unit, float(share)) for unit, share in found.items()) for pk, found in result.items()}
