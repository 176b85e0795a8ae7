"""Estimation from files, without a database: a CSV of responses and a TOML method.

``METHOD.toml``::

    [design]                 # column names, each optional
    strata = "stratum"
    cluster = "psu"
    weight = "weight"
    fpc = "fpc"
    lonely_psu = "adjust"    # fail (default) | remove | certainty | adjust | average

    [scale]
    valid = ["1", "2", "3", "4", "5"]
    satisfied = ["4", "5"]

    [index]
    aggregation = "item_mean"   # item_mean | pooled | respondent_mean | overall_question
    overall_item = "q_overall"  # overall_question only

    [[criteria]]
    code = "E1"
    name = "Tiếp cận dịch vụ"
    items = ["e1_1", "e1_2", "e1_3"]
    general_item = "e1_chung"   # optional: the element's in-general question

    [[pillars]]                 # optional: a level above the criteria
    code = "PB"
    name = "Cung ứng dịch vụ hành chính công"
    criteria = ["E1", "E2"]

Errors are ``FileProblem``s naming the file, row and column, in Vietnamese and English.
"""

from __future__ import annotations

import csv
import io
import math
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hailong.stats.design import Design, DesignError
from hailong.stats.indices import AGGREGATIONS, IndexEstimates, Method, Node, estimate_index


class FileProblem(ValueError):
    """Something wrong in an input file, said in both languages, with where."""

    def __init__(self, vi: str, en: str):
        self.vi, self.en = vi, en
        super().__init__(f"{vi} / {en}")


@dataclass(frozen=True)
class DesignColumns:
    strata: str | None = None
    cluster: str | None = None
    weight: str | None = None
    fpc: str | None = None
    lonely_psu: str = "fail"

    def columns(self) -> list[str]:
        return [c for c in (self.strata, self.cluster, self.weight, self.fpc) if c]


def _text(value, where_vi: str, where_en: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise FileProblem(
            f"{where_vi}: cần một chuỗi không rỗng", f"{where_en}: a non-empty string is needed"
        )
    return value.strip()


def _strings(value, where_vi: str, where_en: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise FileProblem(
            f"{where_vi}: cần một danh sách không rỗng", f"{where_en}: a non-empty list is needed"
        )
    return tuple(str(v).strip() for v in value)


def read_method(path: str | Path) -> tuple[Method, DesignColumns]:
    """The method and the design columns of a ``METHOD.toml`` file."""
    name = Path(path).name
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise FileProblem(f"Không tìm thấy tệp {name}", f"File {name} not found") from None
    except UnicodeDecodeError:
        raise FileProblem(f"{name}: tệp không phải UTF-8", f"{name}: the file is not UTF-8") from None
    except tomllib.TOMLDecodeError as error:
        raise FileProblem(
            f"{name}: lỗi cú pháp TOML ({error})", f"{name}: TOML syntax error ({error})"
        ) from None

    design = data.get("design", {})
    known = {"strata", "cluster", "weight", "fpc", "lonely_psu"}
    unknown = sorted(set(design) - known)
    if unknown:
        raise FileProblem(
            f"{name} [design]: khóa không hợp lệ {', '.join(unknown)}",
            f"{name} [design]: unknown keys {', '.join(unknown)}",
        )
    columns = DesignColumns(
        **{key: _text(design[key], f"{name} [design] {key}", f"{name} [design] {key}") for key in design}
    )

    scale = data.get("scale")
    if not isinstance(scale, dict):
        raise FileProblem(f"{name}: thiếu bảng [scale]", f"{name}: the [scale] table is missing")
    valid = _strings(scale.get("valid"), f"{name} [scale] valid", f"{name} [scale] valid")
    satisfied = _strings(scale.get("satisfied"), f"{name} [scale] satisfied", f"{name} [scale] satisfied")

    index = data.get("index", {})
    aggregation = index.get("aggregation", "item_mean")
    if aggregation not in AGGREGATIONS:
        raise FileProblem(
            f"{name} [index] aggregation: “{aggregation}” không hợp lệ; chọn {' | '.join(AGGREGATIONS)}",
            f"{name} [index] aggregation: “{aggregation}” is not one of {' | '.join(AGGREGATIONS)}",
        )
    criteria_tables = data.get("criteria")
    if not isinstance(criteria_tables, list) or not criteria_tables:
        raise FileProblem(
            f"{name}: cần ít nhất một bảng [[criteria]]", f"{name}: at least one [[criteria]] is needed"
        )
    criteria: dict[str, Node] = {}
    for number, table in enumerate(criteria_tables, start=1):
        where_vi, where_en = f"{name} [[criteria]] thứ {number}", f"{name} [[criteria]] number {number}"
        code = _text(table.get("code"), f"{where_vi} code", f"{where_en} code")
        if code in criteria:
            raise FileProblem(f"{where_vi}: mã {code} bị trùng", f"{where_en}: code {code} is repeated")
        general = table.get("general_item")
        criteria[code] = Node(
            code=code,
            name=str(table.get("name", "")),
            items=_strings(table.get("items"), f"{where_vi} items", f"{where_en} items"),
            general_item=_text(general, f"{where_vi} general_item", f"{where_en} general_item")
            if general
            else None,
        )
    nodes: list[Node] = []
    placed: set[str] = set()
    for number, table in enumerate(data.get("pillars", []), start=1):
        where_vi, where_en = f"{name} [[pillars]] thứ {number}", f"{name} [[pillars]] number {number}"
        code = _text(table.get("code"), f"{where_vi} code", f"{where_en} code")
        members = _strings(table.get("criteria"), f"{where_vi} criteria", f"{where_en} criteria")
        unknown = [member for member in members if member not in criteria]
        if unknown:
            raise FileProblem(
                f"{where_vi}: không có tiêu chí {', '.join(unknown)}",
                f"{where_en}: no criteria {', '.join(unknown)}",
            )
        placed.update(members)
        general = table.get("general_item")
        nodes.append(
            Node(
                code=code,
                name=str(table.get("name", "")),
                children=tuple(criteria[member] for member in members),
                general_item=str(general) if general else None,
                level="pillar",
            )
        )
    nodes.extend(node for code, node in criteria.items() if code not in placed)
    overall = index.get("overall_item")
    try:
        method = Method(
            valid=valid,
            satisfied=satisfied,
            nodes=tuple(nodes),
            aggregation=aggregation,
            overall_item=str(overall) if overall else None,
            name=name,
        )
    except DesignError as error:
        raise FileProblem(f"{name}: {error}", f"{name}: {error}") from None
    return method, columns


def read_columns(path: str | Path, needed: Iterable[str]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The named columns of a CSV file (UTF-8, with or without BOM; comma, semicolon or tab), and
    the file line of each data row (blank lines are skipped), for messages."""
    name = Path(path).name
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise FileProblem(f"Không tìm thấy tệp {name}", f"File {name} not found") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise FileProblem(
            f"{name}, dòng {line}: tệp không phải UTF-8 (hãy lưu lại dưới dạng CSV UTF-8)",
            f"{name}, row {line}: the file is not UTF-8 (save it again as CSV UTF-8)",
        ) from None
    if not text.strip():
        raise FileProblem(f"{name}: tệp rỗng", f"{name}: the file is empty")
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [cell.strip() for cell in next(reader)]
    wanted = list(dict.fromkeys(needed))
    missing = [column for column in wanted if column not in header]
    if missing:
        raise FileProblem(
            f"{name}, dòng 1: thiếu cột {', '.join(missing)}",
            f"{name}, row 1: missing columns {', '.join(missing)}",
        )
    positions = [header.index(column) for column in wanted]
    values: list[list[str]] = [[] for _ in wanted]
    lines: list[int] = []
    width = len(header)
    for line, row in enumerate(reader, start=2):
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        lines.append(line)
        if len(row) < width:
            row = row + [""] * (width - len(row))
        for target, position in zip(values, positions, strict=True):
            target.append(row[position].strip())
    if not values or not values[0]:
        raise FileProblem(f"{name}: không có dòng dữ liệu nào", f"{name}: there are no data rows")
    columns = {
        column: np.array(column_values, dtype=object)
        for column, column_values in zip(wanted, values, strict=True)
    }
    return columns, np.array(lines)


def _numbers(values: np.ndarray, column: str, file_name: str, lines: np.ndarray) -> np.ndarray:
    out = np.empty(len(values))
    for index, value in enumerate(values):
        try:
            number = float(str(value).replace(",", "."))
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise FileProblem(
                f"{file_name}, dòng {lines[index]}, cột {column}: “{value}” không phải là số",
                f"{file_name}, row {lines[index]}, column {column}: “{value}” is not a number",
            )
        out[index] = number
    return out


def design_from_columns(
    data: dict[str, np.ndarray], columns: DesignColumns, file_name: str, lines: np.ndarray
) -> Design:
    n = len(lines)
    weights = _numbers(data[columns.weight], columns.weight, file_name, lines) if columns.weight else None
    fpc = _numbers(data[columns.fpc], columns.fpc, file_name, lines) if columns.fpc else None
    if weights is not None and np.any(weights < 0):
        row = lines[int(np.flatnonzero(weights < 0)[0])]
        raise FileProblem(
            f"{file_name}, dòng {row}, cột {columns.weight}: trọng số âm",
            f"{file_name}, row {row}, column {columns.weight}: a negative weight",
        )
    try:
        return Design.build(
            n=n,
            weights=weights,
            strata=data[columns.strata] if columns.strata else None,
            clusters=data[columns.cluster] if columns.cluster else None,
            fpc=fpc,
            lonely_psu=columns.lonely_psu,
        )
    except DesignError as error:
        raise FileProblem(f"{file_name}: {error}", f"{file_name}: {error}") from None


def _number(value) -> float | None:
    value = float(value)
    return None if math.isnan(value) else value


def figure(result: IndexEstimates, domain: int, column: int, low: np.ndarray, high: np.ndarray) -> dict:
    figures = result.figures
    return {
        "estimate": _number(figures.estimate[domain, column]),
        "se": _number(figures.se[domain, column]),
        "ci_low": _number(low[domain, column]),
        "ci_high": _number(high[domain, column]),
        "n": int(figures.n[domain, column]),
        "unweighted": _number(figures.unweighted[domain, column]),
    }


def figures_by_label(result: IndexEstimates, domain: int, low, high, *, with_items: bool) -> dict:
    out: dict = {"overall": figure(result, domain, result.column("overall"), low, high), "criteria": {}}
    pillars: dict = {}
    levels = {node.code: node.level for node in result.method.all_nodes()}
    for column, (kind, key) in enumerate(result.labels):
        if kind == "node":
            (pillars if levels[key] == "pillar" else out["criteria"])[key] = figure(
                result, domain, column, low, high
            )
    if pillars:
        out["pillars"] = pillars
    if with_items:
        out["items"] = {
            key: figure(result, domain, column, low, high)
            for column, (kind, key) in enumerate(result.labels)
            if kind == "item"
        }
    return out


def estimate_files(
    data_path: str | Path,
    method_path: str | Path,
    *,
    by: Iterable[str] = (),
    ci: str = "normal",
    level: float = 0.95,
) -> dict:
    """Everything ``hailong estimate`` writes: ``overall``, ``criteria``, ``items`` and ``by``."""
    method, columns = read_method(method_path)
    by = list(by)
    file_name = Path(data_path).name
    data, lines = read_columns(data_path, [*columns.columns(), *method.items(), *by])
    design = design_from_columns(data, columns, file_name, lines)
    answers = {item: data[item] for item in method.items()}
    whole = estimate_index(design, answers, method)
    low, high = whole.figures.interval(level=level, method=ci, proportion=True)
    out = {
        "method": {
            "file": Path(method_path).name,
            "aggregation": method.aggregation,
            "valid": list(method.valid),
            "satisfied": list(method.satisfied),
            "design": {key: value for key, value in vars(columns).items() if value},
            "ci": ci,
            "level": level,
            "degrees_of_freedom": design.degrees_of_freedom,
        },
        "rows": design.n,
        **figures_by_label(whole, 0, low, high, with_items=True),
        "by": {},
    }
    for column in by:
        labels, codes = np.unique(data[column].astype(str), return_inverse=True)
        result = estimate_index(design, answers, method, domains=codes, n_domains=len(labels))
        low, high = result.figures.interval(level=level, method=ci, proportion=True)
        out["by"][column] = {
            str(label): figures_by_label(result, index, low, high, with_items=False)
            for index, label in enumerate(labels)
        }
    return out
