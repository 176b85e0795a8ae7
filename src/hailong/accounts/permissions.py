"""The one permission check.

Every access decision in the platform — views, the API, exports, the admin, commands acting for a
user — is answered here, from one rule:

    a user may do ``perm`` on a unit if one of the user's roles grants ``perm`` and is assigned
    on that unit or on one of its ancestors.

For reading history (``HISTORY_READABLE`` permissions) the units a role's unit came from through
lineage count too, so the 2025 city of Đà Nẵng reads the records of the old Đà Nẵng and Quảng Nam.
Superusers may do everything.

The rule is computed once per user object as a list of unit paths (``grant_paths``); ``has_perm``
tests one unit against it and ``scope`` turns it into a database filter, so the two can never
disagree.
"""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from hailong.accounts.roles import HISTORY_READABLE, ROLE_PERMISSIONS, Perm
from hailong.units.models import Unit, UnitLineage

_CACHE_ATTR = "_hailong_grant_paths"
EVERYWHERE = ("/",)


def _lineage_ancestor_paths(units: Iterable[Unit]) -> set[str]:
    """Paths of every unit the given units came from, through any number of reorganisations."""
    frontier = {u.pk for u in units}
    seen: set[int] = set(frontier)
    paths: set[str] = set()
    while frontier:
        rows = UnitLineage.objects.filter(successor_id__in=frontier).values_list(
            "predecessor_id", "predecessor__path"
        )
        frontier = set()
        for pk, path in rows:
            if pk not in seen:
                seen.add(pk)
                frontier.add(pk)
                paths.add(path)
    return paths


def _minimal(paths: Iterable[str]) -> tuple[str, ...]:
    """Drop paths already covered by a shorter one, so filters stay short."""
    result: list[str] = []
    for path in sorted(set(paths), key=len):
        if not any(path.startswith(kept) for kept in result):
            result.append(path)
    return tuple(sorted(result))


def _compute(user) -> dict[str, tuple[str, ...]]:
    from hailong.accounts.models import RoleAssignment

    assignments = list(RoleAssignment.objects.filter(user_id=user.pk).select_related("unit"))
    by_perm: dict[str, set[str]] = {}
    units_by_perm: dict[str, list[Unit]] = {}
    for assignment in assignments:
        for perm in ROLE_PERMISSIONS.get(assignment.role, ()):
            by_perm.setdefault(perm, set()).add(assignment.unit.path)
            units_by_perm.setdefault(perm, []).append(assignment.unit)
    history_cache: dict[frozenset[int], set[str]] = {}
    for perm in HISTORY_READABLE:
        units = units_by_perm.get(perm)
        if units:
            key = frozenset(u.pk for u in units)
            if key not in history_cache:
                history_cache[key] = _lineage_ancestor_paths(units)
            by_perm[perm] |= history_cache[key]
    return {perm: _minimal(paths) for perm, paths in by_perm.items()}


def grant_paths(user, perm: str) -> tuple[str, ...]:
    """Unit paths under which ``user`` holds ``perm``; ``("/",)`` means everywhere, ``()`` nowhere."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return ()
    if user.is_superuser:
        return EVERYWHERE
    cache = getattr(user, _CACHE_ATTR, None)
    if cache is None:
        cache = _compute(user)
        setattr(user, _CACHE_ATTR, cache)
    return cache.get(perm, ())


def forget(user) -> None:
    """Drop the cached grants of this user object (after its roles changed)."""
    if user is not None and hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def has_perm(user, perm: str, unit: Unit | None = None) -> bool:
    """May ``user`` do ``perm`` on ``unit``? With no unit: may the user do it anywhere at all?"""
    paths = grant_paths(user, perm)
    if unit is None:
        return bool(paths)
    return any(unit.path.startswith(path) for path in paths)


def require(user, perm: str, unit: Unit | None = None) -> None:
    if not has_perm(user, perm, unit):
        raise PermissionDenied(perm)


def scope(queryset: QuerySet, user, perm: str, *, path_field: str = "path") -> QuerySet:
    """Only the rows whose unit lies where ``user`` holds ``perm``.

    ``path_field`` is the lookup from the queryset's model to the unit's path, e.g. ``"unit__path"``.
    """
    paths = grant_paths(user, perm)
    if not paths:
        return queryset.none()
    if paths == EVERYWHERE:
        return queryset
    condition = Q()
    for path in paths:
        condition |= Q(**{f"{path_field}__startswith": path})
    return queryset.filter(condition)


def grantable_roles(user, unit: Unit) -> frozenset[str]:
    """Roles ``user`` may grant on ``unit``: decided by the roles it holds there (no escalation)."""
    from hailong.accounts.models import RoleAssignment
    from hailong.accounts.roles import GRANTABLE_BY, Role

    if not has_perm(user, Perm.ACCOUNTS_MANAGE, unit):
        return frozenset()
    if user.is_superuser:
        return frozenset(Role.values)
    held = RoleAssignment.objects.filter(user_id=user.pk, unit_id__in=[*unit.ancestor_ids(), unit.pk])
    grantable: set[str] = set()
    for role in held.values_list("role", flat=True):
        grantable |= GRANTABLE_BY.get(role, frozenset())
    return frozenset(grantable)
