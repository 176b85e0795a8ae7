"""The files made from a frozen run: the XLSX workbook officials expect, PDF reports (a campaign's and
a unit's, with the charts as SVG and a methodology appendix), and all figures as CSV / JSON.

Builders write to a path and report progress through a callback (0–100); ``reports.services`` runs
them for an ``ExportJob`` in the background. Numbers in the workbook are the stored proportions with
the number format ``0.00%`` (Excel shows 85,15% on a Vietnamese system), so a cell's value equals the
run's figure exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from hailong.core.texts import text_in
from hailong.indices.choices import DomainKind, FigureKind
from hailong.indices.models import EstimateValue, EstimationRun
from hailong.reports import charts
from hailong.reports.choices import EXPORT_FORMATS, ExportKind
from hailong.units.models import Unit

Progress = Callable[[int], None]
PERCENT = "0.00%"


def export_dir() -> Path:
    """Where export files live: ``HAILONG_EXPORTS_DIR`` or ``<data dir>/exports`` (never served
    directly: only the permission-checked download view reads them)."""
    path = Path(getattr(settings, "HAILONG_EXPORTS_DIR", None) or Path(settings.DATA_DIR) / "exports")
    path.mkdir(parents=True, exist_ok=True)
    return path


def export_filename(run: EstimationRun, unit: Unit | None, kind: str) -> str:
    extension = EXPORT_FORMATS[kind][0]
    base = slugify(unit.name if unit else run.campaign.code) or "bao-cao"
    return f"hailong-{base}-run{run.pk}.{extension}"


def _noop(percent: int) -> None:
    return None


# ---------------------------------------------------------------------------------------------------
# XLSX


def _sheet_title(text: str, used: set[str]) -> str:
    """Excel sheet names: at most 31 characters, none of ``[]:*?/\\``, unique."""
    clean = "".join(" " if ch in "[]:*?/\\" else ch for ch in text).strip()[:31] or "Sheet"
    title, n = clean, 2
    while title in used:
        suffix = f" ({n})"
        title = clean[: 31 - len(suffix)] + suffix
        n += 1
    used.add(title)
    return title


def _header(ws, names: list[str]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    ws.append(names)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE5F0")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = f"C{ws.max_row + 1}"


def _append(ws, values: list, percent_columns: set[int]) -> None:
    ws.append(values)
    row = ws.max_row
    for column in percent_columns:
        cell = ws.cell(row=row, column=column)
        if cell.value is not None:
            cell.number_format = PERCENT


def _widths(ws, widths: list[int]) -> None:
    from openpyxl.utils import get_column_letter

    for i, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = width


def xlsx_build(run: EstimationRun, path: Path, *, language: str = "vi", progress: Progress = _noop) -> None:
    """One sheet per level: the whole campaign (every criterion and question), the unit types, then
    one sheet per ranking group of units (departments, communes…) with ranks, intervals, groups,
    flags and each top-level criterion; an information sheet first."""
    from openpyxl import Workbook

    from hailong.reports.selectors import (
        flag_label,
        labels_of,
        node_levels,
        run_groups,
        unit_rows,
    )

    with translation.override(language):
        labels = labels_of(run)
        wb = Workbook()
        used: set[str] = set()
        info = wb.active
        info.title = _sheet_title(_("Information"), used)
        level = run.parameters.get("level", 0.95)
        campaign = run.campaign
        for key, value in [
            (_("Campaign"), text_in(campaign.name, language)),
            (_("Campaign code"), campaign.code),
            (_("Year"), campaign.year),
            (_("Organising unit"), campaign.organiser.name),
            (_("Estimation run"), run.pk),
            (_("Official"), _("yes") if run.official else _("no, recomputed on today's units")),
            (
                _("Finished"),
                timezone.localtime(run.finished_at).strftime("%d/%m/%Y %H:%M") if run.finished_at else "",
            ),
            (_("Responses counted"), run.n_responses),
            (_("Units estimated"), run.n_units),
            (_("Confidence level"), level),
            (_("Inputs fingerprint"), run.inputs_fingerprint),
            (
                _("Note"),
                _(
                    "Indices are shares of satisfied answers (4–5 on the 5-point scale); percentages are rounded for display only."
                ),
            ),
        ]:
            info.append([key, value])
        info.cell(row=10, column=2).number_format = "0%"
        _widths(info, [28, 90])
        progress(10)

        # The whole campaign: every figure.
        whole = list(
            EstimateValue.objects.filter(run=run, domain=DomainKind.OVERALL)
            .exclude(kind=FigureKind.DRIVER)
            .order_by("kind", "order", "code")
        )
        ws = wb.create_sheet(_sheet_title(_("Whole campaign"), used))
        _header(
            ws,
            [
                _("Kind"),
                _("Code"),
                _("Name"),
                _("Index"),
                _("Lower bound"),
                _("Upper bound"),
                _("Standard error"),
                _("Respondents"),
            ],
        )
        kind_names = {
            FigureKind.OVERALL: _("Overall index"),
            FigureKind.NODE: _("Criterion"),
            FigureKind.ITEM: _("Question"),
        }
        for v in sorted(whole, key=lambda v: ({"overall": 0, "node": 1, "item": 2}[v.kind], v.order, v.code)):
            name = (
                _("Overall satisfaction index")
                if v.kind == FigureKind.OVERALL
                else labels.get((v.kind, v.code), "")
            )
            _append(
                ws,
                [str(kind_names[v.kind]), v.code, name, v.estimate, v.ci_low, v.ci_high, v.se, v.n],
                {4, 5, 6, 7},
            )
        _widths(ws, [16, 12, 70, 11, 11, 11, 11, 12])
        progress(20)

        # Unit types (ranking groups) as a whole.
        rows = unit_rows(run)
        groups = run_groups(rows)
        types = {
            v.unit_type: v
            for v in EstimateValue.objects.filter(
                run=run, domain=DomainKind.UNIT_TYPE, kind=FigureKind.OVERALL
            )
        }
        ws = wb.create_sheet(_sheet_title(_("Unit types"), used))
        _header(
            ws,
            [
                _("Ranking group"),
                _("Units"),
                _("Index"),
                _("Lower bound"),
                _("Upper bound"),
                _("Respondents"),
            ],
        )
        for group, label, count in groups:
            v = types.get(group)
            _append(
                ws,
                [
                    label,
                    count,
                    v.estimate if v else None,
                    v.ci_low if v else None,
                    v.ci_high if v else None,
                    v.n if v else 0,
                ],
                {3, 4, 5},
            )
        _widths(ws, [44, 10, 11, 11, 11, 12])
        progress(30)

        # One sheet per ranking group.
        elements, _nodes = node_levels(
            [
                {"kind": v.kind, "code": v.code, "measure": v.measure}
                for v in whole
                if v.kind == FigureKind.NODE
            ]
        )
        codes = [e["code"] for e in elements]
        cells: dict[tuple[int, str], float | None] = {
            (u, c): e
            for u, c, e in EstimateValue.objects.filter(
                run=run, domain=DomainKind.UNIT, kind=FigureKind.NODE, code__in=codes
            ).values_list("unit_id", "code", "estimate")
        }
        progress(50)
        for number, (group, label, _count) in enumerate(groups):
            ws = wb.create_sheet(_sheet_title(label, used))
            fixed = [
                _("Rank"),
                _("Unit code"),
                _("Unit"),
                _("Index"),
                _("Lower bound"),
                _("Upper bound"),
                _("Group (not significantly different)"),
                _("Difference from the average (points)"),
                _("Against the average"),
                _("Respondents"),
            ]
            _header(ws, fixed + [f"{c} {labels.get((FigureKind.NODE, c), '')}".strip() for c in codes])
            percent = {4, 5, 6, *range(len(fixed) + 1, len(fixed) + len(codes) + 1)}
            for r in (r for r in rows if r.group == group):
                letters = " ".join(chr(96 + g) if 1 <= g <= 26 else str(g) for g in r.groups)
                _append(
                    ws,
                    [
                        r.rank,
                        r.code,
                        r.name,
                        r.estimate,
                        r.ci_low,
                        r.ci_high,
                        letters,
                        None if r.gap is None else round(r.gap * 100, 2),
                        flag_label(r.gap_flag) if r.gap_flag else "",
                        r.n,
                        *[cells.get((r.unit_id, c)) for c in codes],
                    ],
                    percent,
                )
            _widths(ws, [7, 12, 40, 11, 11, 11, 14, 14, 24, 12] + [14] * len(codes))
            progress(50 + 45 * (number + 1) // max(len(groups), 1))
        wb.save(path)
    progress(100)


# ---------------------------------------------------------------------------------------------------
# PDF


def _svg(spec: dict, language: str) -> str:
    svg = charts.to_svg(spec, language=language)
    # Drawn at the page's width, whatever the chart's own size.
    return svg.replace("<svg ", '<svg style="max-width:100%;height:auto" ', 1)


def pdf_campaign_build(
    run: EstimationRun, path: Path, *, language: str = "vi", progress: Progress = _noop
) -> None:
    import weasyprint

    from hailong.reports.selectors import dashboard

    with translation.override(language):
        boards = []
        first = dashboard(run)
        for number, (group, _label, _n) in enumerate(first.groups):
            boards.append(first if group == first.group else dashboard(run, group=group))
            progress(5 + 40 * (number + 1) // max(len(first.groups), 1))
        sections = [
            {
                "board": board,
                "ranking_svg": _svg(board.charts["ranking"], language),
                "distribution_svg": _svg(board.charts["distribution"], language),
                "heatmap_svg": _svg(board.charts["heatmap"], language) if "heatmap" in board.charts else "",
            }
            for board in boards
        ]
        progress(55)
        html = render_to_string(
            "reports/pdf_campaign.html",
            {
                "run": run,
                "campaign": run.campaign,
                "board": first,
                "sections": sections,
                "criteria_svg": _svg(first.charts["criteria"], language),
                "trend_svg": _svg(first.charts["trend"], language),
                "generated": timezone.localtime(),
            },
        )
        progress(65)
        weasyprint.HTML(string=html).write_pdf(path)
    progress(100)


def pdf_unit_build(
    run: EstimationRun, unit: Unit, path: Path, *, language: str = "vi", progress: Progress = _noop
) -> None:
    import weasyprint

    from hailong.reports.selectors import scorecard

    with translation.override(language):
        card = scorecard(run, unit)
        progress(30)
        html = render_to_string(
            "reports/pdf_unit.html",
            {
                "run": run,
                "campaign": run.campaign,
                "card": card,
                "unit": unit,
                "svgs": {name: _svg(spec, language) for name, spec in card.charts.items()},
                "generated": timezone.localtime(),
            },
        )
        progress(60)
        weasyprint.HTML(string=html).write_pdf(path)
    progress(100)


# ---------------------------------------------------------------------------------------------------
# CSV / JSON: every figure of the run, nothing suppressed (staff only)


def data_build(
    run: EstimationRun, path: Path, *, kind: str, language: str = "vi", progress: Progress = _noop
) -> None:
    from hailong.indices import opendata

    with path.open("w", encoding="utf-8", newline="") as handle:
        if kind == ExportKind.CSV:
            opendata.write_csv(run, handle, min_respondents=0, language=language, bom=True)
        else:
            opendata.write_json(run, handle, min_respondents=0, language=language)
    progress(100)


def build(job, path: Path, progress: Progress = _noop) -> None:
    """Make the file of ``job`` (an ``ExportJob``) at ``path``."""
    if job.kind == ExportKind.XLSX:
        xlsx_build(job.run, path, language=job.language, progress=progress)
    elif job.kind == ExportKind.PDF and job.unit_id:
        pdf_unit_build(job.run, job.unit, path, language=job.language, progress=progress)
    elif job.kind == ExportKind.PDF:
        pdf_campaign_build(job.run, path, language=job.language, progress=progress)
    else:
        data_build(job.run, path, kind=job.kind, language=job.language, progress=progress)
