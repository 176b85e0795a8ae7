"""The cycle's results as XLSX in the official layout: rank, unit, points, index, group, and the
component index (and rank) of each field."""

import io

from django.utils.translation import gettext as _

from hailong.parindex.selectors import cycle_results


def results_xlsx(cycle) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    fields, rows = cycle_results(cycle)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Kết quả"
    sheet.append([cycle.name])
    sheet["A1"].font = Font(bold=True, size=13)
    header = [
        _("Rank"),
        _("Unit"),
        _("Code"),
        _("Total points"),
        _("Index (%)"),
        _("Group"),
        _("Change since last year"),
    ]
    for f in fields:
        header += [f"{f.code}. {f.name} (%)", _("Rank")]
    sheet.append(header)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for r in rows:
        a = r.assessment
        line = [r.rank, a.unit.name, a.unit.code, a.total, a.index, a.group, r.change]
        for f in fields:
            line += [a.fields.get(f.code), r.field_ranks.get(f.code)]
        sheet.append(line)
    sheet.column_dimensions["B"].width = 40
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
