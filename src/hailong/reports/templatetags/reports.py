from django import template
from django.urls import reverse
from django.utils.html import format_html

from hailong.reports import charts

register = template.Library()


@register.simple_tag
def vega_script():
    """The script tags that draw the page's charts: the Vega bundle (from the installed wheel) and
    ours, which embeds every ``figure[data-chart]`` with the reader's number format."""
    from django.templatetags.static import static

    from hailong.reports.views import bundle_version

    return format_html(
        '<script src="{}" defer></script><script src="{}" defer></script>',
        reverse("reports:vega", args=[bundle_version()]),
        static("reports/charts.js"),
    )


@register.filter
def pct100(value):
    """A proportion as a number of percent (for CSS widths), or 0."""
    return 0 if value is None else round(value * 100, 2)


def _p(value) -> str:
    from hailong.core.formatting import format_percent

    return format_percent(None if value is None else value * 100, 2)


def _interval(row) -> str:
    if row.get("ci_low") is None:
        return "–"
    return f"{_p(row['ci_low'])}–{_p(row['ci_high'])}"


@register.inclusion_tag("reports/_chart.html")
def chart(name, spec, kind="bars"):
    """A chart (its Vega-Lite spec, drawn by the browser) with its numbers as a table beside it —
    the table is made from the spec's own data, so the two always agree."""
    from django.utils.translation import gettext as _

    from hailong.core.formatting import format_number

    rows = charts.spec_values(spec) if spec else []
    if kind == "trend":
        headers = [_("Series"), _("Year"), _("Index"), _("Confidence interval"), _("Respondents")]
        table = [
            [r["series"], r["year"], _p(r["estimate"]), _interval(r), format_number(r.get("n"))] for r in rows
        ]
    elif kind == "heatmap":
        headers = [_("Unit"), _("Criterion"), _("Index")]
        table = [[r["unit"], r["criterion"], _p(r["estimate"])] for r in rows]
    elif kind == "distribution":
        headers = [_("Index"), _("Number of units")]
        table = [[f"{_p(r['bin_start'])}–{_p(r['bin_end'])}", format_number(r["count"])] for r in rows]
    elif kind == "drivers":
        headers = [_("Criterion"), _("Correlation with overall satisfaction")]
        table = [[r["label"], format_number(r["estimate"], 2)] for r in rows]
    else:
        flags = any("flag_label" in r for r in rows)
        headers = [_("Name"), _("Index"), _("Confidence interval")]
        headers += [_("Against the average")] if flags else []
        headers += [_("Respondents")]
        table = [
            [r["label"], _p(r["estimate"]), _interval(r)]
            + ([r.get("flag_label", "")] if flags else [])
            + [format_number(r.get("n"))]
            for r in rows
        ]
    return {
        "name": name,
        "spec": spec,
        "spec_id": f"spec-{name}",
        "title": (spec or {}).get("title", ""),
        "headers": headers,
        "rows": table,
    }
