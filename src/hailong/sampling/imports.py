"""Read a sample frame — a list of completed dossiers — from CSV or XLSX, row by row, and check it.

Nothing here holds the whole file: ``open_frame_file`` gives the header and an iterator of rows, and
``RowChecker.check`` turns one chunk of rows into clean tuples and per-row problems, each naming the
row (as Excel numbers it: the header is row 1) and the column (``C (Mã hồ sơ)``). The service
(``services.frame_import``) writes the clean rows in batches and the problems to the report.

Columns are recognised by their Vietnamese or English names, with or without diacritics
(``COLUMNS``). Dates may be dd/mm/yyyy, ISO (yyyy-mm-dd), Excel serial numbers or real date cells.
CSV text may be UTF-8 (with or without BOM), UTF-16 or Windows-1258; the legacy Vietnamese
encodings TCVN3 (ABC) and VNI are recognised and refused with the way out (convert to Unicode).
Formulas are never evaluated: a cell holding one is an error.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from hailong.core.messages import bilingual, lazy_format
from hailong.core.tabular import column_letter
from hailong.sampling.choices import ENCODING_LABELS, ApplicantType

SAMPLE_BYTES = 256 * 1024
EXCEL_EPOCH = date(1899, 12, 30)
# Serial numbers of 01/01/1900 … 31/12/2199: anything else in a date column is not a date.
EXCEL_SERIAL_RANGE = (1, 109939)
CSV_FIELD_LIMIT = 1024 * 1024


# -----------------------------------------------------------------------------------------------
# Columns
# -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    name: str
    label: object
    aliases: tuple[str, ...]
    required: bool = False
    max_length: int | None = None


COLUMNS: tuple[Column, ...] = (
    Column(
        "dossier_code",
        _("Dossier code"),
        ("ma_ho_so", "so_ho_so", "ma_hs", "ho_so", "dossier_code", "dossier", "code", "ma"),
        required=True,
        max_length=100,
    ),
    Column(
        "procedure",
        _("Procedure"),
        ("thu_tuc", "ten_thu_tuc", "thu_tuc_hanh_chinh", "ten_thu_tuc_hanh_chinh", "tthc", "procedure"),
        max_length=500,
    ),
    Column(
        "procedure_field",
        _("Procedure field"),
        ("linh_vuc", "ten_linh_vuc", "linh_vuc_thu_tuc", "procedure_field", "field"),
        max_length=100,
    ),
    Column(
        "unit",
        _("Handling unit"),
        (
            "don_vi_giai_quyet",
            "ma_don_vi_giai_quyet",
            "co_quan_giai_quyet",
            "don_vi",
            "ma_don_vi",
            "co_quan",
            "unit",
            "unit_code",
            "handling_unit",
        ),
        required=True,
    ),
    Column(
        "received",
        _("Received on"),
        ("ngay_tiep_nhan", "ngay_nhan", "ngay_nop", "received", "received_on", "date_received"),
    ),
    Column(
        "returned",
        _("Result returned on"),
        (
            "ngay_tra_ket_qua",
            "ngay_tra_kq",
            "ngay_tra",
            "ngay_hoan_thanh",
            "returned",
            "returned_on",
            "date_returned",
        ),
        required=True,
    ),
    Column(
        "applicant_type",
        _("Applicant type"),
        ("doi_tuong", "loai_doi_tuong", "doi_tuong_nop", "loai_chu_ho_so", "applicant_type", "applicant"),
        required=True,
    ),
    Column(
        "name",
        _("Full name"),
        ("ho_ten", "ho_va_ten", "ten_nguoi_nop", "nguoi_nop", "chu_ho_so", "ten", "name", "full_name"),
        max_length=200,
    ),
    Column(
        "phone",
        _("Phone number"),
        ("so_dien_thoai", "dien_thoai", "sdt", "so_dt", "phone", "phone_number", "mobile"),
        max_length=32,
    ),
    Column("email", _("E-mail"), ("email", "e_mail", "thu_dien_tu", "dia_chi_email"), max_length=254),
    Column("address", _("Address"), ("dia_chi", "dia_chi_lien_he", "address"), max_length=500),
)
COLUMN_INDEX = {column.name: position for position, column in enumerate(COLUMNS)}
DATE_COLUMNS = ("received", "returned")
CONTACT_COLUMNS = ("name", "phone", "email", "address")

APPLICANT_TYPES: dict[str, str] = {
    **dict.fromkeys(
        (
            "citizen",
            "cá nhân",
            "ca nhan",
            "công dân",
            "cong dan",
            "người dân",
            "nguoi dan",
            "cn",
            "individual",
        ),
        ApplicantType.CITIZEN,
    ),
    **dict.fromkeys(
        (
            "organisation",
            "organization",
            "tổ chức",
            "to chuc",
            "doanh nghiệp",
            "doanh nghiep",
            "tc",
            "dn",
            "business",
            "company",
        ),
        ApplicantType.ORGANISATION,
    ),
}

EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
PHONE_RE = re.compile(r"\+?[0-9][0-9 .\-()]{5,30}")


# Joins lazy texts only when shown, so each reader gets the column names in their language.
_joined = lazy(lambda *parts: ", ".join(str(part) for part in parts), str)


def header_key(text: Any) -> str:
    """A header cell as a comparable key: no diacritics, lower case, words joined by ``_``.

    ``"Ngày trả kết quả"`` → ``ngay_tra_ket_qua``; ``"Dossier code"`` → ``dossier_code``.
    """
    value = str(text or "").replace("\ufeff", "").strip().lower().replace("đ", "d")
    value = unicodedata.normalize("NFD", value)
    value = "".join(c for c in value if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "_", value).strip("_")


ALIASES: dict[str, str] = {alias: column.name for column in COLUMNS for alias in column.aliases}


def expected_columns() -> str:
    return ", ".join(
        f"{column.aliases[0]}/{column.name}{'*' if column.required else ''}" for column in COLUMNS
    )


# -----------------------------------------------------------------------------------------------
# Problems
# -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FrameProblem:
    """One problem of the file: ``row`` (``None``: the whole file), ``column`` (a label or ``None``)."""

    row: int | None
    column: str | None
    message: object

    def texts(self) -> dict[str, str]:
        with override("vi"):
            vi = str(self.message)
        with override("en"):
            en = str(self.message)
        return {"vi": vi, "en": en}

    def preview(self) -> dict:
        return {"row": self.row, "column": self.column or "", "message": self.texts()}

    def report_row(self) -> list[str]:
        return ["" if self.row is None else str(self.row), self.column or "", bilingual(self.message)]


class FrameFileError(Exception):
    """The file as a whole cannot be read: nothing is imported."""

    def __init__(self, message: object, *, row: int | None = None, column: str | None = None) -> None:
        super().__init__(bilingual(message))
        self.problem = FrameProblem(row, column, message)


# -----------------------------------------------------------------------------------------------
# Encodings
# -----------------------------------------------------------------------------------------------
def _vietnamese_letters() -> frozenset[str]:
    letters = set("đĐ")
    for base in "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY":
        for mark in ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"):
            letters.add(unicodedata.normalize("NFC", base + mark))
    return frozenset(c for c in letters if not c.isascii())


VIETNAMESE_LETTERS = _vietnamese_letters()
# TCVN3 (ABC) puts most Vietnamese letters at 0xA1–0xBF, where Windows-1258 has only symbols.
TCVN3_BYTES = frozenset(range(0xA1, 0xC0))
# VNI writes a vowel then a mark byte; these marks decode in Windows-1258 to letters that are not
# Vietnamese (ø û ï ä å ë ü ö ñ …) — Vietnamese text in Windows-1258 hardly ever has them.
VNI_BYTES = frozenset(
    {
        0xF8,
        0xFB,
        0xEF,
        0xE4,
        0xE5,
        0xEB,
        0xFC,
        0xF6,
        0xF1,
        0xD1,
        0xD8,
        0xDB,
        0xCF,
        0xC4,
        0xC5,
        0xCB,
        0xDC,
        0xD6,
    }
)

CONVERT_HINT = _(
    "Convert it to Unicode first, e.g. with Unikey's converter (Unikey → Công cụ → Chuyển mã, "
    "output Unicode), then save it as “CSV UTF-8”."
)


def _legacy_refusal(name: str) -> FrameFileError:
    return FrameFileError(
        lazy_format(
            _("The file is in the {encoding} encoding, which is no longer used and cannot be read. {hint}"),
            encoding=name,
            hint=CONVERT_HINT,
        )
    )


def _unknown_encoding() -> FrameFileError:
    return FrameFileError(
        _(
            "The text encoding of the file is not recognised: it is not UTF-8, UTF-16 or Windows-1258. "
            "Save it again as “CSV UTF-8”."
        )
    )


def detect_encoding(sample: bytes) -> str:
    """The encoding of a CSV file from its first bytes: ``utf-8-sig``, ``utf-16``, ``utf-8`` or
    ``cp1258`` — or ``FrameFileError`` for TCVN3, VNI and anything unrecognised."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in sample:
        # UTF-16 without its byte-order mark: the zero bytes of ASCII characters say which half.
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        guess = "utf-16-le" if odd > even else "utf-16-be"
        try:
            codecs.getincrementaldecoder(guess)().decode(sample, final=False)
        except UnicodeDecodeError:
            raise _unknown_encoding() from None
        if max(even, odd) < len(sample) // 4:
            raise _unknown_encoding()
        return guess
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    high = [b for b in sample if b >= 0x80]
    runs = [len(m) for m in re.findall(rb"[\x80-\xff]+", sample)]
    if runs and sum(runs) / len(runs) > 2.5:
        # Several high bytes in a row, again and again: an Asian multi-byte encoding, not Vietnamese.
        raise _unknown_encoding()
    tcvn3 = sum(b in TCVN3_BYTES for b in high) / len(high)
    vni = sum(b in VNI_BYTES for b in high) / len(high)
    if tcvn3 >= 0.25 and tcvn3 >= vni:
        raise _legacy_refusal("TCVN3 (ABC)")
    if vni >= 0.2:
        raise _legacy_refusal("VNI")
    try:
        text = unicodedata.normalize("NFC", sample.decode("cp1258"))
    except UnicodeDecodeError:
        raise _unknown_encoding() from None
    others = [c for c in text if not c.isascii() and c not in "“”‘’–—…€₫°•\u00a0"]
    if others and sum(c in VIETNAMESE_LETTERS for c in others) / len(others) < 0.7:
        raise _unknown_encoding()
    return "cp1258"


ENCODING_NAMES = ENCODING_LABELS


# -----------------------------------------------------------------------------------------------
# Opening a file
# -----------------------------------------------------------------------------------------------
@dataclass
class FrameFile:
    """An opened frame file: its header, where each known column is, and its rows (lazily)."""

    kind: str  # csv | xlsx
    encoding: str
    header: list[str]
    # Known column name → position in the row.
    positions: dict[str, int]
    rows: Iterator[tuple[int, list[Any]]]
    # 0…1: how far through the file the rows read so far are.
    progress: Callable[[], float]
    close: Callable[[], None] = lambda: None

    def label(self, name: str) -> str:
        """``C (Mã hồ sơ)``: the column's letter and its header as written in the file."""
        position = self.positions.get(name)
        if position is None:
            return name
        return f"{column_letter(position)} ({self.header[position]})"


def _map_header(cells: list[Any]) -> tuple[list[str], dict[str, int]]:
    header = [unicodedata.normalize("NFC", str(c or "").replace("\ufeff", "").strip()) for c in cells]
    while header and not header[-1]:
        header.pop()
    if not any(header):
        raise FrameFileError(
            _("The first row must be the header (the column names), but it is empty."), row=1
        )
    positions: dict[str, int] = {}
    for position, text in enumerate(header):
        name = ALIASES.get(header_key(text))
        if name is None:
            continue
        if name in positions:
            first = positions[name]
            raise FrameFileError(
                lazy_format(
                    _("Two columns mean the same thing: {first} and {second}. Keep one of them."),
                    first=f"{column_letter(first)} ({header[first]})",
                    second=f"{column_letter(position)} ({text})",
                ),
                row=1,
            )
        positions[name] = position
    missing = [column for column in COLUMNS if column.required and column.name not in positions]
    if missing:
        raise FrameFileError(
            lazy_format(
                _("Missing column(s): {columns}. Expected: {expected}."),
                columns=_joined(*(format_lazy("{} ({}/{})", c.label, c.aliases[0], c.name) for c in missing)),
                expected=expected_columns(),
            ),
            row=1,
        )
    return header, positions


def open_frame_file(path: Path, filename: str) -> FrameFile:
    """Open a frame file (CSV or XLSX) for reading row by row; ``FrameFileError`` if it cannot be."""
    size = path.stat().st_size
    if size == 0:
        raise FrameFileError(_("The file is empty (0 bytes). Choose the exported file again."))
    with path.open("rb") as probe:
        sample = probe.read(SAMPLE_BYTES)
    suffix = Path(filename).suffix.lower()
    if sample.startswith(b"\xd0\xcf\x11\xe0") or suffix in (".xls", ".ods"):
        raise FrameFileError(
            _("Only CSV and XLSX files are read; save the file as Excel Workbook (.xlsx) or “CSV UTF-8”.")
        )
    if sample.startswith(b"PK\x03\x04") or suffix in (".xlsx", ".xlsm"):
        return _open_xlsx(path, filename)
    if not sample.strip(b" \t\r\n\xef\xbb\xbf\xff\xfe\x00"):
        raise FrameFileError(_("The file has nothing in it but blank space."))
    return _open_csv(path, size, detect_encoding(sample))


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _open_csv(path: Path, size: int, encoding: str) -> FrameFile:
    raw: BinaryIO = path.open("rb")
    text = io.TextIOWrapper(raw, encoding=encoding, newline="", errors="strict")
    try:
        first = text.readline()
    except UnicodeDecodeError:
        raw.close()
        raise FrameFileError(_("The header row is not valid text in this encoding."), row=1) from None
    if not first.strip():
        raw.close()
        raise FrameFileError(
            _("The first row must be the header (the column names), but it is empty."), row=1
        )
    delimiter = _delimiter(first)
    csv.field_size_limit(CSV_FIELD_LIMIT)
    try:
        header_cells = next(csv.reader([first], delimiter=delimiter))
        header, positions = _map_header(header_cells)
    except BaseException:
        raw.close()
        raise
    reader = csv.reader(text, delimiter=delimiter)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        number = 1
        try:
            for number, cells in enumerate(reader, start=2):  # noqa: B007 - kept for the error
                yield number, cells
        except UnicodeDecodeError:
            raise FrameFileError(
                lazy_format(
                    _(
                        "From row {row} on, the text is not valid {encoding}. Save the whole file again as “CSV UTF-8”."
                    ),
                    row=number + 1,
                    encoding=ENCODING_NAMES.get(encoding, encoding),
                ),
                row=number + 1,
            ) from None
        except csv.Error as exc:
            raise FrameFileError(
                lazy_format(_("Row {row} cannot be read as CSV: {error}"), row=number + 1, error=exc),
                row=number + 1,
            ) from None
        finally:
            raw.close()

    return FrameFile(
        kind="csv",
        encoding=encoding,
        header=header,
        positions=positions,
        rows=rows(),
        progress=lambda: min(1.0, raw.tell() / size) if not raw.closed else 1.0,
        close=raw.close,
    )


def _open_xlsx(path: Path, filename: str) -> FrameFile:
    import zipfile

    from openpyxl import load_workbook

    try:
        # read_only streams the sheet; data_only=False keeps formulas as formulas (never evaluated),
        # so a formula cell is seen and refused instead of its cached value being taken silently.
        workbook = load_workbook(path, read_only=True, data_only=False)
        sheet = workbook.worksheets[0]
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, IndexError, TypeError) as exc:
        raise FrameFileError(
            lazy_format(
                _("File {filename} is not a readable spreadsheet: {error}"), filename=filename, error=exc
            )
        ) from exc
    total = sheet.max_row or 0
    iterator = sheet.iter_rows(values_only=True)
    try:
        header_cells = next(iterator)
    except StopIteration:
        workbook.close()
        raise FrameFileError(_("The file is empty (0 bytes). Choose the exported file again.")) from None
    try:
        header, positions = _map_header(list(header_cells))
    except BaseException:
        workbook.close()
        raise
    state = {"row": 1}

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            for number, cells in enumerate(iterator, start=2):
                state["row"] = number
                yield number, list(cells)
        finally:
            workbook.close()

    return FrameFile(
        kind="xlsx",
        encoding="xlsx",
        header=header,
        positions=positions,
        rows=rows(),
        progress=lambda: min(1.0, state["row"] / total) if total else 0.0,
        close=workbook.close,
    )


# -----------------------------------------------------------------------------------------------
# Checking rows
# -----------------------------------------------------------------------------------------------
def _is_formula(value: Any) -> bool:
    if isinstance(value, str):
        return value.lstrip().startswith("=")
    # openpyxl's array and data-table formulas are objects, not text.
    return type(value).__name__ in ("ArrayFormula", "DataTableFormula")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if type(value) is str:
        text = value.strip()
        return text if text.isascii() else unicodedata.normalize("NFC", text)
    if isinstance(value, float) and value.is_integer():
        # A code typed as a number comes back from a spreadsheet as 20242.0.
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y")
    return unicodedata.normalize("NFC", str(value).strip())


_DATE_TEXT = re.compile(
    r"(?:(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})[/.\-](?P<y>\d{4})|(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2}))"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+\-]\d{2}:?\d{2})?)?"
)
_SERIAL_TEXT = re.compile(r"\d{1,6}(?:[.,]\d+)?")


def parse_date(value: Any) -> date | None:
    """A date cell: ``None`` if empty, a ``date``, or ``ValueError``.

    Real date cells, dd/mm/yyyy (also with ``-`` or ``.``, and with a time after it), ISO
    yyyy-mm-dd (also with a time), and Excel serial numbers (numbers in a spreadsheet, digits in a
    CSV: 45658 is 01/01/2025).
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        return _serial(float(value))
    text = str(value).strip()
    if not text:
        return None
    match = _DATE_TEXT.fullmatch(text)
    if match:
        if match["d"]:
            return date(int(match["y"]), int(match["m"]), int(match["d"]))
        return date(int(match["iy"]), int(match["im"]), int(match["id"]))
    if _SERIAL_TEXT.fullmatch(text):
        return _serial(float(text.replace(",", ".")))
    raise ValueError(text)


def _serial(number: float) -> date:
    low, high = EXCEL_SERIAL_RANGE
    if not low <= number <= high:
        raise ValueError(number)
    return EXCEL_EPOCH + timedelta(days=int(number))


def dossier_digest(code: str) -> bytes:
    """16 bytes standing for a dossier code in the duplicate check (collisions: about 10⁻²⁶)."""
    return hashlib.blake2b(code.encode(), digest_size=16).digest()


class SeenCodes:
    """The dossier codes seen so far in a file, as sorted arrays of 16-byte digests with their rows:
    a million codes take 24 MB of numpy, not a million Python strings."""

    def __init__(self) -> None:
        self.segments: list[tuple[np.ndarray, np.ndarray]] = []

    def check(self, digests: list[bytes], rows: list[int]) -> dict[int, int]:
        """Add a chunk's codes; returns position in the chunk → the row that had the code first."""
        if not digests:
            return {}
        keys = np.array(digests, dtype="S16")
        numbers = np.array(rows, dtype=np.int64)
        found: dict[int, int] = {}
        known = np.zeros(len(keys), dtype=bool)
        for seen_keys, seen_rows in self.segments:
            where = np.minimum(np.searchsorted(seen_keys, keys), len(seen_keys) - 1)
            hit = (seen_keys[where] == keys) & ~known
            for position in np.flatnonzero(hit).tolist():
                found[position] = int(seen_rows[where[position]])
            known |= hit
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        size = len(sorted_keys)
        # Runs of equal keys; the first of a run (stable sort: the earliest row) is the original.
        is_start = np.ones(size, dtype=bool)
        is_start[1:] = sorted_keys[1:] != sorted_keys[:-1]
        run_start = np.maximum.accumulate(np.where(is_start, np.arange(size), 0))
        repeat = np.flatnonzero(~is_start)
        for index in repeat.tolist():
            found.setdefault(int(order[index]), int(numbers[order[run_start[index]]]))
        fresh = is_start & ~known[order]
        if fresh.any():
            self.segments.append((sorted_keys[fresh], numbers[order][fresh]))
        if len(self.segments) > 8:
            all_keys = np.concatenate([k for k, _r in self.segments])
            all_rows = np.concatenate([r for _k, r in self.segments])
            merged = np.argsort(all_keys, kind="stable")
            self.segments = [(all_keys[merged], all_rows[merged])]
        return found


@dataclass
class CheckedChunk:
    # (row, dossier code, procedure, field, unit id, received, returned, applicant type,
    #  name, phone, email, address)
    rows: list[tuple] = field(default_factory=list)
    problems: list[FrameProblem] = field(default_factory=list)
    duplicates: int = 0
    rejected: int = 0
    read: int = 0


@dataclass(frozen=True)
class UnitIndex:
    """Units a frame row may name: by code, by exact name (NFC), the ones outside the organiser."""

    by_code: dict[str, list[int]]
    by_name: dict[str, list[int]]
    outside: dict[str, str]
    start: date
    end: date


def _unit_candidates(index: UnitIndex, value: str) -> list[int]:
    found = index.by_code.get(value)
    if found is None and value.isdigit():
        # A code typed as a number loses its leading zeros in Excel: 00004 → 4, 01 → 1.
        for width in (2, 3, 5):
            found = index.by_code.get(value.zfill(width))
            if found:
                break
    if found is None:
        found = index.by_name.get(" ".join(value.split()))
    return found or []


class RowChecker:
    """Checks rows chunk by chunk; remembers dossier codes across chunks (``SeenCodes``)."""

    def __init__(
        self,
        source: FrameFile,
        units: UnitIndex,
        *,
        today: date,
        other_frames: Callable[[list[str]], dict[str, str]] | None = None,
    ) -> None:
        self.source = source
        self.units = units
        self.today = today
        self.other_frames = other_frames
        self.seen = SeenCodes()
        self.positions = [source.positions.get(column.name) for column in COLUMNS]
        self.labels = [source.label(column.name) for column in COLUMNS]
        self.dates: dict[Any, date | None | ValueError] = {}
        self.unit_cache: dict[str, int | FrameProblem] = {}

    # One problem of one cell.
    def _problem(self, row: int, column: str, message: object) -> FrameProblem:
        return FrameProblem(row, self.labels[COLUMN_INDEX[column]], message)

    def _date(self, value: Any) -> date | None | ValueError:
        try:
            return self.dates[value]
        except KeyError:
            pass
        except TypeError:  # unhashable: never in a cell, but be safe
            value = str(value)
        try:
            result: date | None | ValueError = parse_date(value)
        except (ValueError, OverflowError) as exc:
            result = ValueError(str(exc))
        if len(self.dates) < 100_000:
            self.dates[value] = result
        return result

    def _checked_date(
        self, number: int, column: str, value: Any, problems: list[FrameProblem]
    ) -> date | None:
        parsed = self._date(value)
        if isinstance(parsed, ValueError):
            problems.append(
                self._problem(
                    number,
                    column,
                    lazy_format(
                        _("“{value}” is not a date; write it as dd/mm/yyyy or yyyy-mm-dd."),
                        value=_text(value),
                    ),
                )
            )
            return None
        if parsed is not None and parsed > self.today:
            problems.append(
                self._problem(
                    number,
                    column,
                    lazy_format(_("The date {day} is in the future."), day=parsed.strftime("%d/%m/%Y")),
                )
            )
            return None
        return parsed

    def _unit(self, row: int, value: str) -> int | FrameProblem:
        cached = self.unit_cache.get(value)
        if cached is not None:
            if isinstance(cached, FrameProblem):
                return FrameProblem(row, cached.column, cached.message)
            return cached
        candidates = _unit_candidates(self.units, value)
        result: int | FrameProblem
        if len(candidates) == 1:
            result = candidates[0]
        elif len(candidates) > 1:
            result = self._problem(
                row,
                "unit",
                lazy_format(_("“{value}” names more than one unit; use the unit's code."), value=value),
            )
        elif value in self.units.outside:
            result = self._problem(
                row,
                "unit",
                lazy_format(_("{unit} is not under the organising unit."), unit=self.units.outside[value]),
            )
        else:
            result = self._problem(
                row,
                "unit",
                lazy_format(
                    _(
                        "No unit with the code or name “{value}” exists during the campaign ({start} – {end})."
                    ),
                    value=value,
                    start=self.units.start.strftime("%d/%m/%Y"),
                    end=self.units.end.strftime("%d/%m/%Y"),
                ),
            )
        if len(self.unit_cache) < 100_000:
            self.unit_cache[value] = result
        return result

    def _formula(self, number: int, position: int) -> FrameProblem:
        return FrameProblem(
            number,
            self.labels[position],
            _(
                "The cell holds a formula; formulas are not read. Paste the values instead (Paste Special → Values)."
            ),
        )

    def check(self, chunk: list[tuple[int, list[Any]]]) -> CheckedChunk:
        out = CheckedChunk()
        positions = self.positions
        labels = self.labels
        kept: list[tuple] = []
        digests: list[bytes] = []
        digest_rows: list[int] = []
        digest_owner: list[int] = []  # index into kept, or -1 for a rejected row
        codes: list[str] = []
        bad_rows: set[int] = set()
        normalize = unicodedata.normalize
        limits = _LIMITS
        required = _REQUIRED
        for number, cells in chunk:
            length = len(cells)
            values: list[Any] = []
            problems: list[FrameProblem] = []
            # One pass over the known columns: strip, NFC, formulas (never evaluated).
            for i, p in enumerate(positions):
                if p is None or p >= length:
                    values.append(None)
                    continue
                v = cells[p]
                if type(v) is str:
                    v = v.strip()
                    if not v:
                        values.append(None)
                    elif v[0] == "=":
                        problems.append(self._formula(number, i))
                        values.append(_FORMULA)
                    elif v.isascii():
                        values.append(v)
                    else:
                        values.append(normalize("NFC", v))
                elif v is None:
                    values.append(None)
                elif _is_formula(v):
                    problems.append(self._formula(number, i))
                    values.append(_FORMULA)
                elif i in _DATE_POSITIONS:
                    values.append(v)
                else:
                    values.append(_text(v) or None)
            if not problems and not any(values):
                continue  # a blank row
            out.read += 1
            if values[0] is None or values[3] is None or values[5] is None or values[6] is None:
                for i in required:
                    if values[i] is None:
                        problems.append(FrameProblem(number, labels[i], _("This cell must not be empty.")))  # noqa: PERF401
            for i, limit in limits:
                v = values[i]
                if type(v) is str and len(v) > limit:
                    problems.append(
                        FrameProblem(
                            number,
                            labels[i],
                            lazy_format(_("The text is too long: at most {max} characters."), max=limit),
                        )
                    )
            code, procedure, procedure_field, unit_value, received_raw, returned_raw, applicant = values[:7]
            name, phone, email, address = values[7:]
            if procedure is _FORMULA:
                procedure = None
            if procedure_field is _FORMULA:
                procedure_field = None
            if name is _FORMULA:
                name = None
            if address is _FORMULA:
                address = None

            unit_id = None
            if type(unit_value) is str:
                found = self._unit(number, unit_value)
                if type(found) is int:
                    unit_id = found
                else:
                    problems.append(found)
            received = returned = None
            if received_raw is not None and received_raw is not _FORMULA:
                received = self._checked_date(number, "received", received_raw, problems)
            if returned_raw is not None and returned_raw is not _FORMULA:
                returned = self._checked_date(number, "returned", returned_raw, problems)
            if received and returned and returned < received:
                problems.append(
                    self._problem(
                        number, "returned", _("The result was returned before the dossier was received.")
                    )
                )
            applicant_type = None
            if type(applicant) is str:
                applicant_type = APPLICANT_TYPES.get(applicant.lower())
                if applicant_type is None:
                    problems.append(
                        self._problem(
                            number,
                            "applicant_type",
                            lazy_format(
                                _(
                                    "Unknown applicant type “{value}”. Write “cá nhân” (citizen) or “tổ chức” (organisation)."
                                ),
                                value=applicant,
                            ),
                        )
                    )
            if type(email) is str and not EMAIL_RE.fullmatch(email):
                # The value itself is personal data: the report never repeats it.
                problems.append(self._problem(number, "email", _("This is not a valid e-mail address.")))
            if type(phone) is str and not PHONE_RE.fullmatch(phone):
                problems.append(self._problem(number, "phone", _("This is not a valid phone number.")))

            if type(code) is str and len(code) <= 100:
                digests.append(dossier_digest(code))
                digest_rows.append(number)
                codes.append(code)
                digest_owner.append(-1 if problems else len(kept))
            if problems:
                out.problems.extend(problems)
                bad_rows.add(number)
                continue
            kept.append(
                (
                    number,
                    code,
                    procedure or "",
                    procedure_field or "",
                    unit_id,
                    received,
                    returned,
                    applicant_type,
                    name or "",
                    phone or "",
                    email or "",
                    address or "",
                )
            )

        duplicate_of = self.seen.check(digests, digest_rows)
        dropped: set[int] = set()
        code_label = self.labels[COLUMN_INDEX["dossier_code"]]
        for position, first_row in sorted(duplicate_of.items()):
            number = digest_rows[position]
            out.problems.append(
                FrameProblem(
                    number,
                    code_label,
                    lazy_format(
                        _("Dossier {code} also appears on row {row}; only the first is kept."),
                        code=codes[position],
                        row=first_row,
                    ),
                )
            )
            out.duplicates += 1
            bad_rows.add(number)
            if digest_owner[position] >= 0:
                dropped.add(digest_owner[position])
        if self.other_frames is not None and codes:
            elsewhere = self.other_frames(codes)
            for position, code in enumerate(codes):
                if code in elsewhere and position not in duplicate_of:
                    number = digest_rows[position]
                    out.problems.append(
                        FrameProblem(
                            number,
                            code_label,
                            lazy_format(
                                _("Dossier {code} is already in the frame “{frame}” of this campaign."),
                                code=code,
                                frame=elsewhere[code],
                            ),
                        )
                    )
                    out.duplicates += 1
                    bad_rows.add(number)
                    if digest_owner[position] >= 0:
                        dropped.add(digest_owner[position])
        out.rows = [row for i, row in enumerate(kept) if i not in dropped] if dropped else kept
        out.rejected = len(bad_rows)
        out.problems.sort(key=lambda p: p.row or 0)
        return out


_FORMULA = object()
_DATE_POSITIONS = frozenset(COLUMN_INDEX[c] for c in DATE_COLUMNS)
_REQUIRED = tuple(i for i, c in enumerate(COLUMNS) if c.required)
# The fast test in ``RowChecker.check`` names these positions: keep them in step.
assert _REQUIRED == (0, 3, 5, 6)
_LIMITS = tuple((i, c.max_length) for i, c in enumerate(COLUMNS) if c.max_length)
