from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitType(models.TextChoices):
    NATION = "nation", _("Nation")
    # Provincial level
    PROVINCE = "province", _("Province")
    CENTRAL_CITY = "central_city", _("Centrally-run city")
    # District level: abolished on 1 July 2025, kept for history
    RURAL_DISTRICT = "rural_district", _("Rural district")
    URBAN_DISTRICT = "urban_district", _("Urban district")
    TOWN = "town", _("Town")
    PROVINCIAL_CITY = "provincial_city", _("Provincial city")
    # Commune level
    COMMUNE = "commune", _("Commune")
    WARD = "ward", _("Ward")
    TOWNSHIP = "township", _("Township")
    SPECIAL_ZONE = "special_zone", _("Special zone")
    VILLAGE = "village", _("Village or residential group")
    # Agencies and service points
    MINISTRY = "ministry", _("Ministry or ministry-level agency")
    SECTOR_AGENCY = "sector_agency", _("Sector agency")
    DEPARTMENT = "department", _("Provincial department")
    ONE_STOP_OFFICE = "one_stop_office", _("One-stop office")
    SERVICE_POINT = "service_point", _("Service point")


PROVINCIAL_TYPES = frozenset({UnitType.PROVINCE, UnitType.CENTRAL_CITY})
DISTRICT_TYPES = frozenset(
    {UnitType.RURAL_DISTRICT, UnitType.URBAN_DISTRICT, UnitType.TOWN, UnitType.PROVINCIAL_CITY}
)
COMMUNE_TYPES = frozenset({UnitType.COMMUNE, UnitType.WARD, UnitType.TOWNSHIP, UnitType.SPECIAL_ZONE})
TERRITORIAL_TYPES = (
    frozenset({UnitType.NATION, UnitType.VILLAGE}) | PROVINCIAL_TYPES | DISTRICT_TYPES | COMMUNE_TYPES
)
AGENCY_TYPES = frozenset(
    {
        UnitType.MINISTRY,
        UnitType.SECTOR_AGENCY,
        UnitType.DEPARTMENT,
        UnitType.ONE_STOP_OFFICE,
        UnitType.SERVICE_POINT,
    }
)

# What may sit under what. Agencies hang under the territory they serve (a department under its
# province, a one-stop office under a province or commune, a service point under any agency).
ALLOWED_PARENT_TYPES: dict[str, frozenset[str]] = {
    UnitType.NATION: frozenset(),
    UnitType.PROVINCE: frozenset({UnitType.NATION}),
    UnitType.CENTRAL_CITY: frozenset({UnitType.NATION}),
    UnitType.MINISTRY: frozenset({UnitType.NATION}),
    **dict.fromkeys(DISTRICT_TYPES, PROVINCIAL_TYPES),
    **dict.fromkeys(COMMUNE_TYPES, PROVINCIAL_TYPES | DISTRICT_TYPES),
    UnitType.VILLAGE: COMMUNE_TYPES,
    UnitType.DEPARTMENT: PROVINCIAL_TYPES,
    UnitType.SECTOR_AGENCY: PROVINCIAL_TYPES | frozenset({UnitType.MINISTRY, UnitType.SECTOR_AGENCY}),
    UnitType.ONE_STOP_OFFICE: PROVINCIAL_TYPES | DISTRICT_TYPES | COMMUNE_TYPES | AGENCY_TYPES,
    UnitType.SERVICE_POINT: PROVINCIAL_TYPES | DISTRICT_TYPES | COMMUNE_TYPES | AGENCY_TYPES,
}

# Vietnamese words officials write in a "type" column, accepted on import next to the codes above.
TYPE_ALIASES: dict[str, str] = {
    "quốc gia": UnitType.NATION,
    "tỉnh": UnitType.PROVINCE,
    "thành phố trung ương": UnitType.CENTRAL_CITY,
    "thành phố trực thuộc trung ương": UnitType.CENTRAL_CITY,
    "huyện": UnitType.RURAL_DISTRICT,
    "quận": UnitType.URBAN_DISTRICT,
    "thị xã": UnitType.TOWN,
    "thành phố thuộc tỉnh": UnitType.PROVINCIAL_CITY,
    "xã": UnitType.COMMUNE,
    "phường": UnitType.WARD,
    "thị trấn": UnitType.TOWNSHIP,
    "đặc khu": UnitType.SPECIAL_ZONE,
    "thôn": UnitType.VILLAGE,
    "tổ dân phố": UnitType.VILLAGE,
    "bộ": UnitType.MINISTRY,
    "cơ quan ngang bộ": UnitType.MINISTRY,
    "cơ quan ngành dọc": UnitType.SECTOR_AGENCY,
    "sở": UnitType.DEPARTMENT,
    "ban": UnitType.DEPARTMENT,
    "ngành": UnitType.DEPARTMENT,
    "sở, ban, ngành": UnitType.DEPARTMENT,
    "bộ phận một cửa": UnitType.ONE_STOP_OFFICE,
    "trung tâm phục vụ hành chính công": UnitType.ONE_STOP_OFFICE,
    "điểm phục vụ": UnitType.SERVICE_POINT,
    "điểm tiếp nhận": UnitType.SERVICE_POINT,
}


class LineageKind(models.TextChoices):
    MERGED = "merged", _("Merged into")
    SPLIT = "split", _("Split (part went to)")
    RENAMED = "renamed", _("Renamed or re-coded")
    CONTINUED = "continued", _("Continued unchanged")


class ShareBasis(models.TextChoices):
    WHOLE = "whole", _("Whole unit")
    EQUAL = "equal", _("Equal parts (no official split known)")
    POPULATION = "population", _("Population share")
    AREA = "area", _("Area share")
    MANUAL = "manual", _("Entered by hand")


class UnitSource(models.TextChoices):
    REGISTRY_2025 = "registry_2025", _("Official registry from 1 July 2025")
    REGISTRY_LEGACY = "registry_legacy", _("Official registry before 1 July 2025")
    GOVERNMENT = "government", _("Government structure")
    IMPORT = "import", _("Imported file")
    MANUAL = "manual", _("Entered by staff")
