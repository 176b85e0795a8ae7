from datetime import date

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hailong.core.models import TimeStampedModel
from hailong.units.choices import (
    AGENCY_TYPES,
    COMMUNE_TYPES,
    DISTRICT_TYPES,
    PROVINCIAL_TYPES,
    LineageKind,
    ShareBasis,
    UnitSource,
    UnitType,
)


class UnitQuerySet(models.QuerySet):
    def valid_on(self, day: date) -> "UnitQuerySet":
        """Units that exist on ``day`` (both ends of the validity period are inclusive)."""
        return self.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=day),
            Q(valid_to__isnull=True) | Q(valid_to__gte=day),
        )

    def overlapping(self, start: date | None, end: date | None) -> "UnitQuerySet":
        qs = self
        if end is not None:
            qs = qs.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=end))
        if start is not None:
            qs = qs.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=start))
        return qs


class Unit(TimeStampedModel):
    """An administrative unit, agency or service point, with the period in which it exists.

    Codes are official where one exists (GSO codes for provinces, districts and communes). The same
    code can be reused over time — the 2025 commune 00004 is not the pre-2025 commune 00004 — so a code
    is unique only among units that exist on the same day; services enforce that.
    """

    code = models.CharField(_("code"), max_length=64, db_index=True)
    name = models.CharField(_("name"), max_length=255)
    name_en = models.CharField(_("English name"), max_length=255, blank=True)
    short_name = models.CharField(_("short name"), max_length=255, blank=True)
    type = models.CharField(_("type"), max_length=32, choices=UnitType.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Primary keys from the root down, "/1/48/2031/": a subtree is one prefix match, which every
    # permission check relies on. Written only by services (see services.unit_set_parent).
    path = models.CharField(max_length=255, editable=False, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    source = models.CharField(
        _("source"), max_length=32, choices=UnitSource.choices, default=UnitSource.MANUAL
    )
    # Stable key of the registry row this unit was loaded from, so reloading updates instead of duplicating.
    registry_key = models.CharField(max_length=96, null=True, blank=True, unique=True, editable=False)
    address = models.CharField(_("address"), max_length=500, blank=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["depth", "code", "valid_from"]
        indexes = [
            models.Index(fields=["path"], name="unit_path_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["type", "valid_from", "valid_to"], name="unit_type_validity_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="unit_validity_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def is_valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or self.valid_to >= day
        )

    @property
    def level(self) -> str:
        if self.type in PROVINCIAL_TYPES:
            return "province"
        if self.type in DISTRICT_TYPES:
            return "district"
        if self.type in COMMUNE_TYPES:
            return "commune"
        if self.type in AGENCY_TYPES:
            return "agency"
        return self.type

    def is_in_subtree_of(self, other: "Unit") -> bool:
        return self.path.startswith(other.path)

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part][:-1]

    def display_name(self, language: str | None = None) -> str:
        if language == "en" and self.name_en:
            return self.name_en
        return self.name


class UnitLineage(TimeStampedModel):
    """One step in a unit's history: (part of) ``predecessor`` became (part of) ``successor``.

    ``share`` is the fraction of the predecessor that went to the successor: 1 for a merger or a
    rename, less than 1 when the predecessor was split. Re-aggregating an old series onto new units
    weights each predecessor by it.
    """

    predecessor = models.ForeignKey(
        Unit, verbose_name=_("predecessor"), on_delete=models.CASCADE, related_name="successor_links"
    )
    successor = models.ForeignKey(
        Unit, verbose_name=_("successor"), on_delete=models.CASCADE, related_name="predecessor_links"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=LineageKind.choices)
    effective_date = models.DateField(_("effective date"))
    share = models.DecimalField(_("share"), max_digits=7, decimal_places=6, default=1)
    share_basis = models.CharField(
        _("share basis"), max_length=16, choices=ShareBasis.choices, default=ShareBasis.WHOLE
    )
    legal_basis = models.CharField(_("legal basis"), max_length=255, blank=True)
    source = models.CharField(
        _("source"), max_length=32, choices=UnitSource.choices, default=UnitSource.MANUAL
    )

    class Meta:
        verbose_name = _("lineage link")
        verbose_name_plural = _("lineage links")
        ordering = ["effective_date", "successor_id", "predecessor_id"]
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="lineage_unique_pair"),
            models.CheckConstraint(condition=Q(share__gt=0) & Q(share__lte=1), name="lineage_share_range"),
            models.CheckConstraint(condition=~Q(predecessor=models.F("successor")), name="lineage_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor} ({self.get_kind_display()}, {self.share})"
