"""Read the official unit registry from the installed data packages.

- ``vietnam-provinces``: the 34 provinces and 3,321 communes in force from 1 July 2025, with their
  official codes. This is the authority for current codes and names.
- ``vietnamadminunits``: the 63 provinces, 696 districts and 10,035 communes in force until
  30 June 2025, and the mapping of every old commune (and old province) to the new ones.

The two packages identify communes differently (codes in one, accent-free keys in the other, and a
few codes differ), so new communes are matched by province and name, then by key. Everything here is
pure reading; ``services.registry_load`` writes.
"""

import json
import sqlite3
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from hailong.units.choices import LineageKind, ShareBasis, UnitSource, UnitType

REFORM_DATE = date(2025, 7, 1)
LAST_LEGACY_DAY = date(2025, 6, 30)
PROVINCE_LEGAL_BASIS = "Nghị quyết 202/2025/QH15"
COMMUNE_LEGAL_BASIS = "Nghị quyết của UBTVQH về sắp xếp đơn vị hành chính cấp xã năm 2025"
NATION_KEY = "nation:VN"


@dataclass(frozen=True)
class RegistryUnit:
    key: str
    code: str
    name: str
    type: str
    parent_key: str | None
    valid_from: date | None
    valid_to: date | None
    source: str
    short_name: str = ""
    name_en: str = ""


@dataclass(frozen=True)
class RegistryLink:
    predecessor_key: str
    successor_key: str
    kind: str
    share: Decimal
    share_basis: str
    legal_basis: str


@dataclass
class Registry:
    units: list[RegistryUnit] = field(default_factory=list)
    links: list[RegistryLink] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)

    def restricted_to(self, province_codes: set[str]) -> "Registry":
        """Only the given 2025 provinces, the provinces they came from, and everything below them.

        The nation and the ministries are always kept. A province that installs the platform for
        itself needs no other province's 3,000 communes.
        """
        wanted = {u.key for u in self.units if u.parent_key == NATION_KEY and u.code in province_codes}
        wanted = {k for k in wanted if not k.startswith("legacy:")}
        predecessors = {link.predecessor_key for link in self.links if link.successor_key in wanted}
        keep = {NATION_KEY} | wanted | predecessors
        keep |= {u.key for u in self.units if u.parent_key == NATION_KEY and u.type not in _PROVINCIAL}
        kept_units = []
        for unit in self.units:  # parents come first, so one pass sees each parent's verdict
            if unit.key in keep or (unit.parent_key in keep and unit.parent_key != NATION_KEY):
                keep.add(unit.key)
                kept_units.append(unit)
        kept_links = [l for l in self.links if l.predecessor_key in keep and l.successor_key in keep]  # noqa: E741
        return Registry(units=kept_units, links=kept_links, versions=dict(self.versions))


_TONE_STYLE = {
    # Old-style and new-style tone placement both occur ("Hoà"/"Hòa", "Thuỷ"/"Thủy").
    "oà": "òa", "oá": "óa", "oả": "ỏa", "oã": "õa", "oạ": "ọa",
    "oè": "òe", "oé": "óe", "oẻ": "ỏe", "oẽ": "õe", "oẹ": "ọe",
    "uỳ": "ùy", "uý": "úy", "uỷ": "ủy", "uỹ": "ũy", "uỵ": "ụy",
}  # fmt: skip


def clean_name(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).split())


def name_key(name: str) -> str:
    """Compare names regardless of tone-mark style, dash style and spacing."""
    text = clean_name(name).lower().replace("–", "-").replace("—", "-")
    for old, new in _TONE_STYLE.items():
        text = text.replace(old, new)
    return text


def ascii_key(text: str) -> str:
    """``xãcẩmgiàng`` or ``xa_cam_giang`` → ``xacamgiang``."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c))


_PROVINCE_PREFIXES = ("Thành phố ", "Tỉnh ")
_PROVINCIAL = {UnitType.PROVINCE, UnitType.CENTRAL_CITY}
_LEGACY_DISTRICT_TYPES = {
    "Quận": UnitType.URBAN_DISTRICT,
    "Huyện": UnitType.RURAL_DISTRICT,
    "Thị xã": UnitType.TOWN,
    "Thành phố": UnitType.PROVINCIAL_CITY,
}
_COMMUNE_TYPES = {
    "Phường": UnitType.WARD,
    "Xã": UnitType.COMMUNE,
    "Thị trấn": UnitType.TOWNSHIP,
    "Đặc khu": UnitType.SPECIAL_ZONE,
}


def _short(name: str) -> str:
    for prefix in _PROVINCE_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def _legacy_dataset() -> tuple[sqlite3.Connection, dict]:
    import vietnamadminunits

    base = Path(vietnamadminunits.__file__).parent / "data"
    connection = sqlite3.connect(f"file:{base / 'dataset.db'}?mode=ro", uri=True)
    converter = json.loads((base / "converter_2025.json").read_text(encoding="utf-8"))
    return connection, converter


def _package_version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


def read_registry() -> Registry:
    import vietnam_provinces
    from vietnam_provinces import Province, VietNamDivisionType, Ward

    registry = Registry(
        versions={
            "vietnam-provinces": f"{_package_version('vietnam-provinces')} (data {vietnam_provinces.__data_version__})",
            "vietnamadminunits": _package_version("vietnamadminunits"),
        }
    )
    units = registry.units
    units.append(
        RegistryUnit(
            key=NATION_KEY,
            code="VN",
            name="Việt Nam",
            name_en="Viet Nam",
            type=UnitType.NATION,
            parent_key=None,
            valid_from=None,
            valid_to=None,
            source=UnitSource.REGISTRY_2025,
        )
    )

    units.extend(_government_units())

    connection, converter = _legacy_dataset()
    province_map: dict[str, list[str]] = converter["DICT_PROVINCE"]
    # A province whose only predecessor is itself was not merged: one unit spans both periods.
    unchanged = {new for new, olds in province_map.items() if olds == [new]}

    # --- provinces -------------------------------------------------------------------------------
    legacy_province_code: dict[str, str] = {}
    province_unit_key: dict[tuple[str, str], str] = {}  # (era, code) -> registry key
    for code, name, pkey in connection.execute(
        "SELECT DISTINCT provinceCode, province, provinceKey FROM admin_units_legacy ORDER BY provinceCode"
    ):
        legacy_province_code[pkey] = code
        if pkey in unchanged:
            continue
        key = f"legacy:province:{code}"
        province_unit_key[("legacy", code)] = key
        units.append(
            RegistryUnit(
                key=key,
                code=code,
                name=clean_name(name),
                short_name=_short(clean_name(name)),
                type=UnitType.CENTRAL_CITY if name.startswith("Thành phố") else UnitType.PROVINCE,
                parent_key=NATION_KEY,
                valid_from=None,
                valid_to=LAST_LEGACY_DAY,
                source=UnitSource.REGISTRY_LEGACY,
            )
        )

    new_province_key_by_code: dict[str, str] = {}
    for row in connection.execute("SELECT DISTINCT provinceCode, provinceKey FROM admin_units"):
        new_province_key_by_code[row[0]] = row[1]
    new_province_code: dict[str, str] = {v: k for k, v in new_province_key_by_code.items()}

    for province in Province.iter_all():
        code = f"{int(province.code):02d}"
        central = province.division_type == VietNamDivisionType.THANH_PHO_TRUNG_UONG
        name = clean_name(province.name)
        if not name.startswith(_PROVINCE_PREFIXES):
            name = ("Thành phố " if central else "Tỉnh ") + name
        pkey = new_province_key_by_code.get(code)
        continuous = pkey in unchanged
        key = f"province:{code}" if continuous else f"2025:province:{code}"
        province_unit_key[("2025", code)] = key
        if continuous:
            province_unit_key[("legacy", code)] = key
        units.append(
            RegistryUnit(
                key=key,
                code=code,
                name=name,
                short_name=_short(name),
                type=UnitType.CENTRAL_CITY if central else UnitType.PROVINCE,
                parent_key=NATION_KEY,
                valid_from=None if continuous else REFORM_DATE,
                valid_to=None,
                source=UnitSource.REGISTRY_2025,
            )
        )

    for new_pkey, old_pkeys in province_map.items():
        if new_pkey in unchanged:
            continue
        successor = province_unit_key[("2025", new_province_code[new_pkey])]
        for old_pkey in old_pkeys:
            registry.links.append(
                RegistryLink(
                    predecessor_key=province_unit_key[("legacy", legacy_province_code[old_pkey])],
                    successor_key=successor,
                    kind=LineageKind.MERGED,
                    share=Decimal(1),
                    share_basis=ShareBasis.WHOLE,
                    legal_basis=PROVINCE_LEGAL_BASIS,
                )
            )

    # --- legacy districts and communes ---------------------------------------------------------
    old_commune_key: dict[str, str] = {}  # "province_district_ward" key -> registry key
    seen_districts: set[str] = set()
    for (
        pcode,
        dcode,
        dname,
        dtype,
        wcode,
        wname,
        wtype,
        pkey,
        dkey,
        wkey,
    ) in connection.execute(
        "SELECT provinceCode, districtCode, district, districtType, wardCode, ward, wardType,"
        " provinceKey, districtKey, wardKey FROM admin_units_legacy ORDER BY districtCode, wardCode"
    ):
        district_key = f"legacy:district:{dcode}"
        if dcode not in seen_districts:
            seen_districts.add(dcode)
            units.append(
                RegistryUnit(
                    key=district_key,
                    code=dcode,
                    name=clean_name(dname),
                    type=_LEGACY_DISTRICT_TYPES[dtype],
                    parent_key=province_unit_key[("legacy", pcode)],
                    valid_from=None,
                    valid_to=LAST_LEGACY_DAY,
                    source=UnitSource.REGISTRY_LEGACY,
                )
            )
        if not wcode:
            # Island districts had no communes; the district itself became a special zone.
            old_commune_key[f"{pkey}_{dkey}_"] = district_key
            continue
        key = f"legacy:commune:{wcode}"
        old_commune_key[f"{pkey}_{dkey}_{wkey}"] = key
        units.append(
            RegistryUnit(
                key=key,
                code=wcode,
                name=clean_name(wname),
                type=_COMMUNE_TYPES[wtype],
                parent_key=district_key,
                valid_from=None,
                valid_to=LAST_LEGACY_DAY,
                source=UnitSource.REGISTRY_LEGACY,
            )
        )

    # --- communes from 1 July 2025 -------------------------------------------------------------
    by_name: dict[tuple[str, str], str] = {}
    by_ascii: dict[tuple[str, str], str] = {}
    new_commune_names: dict[str, str] = {}
    for ward in Ward.iter_all():
        code = f"{int(ward.code):05d}"
        pcode = f"{int(ward.province_code):02d}"
        name = clean_name(ward.name)
        key = f"2025:commune:{code}"
        by_name[(pcode, name_key(name))] = key
        by_ascii[(pcode, ascii_key(ward.codename))] = key
        new_commune_names[key] = name
        units.append(
            RegistryUnit(
                key=key,
                code=code,
                name=name,
                type=_COMMUNE_TYPES[ward.division_type.value.capitalize()],
                parent_key=province_unit_key[("2025", pcode)],
                valid_from=REFORM_DATE,
                valid_to=None,
                source=UnitSource.REGISTRY_2025,
            )
        )

    new_commune_key: dict[tuple[str, str], str] = {}  # (new province key, ascii ward key) -> registry key
    for pcode, wname, pkey, wkey in connection.execute(
        "SELECT provinceCode, ward, provinceKey, wardKey FROM admin_units"
    ):
        key = by_name.get((pcode, name_key(wname))) or by_ascii.get((pcode, ascii_key(wkey)))
        if key is None:
            raise LookupError(
                f"Commune {wname} ({pkey}) of vietnamadminunits has no match in vietnam-provinces"
            )
        new_commune_key[(pkey, ascii_key(wkey))] = key

    registry.links.extend(_commune_links(converter, old_commune_key, new_commune_key, units))
    connection.close()
    return registry


def _government_units() -> Iterator[RegistryUnit]:
    """Ministries and ministry-level agencies (our compiled list; see data/README.md)."""
    import csv

    path = Path(__file__).parent / "data" / "government_2025.csv"
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            yield RegistryUnit(
                key=f"gov:{row['type']}:{row['code']}",
                code=row["code"],
                name=row["name"],
                name_en=row["name_en"],
                type=row["type"],
                parent_key=NATION_KEY,
                valid_from=date.fromisoformat(row["valid_from"]) if row["valid_from"] else None,
                valid_to=date.fromisoformat(row["valid_to"]) if row["valid_to"] else None,
                source=UnitSource.GOVERNMENT,
            )


def _commune_links(
    converter: dict,
    old_commune_key: dict[str, str],
    new_commune_key: dict[tuple[str, str], str],
    units: list[RegistryUnit],
) -> Iterator[RegistryLink]:
    whole: list[tuple[str, str]] = []  # (old, new): the whole old commune went into the new one
    split: dict[str, list[str]] = defaultdict(list)  # old -> new communes that each got a part
    for pkey, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for wkey, olds in wards.items():
            new = new_commune_key[(pkey, ascii_key(wkey))]
            whole.extend((old_commune_key[old], new) for old in olds)
    for pkey, olds in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old, parts in olds.items():
            split[old_commune_key[old]].extend(
                new_commune_key[(pkey, ascii_key(p["newWardKey"]))] for p in parts
            )

    predecessor_count: dict[str, int] = defaultdict(int)
    for _old, new in whole:
        predecessor_count[new] += 1
    for news in split.values():
        for new in news:
            predecessor_count[new] += 1
    names = {u.key: u.name for u in units}

    for old, new in whole:
        if predecessor_count[new] > 1:
            kind = LineageKind.MERGED
        elif names[old] == names[new]:
            kind = LineageKind.CONTINUED
        else:
            kind = LineageKind.RENAMED
        yield RegistryLink(old, new, kind, Decimal(1), ShareBasis.WHOLE, COMMUNE_LEGAL_BASIS)
    for old, news in split.items():
        # The registry says which communes got a part, not how much of it: equal parts until a
        # province enters population shares.
        share = (Decimal(1) / len(news)).quantize(Decimal("0.000001"))
        for new in news:
            yield RegistryLink(old, new, LineageKind.SPLIT, share, ShareBasis.EQUAL, COMMUNE_LEGAL_BASIS)
