"""Import volunteer interviewers from CSV or XLSX: one account per row, with the Interviewer role on
the row's unit and a place in a team of the campaign.

Columns (header row, any order; Vietnamese names accepted): ``username`` (optional: made from the
name, e.g. Nguyễn Văn An → ``annv``), ``full_name``, ``phone``, ``email``, ``team``, ``unit_code``.
All or nothing, as every import: each row is checked and written inside one transaction, and if any
row is wrong nothing is kept and every problem is reported with its row and column.

A row updates the account it names (``username``) or, without one, the volunteer account with the
same phone number, e-mail address or — in the same unit — full name; so importing a file twice
changes nothing. Only volunteer accounts (no role but Interviewer) are ever changed: a row that
points at a staff account is an error. New accounts have no usable password: the volunteer
chooses one through a password-set link (``fieldwork.activation``).
"""

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from hailong.accounts.models import RoleAssignment, User
from hailong.accounts.roles import Role
from hailong.accounts.services import role_grant, user_create, user_update
from hailong.campaigns.models import Campaign
from hailong.core.messages import lazy_format, validation_messages
from hailong.core.tabular import Table
from hailong.fieldwork.services import team_ensure, team_member_add
from hailong.fieldwork.texts import plain
from hailong.units.imports import ImportRejected, RowError
from hailong.units.models import Unit

COLUMNS = ("username", "full_name", "phone", "email", "team", "unit_code")
REQUIRED = ("full_name", "unit_code")
ALIASES = {
    "username": ("username", "tên đăng nhập", "ten_dang_nhap", "tai_khoan", "tài khoản"),
    "full_name": ("full_name", "full name", "name", "họ tên", "họ và tên", "ho_ten", "ho ten"),
    "phone": ("phone", "điện thoại", "số điện thoại", "dien_thoai", "so_dien_thoai", "sđt"),
    "email": ("email", "e-mail", "thư điện tử"),
    "team": ("team", "nhóm", "đội", "nhom", "doi"),
    "unit_code": ("unit_code", "unit code", "mã đơn vị", "ma_don_vi", "đơn vị", "don_vi"),
}
PHONE = re.compile(r"^\+?\d{9,12}$")

__all__ = ["ImportRejected", "InterviewerImport", "interviewers_import"]


@dataclass
class InterviewerImport:
    created: list[User] = field(default_factory=list)
    updated: list[User] = field(default_factory=list)
    unchanged: list[User] = field(default_factory=list)
    teams: set[int] = field(default_factory=set)

    @property
    def users(self) -> list[User]:
        return self.created + self.updated + self.unchanged


@dataclass
class _Row:
    number: int
    username: str
    full_name: str
    phone: str
    email: str
    team: str
    unit: Unit


class _Rollback(Exception):
    pass


class _RowProblem(Exception):
    def __init__(self, error: RowError) -> None:
        self.error = error


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _phone(value: str) -> str:
    digits = re.sub(r"[\s.\-()]", "", value)
    if digits and not digits.startswith(("0", "+")) and len(digits) == 9:
        # A spreadsheet drops the leading 0 of 0905123456 typed as a number.
        digits = "0" + digits
    return digits


def _columns(table: Table) -> dict[str, str]:
    found = {}
    for name, aliases in ALIASES.items():
        for alias in aliases:
            if alias in table.columns:
                found[name] = alias
                break
    return found


def _day(campaign: Campaign, today: date) -> date:
    return max(campaign.starts_on, min(today, campaign.ends_on))


def _parse(table: Table, campaign: Campaign, today: date) -> tuple[list[_Row], list[RowError]]:
    columns = _columns(table)
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        return [], [
            RowError(
                1,
                None,
                lazy_format(
                    _("Missing column(s): {columns}. Expected: {expected}."),
                    columns=", ".join(missing),
                    expected=", ".join(COLUMNS),
                ),
            )
        ]
    label = {name: table.column_label(header) for name, header in columns.items()}
    day = _day(campaign, today)
    rows: list[_Row] = []
    errors: list[RowError] = []
    seen: dict[tuple[str, str], int] = {}
    validate_username = UnicodeUsernameValidator()
    for number, cells in table.rows:
        values = {name: _text(cells.get(header)) for name, header in columns.items()}
        problems: list[RowError] = []
        full_name = values.get("full_name", "")
        if not full_name:
            problems.append(RowError(number, label["full_name"], _("The full name is empty.")))
        elif len(full_name) > 150:
            problems.append(
                RowError(number, label["full_name"], _("The full name is longer than 150 characters."))
            )
        username = values.get("username", "")
        if username:
            try:
                validate_username(username)
            except ValidationError:
                problems.append(
                    RowError(
                        number,
                        label["username"],
                        lazy_format(
                            _("“{value}” is not a valid user name: use letters, digits and . _ - only."),
                            value=username,
                        ),
                    )
                )
        phone = _phone(values.get("phone", ""))
        if phone and not PHONE.match(phone):
            problems.append(
                RowError(
                    number,
                    label.get("phone"),
                    lazy_format(_("“{value}” is not a phone number."), value=values.get("phone", "")),
                )
            )
        email = values.get("email", "")
        if email:
            try:
                validate_email(email)
            except ValidationError:
                problems.append(
                    RowError(
                        number,
                        label.get("email"),
                        lazy_format(_("“{value}” is not an e-mail address."), value=email),
                    )
                )
        team = values.get("team", "")
        if len(team) > 150:
            problems.append(
                RowError(number, label.get("team"), _("The team name is longer than 150 characters."))
            )
        code = values.get("unit_code", "")
        unit = None
        if not code:
            problems.append(RowError(number, label["unit_code"], _("The unit code is empty.")))
        else:
            unit = Unit.objects.filter(code=code).valid_on(day).first()
            if unit is None:
                problems.append(
                    RowError(
                        number,
                        label["unit_code"],
                        lazy_format(
                            _("No unit with code {code} exists on {day}."),
                            code=code,
                            day=day.strftime("%d/%m/%Y"),
                        ),
                    )
                )
            elif not unit.path.startswith(campaign.organiser.path):
                problems.append(
                    RowError(
                        number,
                        label["unit_code"],
                        lazy_format(_("{unit} is not under the organising unit."), unit=unit.name),
                    )
                )
        for key, value in (("username", username.lower()), ("phone", phone), ("email", email.lower())):
            if value:
                other = seen.get((key, value))
                if other is not None:
                    problems.append(
                        RowError(
                            number,
                            label.get(key),
                            lazy_format(
                                _("“{value}” also appears on row {other}."), value=value, other=other
                            ),
                        )
                    )
                seen[(key, value)] = number
        if problems:
            errors.extend(problems)
            continue
        rows.append(_Row(number, username, full_name, phone, email, team, unit))
    return rows, errors


def username_for(full_name: str, taken: set[str]) -> str:
    """``Nguyễn Văn An`` → ``annv`` (given name, then the initials of the others), made unique."""
    words = re.findall(r"[a-z0-9]+", plain(full_name).lower())
    base = (words[-1] + "".join(w[0] for w in words[:-1])) if words else "dtv"
    base = base[:140]
    candidate, n = base, 1
    while candidate in taken or User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}{n}"
    taken.add(candidate)
    return candidate


def _existing(row: _Row, label: dict[str, str | None]) -> User | None:
    if row.username:
        return User.objects.filter(username__iexact=row.username).first()
    for attribute, value in (("phone", row.phone), ("email__iexact", row.email)):
        if value:
            matches = list(User.objects.filter(**{attribute: value})[:2])
            if len(matches) > 1:
                raise _RowProblem(
                    RowError(
                        row.number,
                        label.get(attribute.split("__")[0]),
                        lazy_format(
                            _("Several accounts have “{value}”: give the user name in the username column."),
                            value=value,
                        ),
                    )
                )
            if matches:
                return matches[0]
    same_name = list(
        User.objects.filter(
            full_name=row.full_name, role_assignments__role=Role.INTERVIEWER, role_assignments__unit=row.unit
        ).distinct()[:2]
    )
    return same_name[0] if len(same_name) == 1 else None


def _check_volunteer(user: User, row: _Row, label: dict) -> None:
    other_roles = RoleAssignment.objects.filter(user=user).exclude(role=Role.INTERVIEWER).exists()
    if other_roles or user.is_superuser or user.is_staff:
        raise _RowProblem(
            RowError(
                row.number,
                label.get("username") or label.get("full_name"),
                lazy_format(
                    _("{username} is a staff account: this import changes only volunteer interviewers."),
                    username=user.username,
                ),
            )
        )


def _apply(
    row: _Row, *, campaign: Campaign, actor, request, label: dict, taken: set, result: InterviewerImport
) -> None:
    user = _existing(row, label)
    if user is None:
        username = row.username or username_for(row.full_name, taken)
        user = user_create(
            actor=actor,
            username=username,
            password=None,
            full_name=row.full_name,
            email=row.email,
            phone=row.phone,
            role=Role.INTERVIEWER,
            unit=row.unit,
            request=request,
        )
        result.created.append(user)
    else:
        _check_volunteer(user, row, label)
        changes = {
            name: value
            for name, value in (("full_name", row.full_name), ("phone", row.phone), ("email", row.email))
            if value and getattr(user, name) != value
        }
        has_role = RoleAssignment.objects.filter(user=user, role=Role.INTERVIEWER, unit=row.unit).exists()
        if changes:
            user_update(actor=actor, user=user, request=request, **changes)
        if not has_role:
            role_grant(actor=actor, user=user, role=Role.INTERVIEWER, unit=row.unit, request=request)
        (result.updated if changes or not has_role else result.unchanged).append(user)
    if row.team:
        team = team_ensure(campaign=campaign, name=row.team, unit=row.unit)
        team_member_add(team=team, user=user)
        result.teams.add(team.pk)


def interviewers_import(
    *, campaign: Campaign, table: Table, actor, request=None, today: date | None = None
) -> InterviewerImport:
    """Check every row, then write all of them in one transaction — or raise ``ImportRejected``."""
    today = today or date.today()  # noqa: DTZ011 - a calendar day
    rows, errors = _parse(table, campaign, today)
    columns = _columns(table)
    label = {name: table.column_label(header) for name, header in columns.items()}
    result = InterviewerImport()
    try:
        with transaction.atomic():
            taken: set[str] = set()
            for row in rows:
                try:
                    with transaction.atomic():
                        _apply(
                            row,
                            campaign=campaign,
                            actor=actor,
                            request=request,
                            label=label,
                            taken=taken,
                            result=result,
                        )
                except ValidationError as exc:
                    for name, message in validation_messages(exc):
                        errors.append(RowError(row.number, label.get(name or ""), message))
                except PermissionDenied as exc:
                    errors.append(
                        RowError(
                            row.number, label.get("unit_code"), exc.args[0] if exc.args else _("Not allowed.")
                        )
                    )
                except _RowProblem as problem:
                    errors.append(problem.error)
            if errors:
                raise _Rollback
    except _Rollback:
        errors.sort(key=lambda e: e.row or 0)
        raise ImportRejected(table.filename, errors) from None
    return result
