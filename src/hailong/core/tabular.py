"""Read the CSV and XLSX files officials produce, row by row, keeping row numbers for error messages.

Row numbers are the ones a person sees in Excel: the header is row 1, the first data row is row 2.
"""

import contextlib
import csv
import io
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from django.utils.translation import gettext_lazy as _

from hailong.core.messages import lazy_format

XLSX_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}


class TableError(Exception):
    """The file as a whole cannot be read (wrong format, unreadable encoding, no header)."""

    def __init__(self, message: object) -> None:
        super().__init__(str(message))
        self.message = message


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: how spreadsheets name columns."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass
class Table:
    filename: str
    header: list[str]
    rows: Iterator[tuple[int, dict[str, Any]]]
    columns: dict[str, int] = field(default_factory=dict)

    def column_label(self, name: str) -> str:
        """``C (type)``: the letter a spreadsheet shows and the header text."""
        index = self.columns.get(name)
        if index is None:
            return name
        return f"{column_letter(index)} ({name})"


def _normalise_header(cell: Any) -> str:
    return str(cell or "").strip().lstrip("\ufeff").strip().lower()


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        # Legacy encodings and some Excel exports give decomposed Vietnamese; compare and store NFC.
        return unicodedata.normalize("NFC", value).strip()
    return value


def _decode(raw: bytes, filename: str) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        # Windows-1258 is what older Vietnamese Windows software saves "CSV" as.
        return raw.decode("cp1258")
    except UnicodeDecodeError as exc:
        raise TableError(
            lazy_format(
                _(
                    "File {filename}: the text encoding is not UTF-8 or Windows-1258; save it again as “CSV UTF-8”."
                ),
                filename=filename,
            )
        ) from exc


def _rows_from_matrix(matrix: Iterator[list[Any]], filename: str) -> Table:
    try:
        header_cells = next(matrix)
    except StopIteration:
        raise TableError(lazy_format(_("File {filename} is empty."), filename=filename)) from None
    header = [_normalise_header(c) for c in header_cells]
    while header and not header[-1]:
        header.pop()
    if not any(header):
        raise TableError(lazy_format(_("File {filename} has no header row."), filename=filename))
    columns = {name: i for i, name in enumerate(header) if name}

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        for number, cells in enumerate(matrix, start=2):
            values = [_clean(c) for c in cells]
            if not any(v not in (None, "") for v in values):
                continue
            yield number, {name: (values[i] if i < len(values) else None) for name, i in columns.items()}

    return Table(filename=filename, header=header, rows=rows(), columns=columns)


def read_table(source: Path | BinaryIO, filename: str | None = None) -> Table:
    """Open a CSV (UTF-8 with or without BOM, UTF-16, Windows-1258) or a spreadsheet (first sheet)."""
    if isinstance(source, Path):
        filename = filename or source.name
        raw = source.read_bytes()
    else:
        filename = filename or getattr(source, "name", "upload")
        raw = source.read()
    suffix = Path(filename).suffix.lower()
    if suffix in XLSX_SUFFIXES or raw[:4] == b"PK\x03\x04":
        from python_calamine import CalamineError, CalamineWorkbook

        try:
            workbook = CalamineWorkbook.from_filelike(io.BytesIO(raw))
            sheet = workbook.get_sheet_by_index(0)
            matrix = iter(sheet.iter_rows())
        except (CalamineError, ValueError, IndexError) as exc:
            raise TableError(
                lazy_format(
                    _("File {filename} is not a readable spreadsheet: {error}"), filename=filename, error=exc
                )
            ) from exc
        return _rows_from_matrix(matrix, filename)
    text = _decode(raw, filename)
    dialect = csv.excel
    with contextlib.suppress(csv.Error):
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    return _rows_from_matrix(iter(csv.reader(io.StringIO(text), dialect)), filename)
