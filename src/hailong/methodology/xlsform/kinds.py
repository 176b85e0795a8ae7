"""Which :class:`QuestionKind` an XLSForm type means, and which types the platform refuses."""

import re
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext_lazy as _
from pyxform import aliases
from pyxform.question_type_dictionary import QUESTION_TYPE_DICT

from hailong.methodology.choices import QuestionKind

K = QuestionKind
METADATA_TYPES = (
    "start",
    "end",
    "today",
    "deviceid",
    "subscriberid",
    "simserial",
    "phonenumber",
    "username",
    "email",
    "audit",
    "start-geopoint",
    "background-geopoint",
)
# XLSForm type (after pyxform's own aliases, e.g. "imei" → "deviceid") → kind. Types not listed here
# but known to pyxform (legacy spellings such as "q int" or "add date prompt") are mapped from what
# pyxform would generate for them (``_kind_from_pyxform``).
KIND_BY_TYPE: dict[str, QuestionKind] = {
    "text": K.TEXT,
    "string": K.TEXT,
    "integer": K.INTEGER,
    "int": K.INTEGER,
    "decimal": K.DECIMAL,
    "range": K.DECIMAL,
    "date": K.DATE,
    "time": K.TIME,
    "datetime": K.DATETIME,
    "dateTime": K.DATETIME,
    "note": K.NOTE,
    "calculate": K.CALCULATE,
    "hidden": K.CALCULATE,
    "acknowledge": K.ACKNOWLEDGE,
    "trigger": K.ACKNOWLEDGE,
    "geopoint": K.GEOPOINT,
    "gps": K.GEOPOINT,
    "geotrace": K.GEOPOINT,
    "geoshape": K.GEOPOINT,
    "image": K.MEDIA,
    "photo": K.MEDIA,
    "audio": K.MEDIA,
    "video": K.MEDIA,
    "file": K.MEDIA,
    "background-audio": K.MEDIA,
    "barcode": K.BARCODE,
    **dict.fromkeys(METADATA_TYPES, K.METADATA),
    **{
        f"uri:{name}": K.METADATA
        for name in ("deviceid", "subscriberid", "simserial", "phonenumber", "username", "email")
    },
}
# Valid XLSForm the platform cannot hold, with the reason given to the person importing.
EXTERNAL_CHOICES_REASON = _("its choices live in an external file, which the platform cannot store.")
UNSUPPORTED_TYPES: dict[str, object] = {
    "osm": _("OpenStreetMap questions are not supported."),
    "xml-external": _("external data files are not supported."),
    "csv-external": _("external data files are not supported."),
    "select one external": EXTERNAL_CHOICES_REASON,
}
# A hailong_kind may refine the kind the type implies, within one family only.
KIND_FAMILIES = (frozenset({K.SINGLE, K.YES_NO, K.SATISFACTION}), frozenset({K.TEXT, K.LONG_TEXT}))

RE_BEGIN = re.compile(
    r"^(?P<begin>begin)(\s|_)(?P<control>(" + "|".join(aliases.control) + r"))( (over )?(?P<list>\S+))?$"
)
RE_END = re.compile(r"^end(\s|_)(?P<control>(" + "|".join(aliases.control) + r"))$")
RE_SELECT = re.compile(
    r"^(?P<command>(" + "|".join(map(re.escape, aliases.select)) + r")) (?P<list>\S+)"
    r"( (?P<other>(or specify other|or_other|or other)))?$"
)
RE_OSM = re.compile(r"^osm( \S+)?$")
RE_INCLUDE = re.compile(r"^include( \S+)?$")


def _kind_from_pyxform(entry: dict) -> QuestionKind | None:
    """The kind of a legacy type spelling, from the XForm control pyxform makes for it."""
    tag = entry.get("control", {}).get("tag")
    bind = entry.get("bind", {})
    by_tag = {"select1": K.SINGLE, "select": K.MULTIPLE, "odk:rank": K.RANKING, "trigger": K.ACKNOWLEDGE}
    if tag in by_tag:
        return by_tag[tag]
    if tag is None or tag == "action":
        return K.METADATA if bind.get("jr:preload") or tag == "action" else K.CALCULATE
    if bind.get("readonly") == "true()":
        return K.NOTE
    by_bind = {
        "geopoint": K.GEOPOINT,
        "geotrace": K.GEOPOINT,
        "geoshape": K.GEOPOINT,
        "barcode": K.BARCODE,
        "binary": K.MEDIA,
        "int": K.INTEGER,
        "decimal": K.DECIMAL,
        "date": K.DATE,
        "time": K.TIME,
        "dateTime": K.DATETIME,
        "string": K.TEXT,
    }
    return by_bind.get(bind.get("type"))


@dataclass(frozen=True)
class _Type:
    kind: QuestionKind | None = None
    choice_list: str | None = None
    unsupported: object = None  # reason the type is refused
    specify_other: bool = False


def _parse_type(type_text: str, appearance: str, choice_lists: dict[str, list[dict]]) -> _Type:
    """What a survey row's type means for the platform (begin/end rows are handled before)."""
    text = " ".join(type_text.split())
    if text in UNSUPPORTED_TYPES:
        return _Type(unsupported=UNSUPPORTED_TYPES[text])
    select = RE_SELECT.match(text)
    if select:
        command, list_name = select["command"], select["list"]
        if command in aliases.select_from_file or command == "select_one_external":
            return _Type(unsupported=EXTERNAL_CHOICES_REASON)
        if Path(list_name).suffix.lower() in (".csv", ".xml", ".geojson"):
            return _Type(unsupported=EXTERNAL_CHOICES_REASON)
        if "${" in list_name:
            return _Type(
                unsupported=_("its choices are the answers to a repeat, which the platform cannot show.")
            )
        pyxform_kind = aliases.select[command]
        if pyxform_kind == "rank":
            kind = K.RANKING
        elif pyxform_kind == "select all that apply":
            kind = K.MULTIPLE
        else:
            values = {c["value"] for c in choice_lists.get(list_name, [])}
            kind = K.YES_NO if values == {"yes", "no"} else K.SINGLE
        return _Type(kind=kind, choice_list=list_name, specify_other=bool(select["other"]))
    if RE_OSM.match(text):
        return _Type(unsupported=UNSUPPORTED_TYPES["osm"])
    if RE_INCLUDE.match(text):
        return _Type(
            unsupported=_(
                "it pulls in another XLSForm file, which the platform cannot do; copy that form's rows in instead."
            )
        )
    base = aliases._type_alias_map.get(text, text)
    kind = KIND_BY_TYPE.get(base)
    if kind is None and base in QUESTION_TYPE_DICT:
        kind = _kind_from_pyxform(QUESTION_TYPE_DICT[base])
    if kind is None:
        return _Type()  # unknown
    if kind == K.TEXT and "multiline" in appearance.split():
        kind = K.LONG_TEXT
    return _Type(kind=kind)


def inferred_kind(question: dict, choice_lists: dict[str, list[dict]]) -> QuestionKind | None:
    """The kind a question's XLSForm type implies (what ``hailong_kind`` may override)."""
    return _parse_type(
        question.get("xlsform_type") or "", question.get("appearance") or "", choice_lists
    ).kind


def _kind_fits(kind: str, inferred: QuestionKind) -> bool:
    return kind == inferred or any(kind in family and inferred in family for family in KIND_FAMILIES)
