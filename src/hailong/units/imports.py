"""Import a province's own units (departments, one-stop offices, service points…) from CSV or XLSX.

All or nothing: every row is checked first; if any row is wrong, nothing is written and every
problem is reported with its row and column. Columns: ``code,name,type,parent_code,valid_from,
valid_to`` (the export's columns) and optionally ``name_en``, ``short_name``, ``address``.
A row whose code already names an imported or hand-made unit on that day updates it, so
importing the same file twice changes nothing.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from hailong.accounts import permissions
from hailong.accounts.roles import Perm
from hailong.audit.models import AuditAction
from hailong.audit.services import audit_record
from hailong.core.messages import bilingual, lazy_format, validation_messages
from hailong.core.tabular import Table
from hailong.units.choices import ALLOWED_PARENT_TYPES, TYPE_ALIASES, UnitSource, UnitType
from hailong.units.models import Unit
from hailong.units.services import unit_create, unit_update

REQUIRED_COLUMNS = ("code", "name", "type", "parent_code")
OPTIONAL_COLUMNS = ("valid_from", "valid_to", "name_en", "short_name", "address")
REGISTRY_SOURCES = {UnitSource.REGISTRY_2025, UnitSource.REGISTRY_LEGACY, UnitSource.GOVERNMENT}
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y")


@dataclass(frozen=True)
class RowError:
    row: int | None
    column: str | None
    message: object

    def render(self, filename: str) -> str:
        where = lazy_format(_("File {filename}"), filename=filename)
        if self.row is not None:
            where = lazy_format(_("File {filename}, row {row}"), filename=filename, row=self.row)
            if self.column:
                where = lazy_format(
                    _("File {filename}, row {row}, column {column}"),
                    filename=filename,
                    row=self.row,
                    column=self.column,
                )
        return f"{bilingual(where)}: {bilingual(self.message)}"


class ImportRejected(Exception):
    def __init__(self, filename: str, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} errors in {filename}")
        self.filename = filename
        self.errors = errors

    def messages(self) -> list[str]:
        return [e.render(self.filename) for e in self.errors]


@dataclass
class ImportResult:
    created: list[Unit] = field(default_factory=list)
    updated: list[Unit] = field(default_factory=list)
    unchanged: int = 0


@dataclass
class _Row:
    number: int
    code: str
    name: str
    type: str
    parent_code: str
    valid_from: date | None
    valid_to: date | None
    extra: dict[str, str]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        # Spreadsheets turn the code 00004 typed as a number into 4.0.
        return str(int(value))
    return str(value).strip()


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar day
        except ValueError:
            continue
    raise ValueError(text)


def _parse_type(value: str) -> str | None:
    lowered = value.strip().lower()
    if lowered in UnitType.values:
        return lowered
    return TYPE_ALIASES.get(lowered)


def _parse(table: Table) -> tuple[list[_Row], list[RowError]]:
    errors: list[RowError] = []
    missing = [c for c in REQUIRED_COLUMNS if c not in table.columns]
    if missing:
        errors.append(
            RowError(
                1,
                None,
                lazy_format(
                    _("Missing column(s): {columns}. Expected: {expected}."),
                    columns=", ".join(missing),
                    expected=", ".join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS),
                ),
            )
        )
        return [], errors
    rows: list[_Row] = []
    for number, cells in table.rows:
        row_errors: list[RowError] = []
        code, name = _text(cells.get("code")), _text(cells.get("name"))
        type_text, parent_code = _text(cells.get("type")), _text(cells.get("parent_code"))
        if not code:
            row_errors.append(RowError(number, table.column_label("code"), _("The code is empty.")))
        if not name:
            row_errors.append(RowError(number, table.column_label("name"), _("The name is empty.")))
        unit_type = _parse_type(type_text)
        if unit_type is None:
            row_errors.append(
                RowError(
                    number,
                    table.column_label("type"),
                    lazy_format(
                        _("Unknown unit type “{value}”. Use one of: {allowed}."),
                        value=type_text,
                        allowed=", ".join(UnitType.values),
                    ),
                )
            )
        dates: dict[str, date | None] = {}
        for column in ("valid_from", "valid_to"):
            raw = cells.get(column)
            if raw in (None, ""):
                dates[column] = None
                continue
            try:
                dates[column] = _date(raw)
            except ValueError:
                row_errors.append(
                    RowError(
                        number,
                        table.column_label(column),
                        lazy_format(
                            _("“{value}” is not a date; write it as dd/mm/yyyy or yyyy-mm-dd."),
                            value=_text(raw),
                        ),
                    )
                )
        if dates.get("valid_from") and dates.get("valid_to") and dates["valid_to"] < dates["valid_from"]:
            row_errors.append(
                RowError(number, table.column_label("valid_to"), _("The end date is before the start date."))
            )
        if row_errors:
            errors.extend(row_errors)
            continue
        rows.append(
            _Row(
                number=number,
                code=code,
                name=name,
                type=unit_type,
                parent_code=parent_code,
                valid_from=dates["valid_from"],
                valid_to=dates["valid_to"],
                extra={
                    c: _text(cells.get(c)) for c in ("name_en", "short_name", "address") if c in table.columns
                },
            )
        )
    return rows, errors


def units_import(*, table: Table, actor=None, request=None, today: date | None = None) -> ImportResult:
    """Check every row, then write all of them in one transaction — or raise ``ImportRejected``."""
    today = today or date.today()  # noqa: DTZ011 - a calendar day
    rows, errors = _parse(table)
    seen_codes: dict[tuple[str, date | None], int] = {}
    for row in rows:
        key = (row.code, row.valid_from)
        if key in seen_codes:
            errors.append(
                RowError(
                    row.number,
                    table.column_label("code"),
                    lazy_format(
                        _("Code {code} also appears on row {other}."), code=row.code, other=seen_codes[key]
                    ),
                )
            )
        seen_codes[key] = row.number

    # Rows that parsed are written even when others did not, inside a transaction that is rolled back
    # if anything at all went wrong: one pass reports every problem (parents, scope, clashes too).
    result = ImportResult()
    try:
        with transaction.atomic():
            in_file: dict[str, Unit] = {}
            for row in rows:
                try:
                    _apply(row, in_file=in_file, actor=actor, today=today, table=table, result=result)
                except ValidationError as exc:
                    for column, message in validation_messages(exc):
                        label = (
                            table.column_label("parent_code" if column == "parent" else column)
                            if column
                            else None
                        )
                        errors.append(RowError(row.number, label, message))
                except _RowProblem as problem:
                    errors.append(problem.error)
            if errors:
                raise _Rollback
    except _Rollback:
        errors.sort(key=lambda e: e.row or 0)
        raise ImportRejected(table.filename, errors) from None
    audit_record(
        action=AuditAction.UNITS_IMPORTED,
        actor=actor,
        request=request,
        actor_username="" if actor or request else "(command line)",
        details={
            "file": table.filename,
            "created": len(result.created),
            "updated": len(result.updated),
            "unchanged": result.unchanged,
        },
    )
    return result


class _Rollback(Exception):
    pass


class _RowProblem(Exception):
    def __init__(self, error: RowError) -> None:
        self.error = error


def _resolve_parent(row: _Row, *, in_file: dict[str, Unit], table: Table, today: date) -> Unit | None:
    if not row.parent_code:
        if ALLOWED_PARENT_TYPES.get(row.type):
            raise _RowProblem(
                RowError(
                    row.number,
                    table.column_label("parent_code"),
                    _("A unit of this type needs a parent unit."),
                )
            )
        return None
    if row.parent_code in in_file:
        return in_file[row.parent_code]
    reference = row.valid_from or today
    parent = Unit.objects.filter(code=row.parent_code).valid_on(reference).first()
    if parent is None:
        raise _RowProblem(
            RowError(
                row.number,
                table.column_label("parent_code"),
                lazy_format(
                    _("No unit with code {code} exists on {day}."),
                    code=row.parent_code,
                    day=reference.strftime("%d/%m/%Y"),
                ),
            )
        )
    return parent


def _apply(
    row: _Row, *, in_file: dict[str, Unit], actor, today: date, table: Table, result: ImportResult
) -> None:
    parent = _resolve_parent(row, in_file=in_file, table=table, today=today)
    if actor is not None and not permissions.has_perm(actor, Perm.UNITS_CHANGE, parent):
        raise _RowProblem(
            RowError(
                row.number,
                table.column_label("parent_code"),
                lazy_format(_("You may not add units under {unit}."), unit=parent.name if parent else "—"),
            )
        )
    reference = row.valid_from or today
    existing = Unit.objects.filter(code=row.code).valid_on(reference).first()
    values = {
        "name": row.name,
        "type": row.type,
        "valid_from": row.valid_from,
        "valid_to": row.valid_to,
        **row.extra,
    }
    if existing is None:
        unit = unit_create(code=row.code, parent=parent, source=UnitSource.IMPORT, **values)
        result.created.append(unit)
    elif existing.source in REGISTRY_SOURCES:
        raise _RowProblem(
            RowError(
                row.number,
                table.column_label("code"),
                lazy_format(
                    _("Code {code} belongs to {unit} from the official registry; choose another code."),
                    code=row.code,
                    unit=existing.name,
                ),
            )
        )
    elif all(getattr(existing, k) == v for k, v in values.items()) and existing.parent_id == (
        parent.pk if parent else None
    ):
        unit = existing
        result.unchanged += 1
    else:
        unit = unit_update(unit=existing, parent=parent, **values)
        result.updated.append(unit)
    in_file[row.code] = unit
