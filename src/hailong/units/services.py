"""Every write to units and their lineage."""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, F, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Concat, Substr
from django.utils.translation import gettext_lazy as _

from hailong.audit.models import AuditAction
from hailong.audit.services import audit_record
from hailong.core.messages import lazy_format
from hailong.units.choices import ALLOWED_PARENT_TYPES, UnitSource, UnitType
from hailong.units.models import Unit, UnitLineage
from hailong.units.registry import Registry, read_registry

EDITABLE_FIELDS = ("code", "name", "name_en", "short_name", "type", "valid_from", "valid_to", "address")


def _check_parent(*, unit_type: str, parent: Unit | None) -> None:
    allowed = ALLOWED_PARENT_TYPES.get(unit_type, frozenset())
    if parent is None:
        if allowed:
            raise ValidationError({"parent": _("A unit of this type needs a parent unit.")})
        return
    if parent.type not in allowed:
        raise ValidationError(
            {
                "parent": lazy_format(
                    _("A {child} cannot be placed under a {parent}."),
                    child=UnitType(unit_type).label,
                    parent=UnitType(parent.type).label,
                )
            }
        )


def _check_validity(*, valid_from: date | None, valid_to: date | None, parent: Unit | None) -> None:
    if valid_from and valid_to and valid_to < valid_from:
        raise ValidationError({"valid_to": _("The end date is before the start date.")})
    if (
        parent is not None
        and not Unit.objects.filter(pk=parent.pk).overlapping(valid_from, valid_to).exists()
    ):
        raise ValidationError(
            {"parent": _("The parent unit does not exist during this unit's validity period.")}
        )


def _check_code_free(
    *, code: str, valid_from: date | None, valid_to: date | None, exclude_pk: int | None
) -> None:
    clash = Unit.objects.filter(code=code).overlapping(valid_from, valid_to).exclude(pk=exclude_pk).first()
    if clash is not None:
        raise ValidationError(
            {
                "code": lazy_format(
                    _("Code {code} is already used by {unit} in an overlapping period."),
                    code=code,
                    unit=clash.name,
                )
            }
        )


def _set_path(unit: Unit) -> None:
    parent_path = unit.parent.path if unit.parent_id else "/"
    unit.path = f"{parent_path}{unit.pk}/"
    unit.depth = unit.parent.depth + 1 if unit.parent_id else 0
    Unit.objects.filter(pk=unit.pk).update(path=unit.path, depth=unit.depth)


@transaction.atomic
def unit_create(
    *,
    code: str,
    name: str,
    type: str,  # noqa: A002 - mirrors the model field
    parent: Unit | None,
    valid_from: date | None = None,
    valid_to: date | None = None,
    name_en: str = "",
    short_name: str = "",
    address: str = "",
    source: str = UnitSource.MANUAL,
    actor=None,
    request=None,
) -> Unit:
    """Create a unit. With an ``actor`` or ``request`` the creation is audited as theirs."""
    code = code.strip()
    _check_parent(unit_type=type, parent=parent)
    _check_validity(valid_from=valid_from, valid_to=valid_to, parent=parent)
    _check_code_free(code=code, valid_from=valid_from, valid_to=valid_to, exclude_pk=None)
    unit = Unit(
        code=code,
        name=name.strip(),
        type=type,
        parent=parent,
        valid_from=valid_from,
        valid_to=valid_to,
        name_en=name_en.strip(),
        short_name=short_name.strip(),
        address=address.strip(),
        source=source,
    )
    unit.full_clean(exclude=["path", "depth"])
    unit.save()
    _set_path(unit)
    if actor is not None or request is not None:
        audit_record(action=AuditAction.UNIT_CREATED, actor=actor, request=request, unit=unit, target=unit)
    return unit


@transaction.atomic
def unit_update(*, unit: Unit, parent: Unit | None = None, actor=None, request=None, **changes: Any) -> Unit:
    """Change a unit's own fields and, if ``parent`` is given, move it (with its subtree)."""
    before = {name: getattr(unit, name) for name in changes}
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Not editable: {', '.join(sorted(unknown))}")
    for name, value in changes.items():
        setattr(unit, name, value.strip() if isinstance(value, str) else value)
    new_parent = parent if parent is not None else unit.parent
    if new_parent is not None and new_parent.path.startswith(unit.path):
        raise ValidationError(
            {"parent": _("A unit cannot be placed under itself or one of its own sub-units.")}
        )
    _check_parent(unit_type=unit.type, parent=new_parent)
    _check_validity(valid_from=unit.valid_from, valid_to=unit.valid_to, parent=new_parent)
    _check_code_free(code=unit.code, valid_from=unit.valid_from, valid_to=unit.valid_to, exclude_pk=unit.pk)
    unit.full_clean(exclude=["path", "depth", "parent"])
    moved = new_parent is not None and new_parent.pk != unit.parent_id
    unit.parent = new_parent
    unit.save(update_fields=[*changes.keys(), "parent", "updated_at"])
    if moved:
        _move_subtree(unit)
    if actor is not None or request is not None:
        changed = {k: str(v) for k, v in changes.items() if before[k] != getattr(unit, k)}
        if moved:
            changed["parent"] = new_parent.code
        audit_record(
            action=AuditAction.UNIT_UPDATED,
            actor=actor,
            request=request,
            unit=unit,
            target=unit,
            details=changed,
        )
    return unit


def _move_subtree(unit: Unit) -> None:
    old_path, old_depth = unit.path, unit.depth
    parent = unit.parent
    new_path = f"{parent.path}{unit.pk}/"
    depth_change = parent.depth + 1 - old_depth
    Unit.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + depth_change,
    )
    unit.path, unit.depth = new_path, old_depth + depth_change


@transaction.atomic
def lineage_link(
    *,
    predecessor: Unit,
    successor: Unit,
    kind: str,
    effective_date: date,
    share: float | None = None,
    share_basis: str = "whole",
    legal_basis: str = "",
) -> UnitLineage:
    link, _created = UnitLineage.objects.update_or_create(
        predecessor=predecessor,
        successor=successor,
        defaults={
            "kind": kind,
            "effective_date": effective_date,
            "share": 1 if share is None else share,
            "share_basis": share_basis,
            "legal_basis": legal_basis,
        },
    )
    link.full_clean()
    return link


@dataclass
class RegistryLoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    links_created: int = 0
    links_updated: int = 0
    versions: dict[str, str] = field(default_factory=dict)


_LINK_FIELDS = ["kind", "share", "share_basis", "legal_basis", "effective_date", "source"]
_REGISTRY_FIELDS = ("code", "name", "short_name", "name_en", "type", "valid_from", "valid_to", "source")


@transaction.atomic
def registry_load(*, registry: Registry | None = None, actor_username: str = "") -> RegistryLoadResult:
    """Load (or refresh) the official registry. Running it again changes only what the data changed."""
    registry = registry or read_registry()
    result = RegistryLoadResult(versions=registry.versions)
    existing = {u.registry_key: u for u in Unit.objects.filter(registry_key__isnull=False)}
    by_key: dict[str, Unit] = dict(existing)

    # Parents come before children in the registry, so one pass in order resolves every parent.
    to_create: list[Unit] = []
    to_update: list[Unit] = []
    pending_parent: dict[str, str] = {}
    for row in registry.units:
        unit = existing.get(row.key)
        values = {name: getattr(row, name) for name in _REGISTRY_FIELDS}
        if unit is None:
            unit = Unit(registry_key=row.key, **values)
            to_create.append(unit)
            by_key[row.key] = unit
        else:
            parent_id = by_key[row.parent_key].pk if row.parent_key else None
            if any(getattr(unit, k) != v for k, v in values.items()) or parent_id != unit.parent_id:
                for name, value in values.items():
                    setattr(unit, name, value)
                to_update.append(unit)
            else:
                result.unchanged += 1
        if row.parent_key:
            pending_parent[row.key] = row.parent_key

    # Create level by level so every parent has a primary key before its children are inserted.
    depth_of: dict[str, int] = {}
    for row in registry.units:
        depth_of[row.key] = depth_of[row.parent_key] + 1 if row.parent_key else 0
    for level in sorted({depth_of[u.registry_key] for u in to_create}):
        batch = [u for u in to_create if depth_of[u.registry_key] == level]
        for unit in batch:
            unit.parent = (
                by_key[pending_parent[unit.registry_key]] if unit.registry_key in pending_parent else None
            )
            unit.depth = level
        Unit.objects.bulk_create(batch, batch_size=1000)
    result.created = len(to_create)

    if to_update:
        for unit in to_update:
            unit.parent = (
                by_key[pending_parent[unit.registry_key]] if unit.registry_key in pending_parent else None
            )
        Unit.objects.bulk_update(to_update, [*_REGISTRY_FIELDS, "parent"], batch_size=500)
        result.updated = len(to_update)
    if to_create or to_update:
        paths_refresh()

    existing_links = {
        (link.predecessor_id, link.successor_id): link
        for link in UnitLineage.objects.filter(predecessor__registry_key__isnull=False)
    }
    new_links, changed_links = [], []
    for row in registry.links:
        pred, succ = by_key[row.predecessor_key], by_key[row.successor_key]
        values = {
            "kind": row.kind,
            "share": row.share,
            "share_basis": row.share_basis,
            "legal_basis": row.legal_basis,
            "effective_date": date(2025, 7, 1),
            "source": UnitSource.REGISTRY_2025,
        }
        link = existing_links.get((pred.pk, succ.pk))
        if link is None:
            new_links.append(UnitLineage(predecessor=pred, successor=succ, **values))
        elif link.share_basis != "manual" and any(getattr(link, k) != v for k, v in values.items()):
            # A share a province entered by hand is better than the registry's equal split: keep it.
            for name, value in values.items():
                setattr(link, name, value)
            changed_links.append(link)
    UnitLineage.objects.bulk_create(new_links, batch_size=1000)
    UnitLineage.objects.bulk_update(changed_links, _LINK_FIELDS, batch_size=500)
    result.links_created, result.links_updated = len(new_links), len(changed_links)
    audit_record(
        action=AuditAction.REGISTRY_LOADED,
        actor_username=actor_username,
        details={
            "created": result.created,
            "updated": result.updated,
            "links_created": result.links_created,
            "units": len(registry.units),
            "versions": result.versions,
        },
    )
    return result


def paths_refresh() -> None:
    """Recompute every materialised path from the parent links, top down, one query per level."""
    Unit.objects.filter(parent__isnull=True).update(
        path=Concat(Value("/"), Cast("id", CharField()), Value("/")), depth=0
    )
    level = 0
    while Unit.objects.filter(depth=level).exists():
        parent_path = Unit.objects.filter(pk=OuterRef("parent_id")).values("path")[:1]
        updated = Unit.objects.filter(parent__depth=level).update(
            path=Concat(Subquery(parent_path), Cast("id", CharField()), Value("/")), depth=level + 1
        )
        if not updated:
            break
        level += 1
