"""Reads of units, each through the one permission check when made for a user."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from hailong.accounts import permissions
from hailong.accounts.roles import Perm
from hailong.units.models import Unit, UnitLineage


def unit_list_for(
    *,
    user,
    as_of: date | None = None,
    unit_type: str | None = None,
    search: str = "",
    parent: Unit | None = None,
    perm: str = Perm.UNITS_VIEW,
) -> QuerySet[Unit]:
    qs = permissions.scope(Unit.objects.select_related("parent"), user, perm)
    if as_of is not None:
        qs = qs.valid_on(as_of)
    if unit_type:
        qs = qs.filter(type=unit_type)
    if parent is not None:
        qs = qs.filter(parent=parent)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(code__iexact=search) | Q(short_name__icontains=search))
    return qs.annotate(children_count=Count("children")).order_by("depth", "type", "name")


def unit_get_for(*, user, unit_id: int, perm: str = Perm.UNITS_VIEW) -> Unit:
    """The unit, if the user may ``perm`` it; 404 otherwise (never reveal what lies outside scope)."""
    return get_object_or_404(permissions.scope(Unit.objects.select_related("parent"), user, perm), pk=unit_id)


def unit_ancestors(unit: Unit) -> list[Unit]:
    ids = unit.ancestor_ids()
    by_id = Unit.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def unit_roots_for(*, user, as_of: date | None = None) -> list[Unit]:
    """The topmost units a user may see: where browsing starts."""
    qs = unit_list_for(user=user, as_of=as_of)
    paths = permissions.grant_paths(user, Perm.UNITS_VIEW)
    if paths == permissions.EVERYWHERE:
        return list(qs.filter(parent__isnull=True))
    return list(qs.filter(path__in=paths))


def unit_find(*, code: str, on: date | None = None) -> Unit | None:
    """The unit with this code on a day (today's units when no day is given)."""
    qs = Unit.objects.filter(code=code.strip())
    return qs.valid_on(on or date.today()).first()  # noqa: DTZ011 - a calendar day, not an instant


@dataclass(frozen=True)
class LineageStep:
    unit: Unit
    share: Decimal  # fraction of ``unit`` that ended up in the unit asked about
    kind: str
    generations: int


def unit_predecessors(unit: Unit, *, as_of: date | None = None) -> list[LineageStep]:
    """The units ``unit`` came from, following lineage back through every reorganisation.

    With ``as_of``, stop at the units that existed on that day (the ones an older survey measured);
    a unit that already existed then is its own predecessor. Shares multiply along the way.
    """
    if as_of is not None and unit.is_valid_on(as_of):
        return [LineageStep(unit, Decimal(1), "self", 0)]
    result: list[LineageStep] = []
    seen = {unit.pk}
    frontier: list[tuple[Unit, Decimal, int]] = [(unit, Decimal(1), 0)]
    while frontier:
        carried = {u.pk: (share, gen) for u, share, gen in frontier}
        links = UnitLineage.objects.filter(successor_id__in=carried).select_related("predecessor")
        frontier = []
        for link in links:
            share, gen = carried[link.successor_id]
            step = LineageStep(link.predecessor, share * link.share, link.kind, gen + 1)
            reached = as_of is not None and link.predecessor.is_valid_on(as_of)
            if as_of is None or reached:
                result.append(step)
            if not reached and link.predecessor_id not in seen:
                seen.add(link.predecessor_id)
                frontier.append((link.predecessor, step.share, step.generations))
    return sorted(result, key=lambda s: (s.generations, s.unit.code))


def unit_successors(unit: Unit) -> list[UnitLineage]:
    return list(UnitLineage.objects.filter(predecessor=unit).select_related("successor"))


def unit_type_counts(*, user, as_of: date) -> dict[str, int]:
    qs = permissions.scope(Unit.objects.valid_on(as_of), user, Perm.UNITS_VIEW)
    return dict(qs.order_by().values_list("type").annotate(n=Count("id")))


def unit_export_rows(*, as_of: date | None = None, units: QuerySet[Unit] | None = None):
    """Rows of ``code,name,type,parent_code,valid_from,valid_to``, parents before children."""
    qs = units if units is not None else Unit.objects.all()
    if as_of is not None:
        qs = qs.valid_on(as_of)
    for code, name, unit_type, parent_code, valid_from, valid_to in (
        qs.order_by("depth", "type", "code")
        .values_list("code", "name", "type", "parent__code", "valid_from", "valid_to")
        .iterator(chunk_size=2000)
    ):
        yield [
            code,
            name,
            unit_type,
            parent_code or "",
            valid_from.isoformat() if valid_from else "",
            valid_to.isoformat() if valid_to else "",
        ]
