"""A criteria set as rows (the interchange shape of the XLSX import/export and the built-in sets).

One row per field, criterion or sub-criterion; the hierarchy is in the dotted code ("1", "1.2",
"1.2.3"). A parent's maximum must equal the sum of its children's, and the fields must add up to
the set's total (100): a file that does not add up is refused with the row named.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from hailong.core.messages import lazy_format
from hailong.parindex import scoring

CODE_RE = re.compile(r"^\d+(\.\d+)*$")
TOLERANCE = 0.001

# Column headers (as officials write them; compared in lower case) → row keys.
COLUMNS = {
    "mã": "code",
    "nội dung": "name",
    "điểm tối đa": "max_points",
    "phương pháp chấm": "method",
    "cấu hình": "config",
    "tài liệu kiểm chứng": "evidence",
    "điểm trừ": "penalties",
    "mã điều tra": "survey_code",
}
REQUIRED = ("mã", "nội dung", "điểm tối đa", "phương pháp chấm")

METHOD_WORDS = {
    "có/không": scoring.YES_NO,
    "mức": scoring.LEVELS,
    "tỷ lệ": scoring.PROPORTION,
    "công thức": scoring.FORMULA,
    "chấm trực tiếp": scoring.MANUAL,
    "điều tra xã hội học": scoring.SURVEY,
}
METHOD_LABELS = {v: k for k, v in METHOD_WORDS.items()}


@dataclass
class Row:
    code: str
    name: str
    max_points: float
    method: str = scoring.MANUAL
    config: dict = field(default_factory=dict)
    evidence: str = ""
    penalties: list = field(default_factory=list)
    survey_code: str = ""
    unconfirmed: bool = False
    line: int = 0

    @property
    def parent_code(self) -> str:
        return self.code.rpartition(".")[0]

    @property
    def level(self) -> int:
        return self.code.count(".") + 1


class DefinitionError(Exception):
    def __init__(self, errors: list) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


def _number(text) -> float:
    if isinstance(text, int | float):
        return float(text)
    return float(str(text).strip().replace(",", "."))


def parse_config(method: str, text: str) -> dict:
    """``0; 0,5; 1`` (levels), ``50=0,5; 80=1`` (thresholds), ``100`` (formula target)."""
    text = (text or "").strip()
    if not text:
        return {}
    parts = [p.strip() for p in text.split(";") if p.strip()]
    if method == scoring.LEVELS:
        return {"levels": [_number(p) for p in parts]}
    if method == scoring.PROPORTION:
        return {"thresholds": [[_number(a), _number(b)] for a, b in (p.split("=", 1) for p in parts)]}
    if method == scoring.FORMULA:
        return {"target": _number(parts[0])}
    return {}


def format_config(method: str, config: dict) -> str:
    def n(x) -> str:
        return f"{float(x):g}".replace(".", ",")

    if method == scoring.LEVELS:
        return "; ".join(n(x) for x in config.get("levels", []))
    if method == scoring.PROPORTION:
        return "; ".join(f"{n(a)}={n(b)}" for a, b in config.get("thresholds", []))
    if method == scoring.FORMULA and "target" in config:
        return n(config["target"])
    return ""


def parse_penalties(text: str) -> list[dict]:
    """``0,5: Báo cáo gửi muộn; 1: Không ban hành kế hoạch`` → points and labels (codes p1, p2…)."""
    result = []
    for i, part in enumerate((p.strip() for p in (text or "").split(";") if p.strip()), start=1):
        points, _sep, label = part.partition(":")
        result.append({"code": f"p{i}", "points": _number(points), "label": label.strip()})
    return result


def format_penalties(penalties: list[dict]) -> str:
    return "; ".join(f"{float(p['points']):g}".replace(".", ",") + f": {p['label']}" for p in penalties)


def rows_from_table(table) -> list[Row]:
    """Rows of a ``core.tabular.Table``; every problem is collected, each with its row number."""
    errors: list = [
        lazy_format(_("Row 1: the column “{column}” is missing."), column=header)
        for header in REQUIRED
        if header not in table.columns
    ]
    if errors:
        raise DefinitionError(errors)
    rows: list[Row] = []
    for line, cells in table.rows:
        code = str(cells.get("mã") or "").strip().rstrip(".")
        if isinstance(cells.get("mã"), float) and float(cells["mã"]).is_integer():
            code = str(int(cells["mã"]))
        name = str(cells.get("nội dung") or "").strip()
        method_text = str(cells.get("phương pháp chấm") or "").strip().lower()
        method = METHOD_WORDS.get(method_text, method_text) or scoring.MANUAL  # empty: fields, criteria
        if not CODE_RE.match(code):
            errors.append(
                lazy_format(
                    _("Row {row}: the code “{code}” is not like 1, 1.2 or 1.2.3."), row=line, code=code
                )
            )
            continue
        if not name:
            errors.append(lazy_format(_("Row {row}: the criterion has no text."), row=line))
        if method not in scoring.METHODS:
            errors.append(
                lazy_format(_("Row {row}: unknown scoring method “{method}”."), row=line, method=method_text)
            )
            continue
        try:
            max_points = _number(cells.get("điểm tối đa"))
            if max_points < 0:
                raise ValueError
        except (TypeError, ValueError):
            errors.append(lazy_format(_("Row {row}: the maximum points are not a number."), row=line))
            continue
        try:
            config = parse_config(method, str(cells.get("cấu hình") or ""))
            penalties = parse_penalties(str(cells.get("điểm trừ") or ""))
        except (TypeError, ValueError):
            errors.append(
                lazy_format(_("Row {row}: the scoring settings or penalties cannot be read."), row=line)
            )
            continue
        rows.append(
            Row(
                code=code,
                name=name,
                max_points=max_points,
                method=method,
                config=config,
                evidence=str(cells.get("tài liệu kiểm chứng") or "").strip(),
                penalties=penalties,
                survey_code=str(cells.get("mã điều tra") or "").strip(),
                line=line,
            )
        )
    if errors:
        raise DefinitionError(errors)
    check(rows)
    return rows


def check(rows: list[Row], *, total: float = 100.0) -> None:
    """Codes unique, parents present, points adding up (each parent = sum of its children; fields = total)."""
    errors: list = []
    by_code: dict[str, Row] = {}
    for row in rows:
        if row.code in by_code:
            errors.append(
                lazy_format(_("Row {row}: the code {code} appears twice."), row=row.line, code=row.code)
            )
        by_code[row.code] = row
    children: dict[str, list[Row]] = {}
    for row in rows:
        if row.parent_code and row.parent_code not in by_code:
            errors.append(
                lazy_format(
                    _("Row {row}: {code} has no parent row {parent}."),
                    row=row.line,
                    code=row.code,
                    parent=row.parent_code,
                )
            )
        children.setdefault(row.parent_code, []).append(row)
    for row in rows:
        kids = children.get(row.code)
        if kids:
            added = sum(k.max_points for k in kids)
            if abs(added - row.max_points) > TOLERANCE:
                errors.append(
                    lazy_format(
                        _("Row {row}: {code} has {max} maximum points but its parts add up to {sum}."),
                        row=row.line,
                        code=row.code,
                        max=f"{row.max_points:g}",
                        sum=f"{added:g}",
                    )
                )
        elif row.method in (scoring.LEVELS,) and not row.config.get("levels"):
            errors.append(
                lazy_format(
                    _("Row {row}: a scale of levels needs its levels (e.g. 0; 0,5; 1)."), row=row.line
                )
            )
    top = sum(r.max_points for r in children.get("", []))
    if rows and abs(top - total) > TOLERANCE:
        last = max(r.line for r in rows)
        errors.append(
            lazy_format(
                _("Row {row}: the fields add up to {sum} points, not {total}."),
                row=last,
                sum=f"{top:g}",
                total=f"{total:g}",
            )
        )
    if not rows:
        errors.append(_("The file has no criteria."))
    if errors:
        raise DefinitionError(errors)
