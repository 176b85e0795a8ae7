"""Chart specifications (Vega-Lite, plain dicts) built from a run's frozen figures.

One spec per chart serves both outputs: the browser draws it interactively with vega-embed (the
bundle comes from the installed ``vl-convert-python`` wheel, see ``reports.views.vega_bundle``), and
PDF reports embed the same spec rendered to SVG on the server (``to_svg``). Figures stay proportions
(0–1) in the data, so a chart's data values are exactly the stored ``EstimateValue`` numbers; the axes
and tooltips format them as percentages in the reader's language (Vietnamese: ``85,15%``, through a
d3-format locale with a decimal comma).

Every builder takes plain rows (dicts) and returns a dict; labels are already translated by the
caller. Each chart on a page also has its data as an HTML table (``rows`` of the spec), so the
chart is never the only way to read the numbers.
"""

from __future__ import annotations

import json
from functools import lru_cache

from django.utils.translation import gettext as _

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
WIDTH = 560
BAR_STEP = 20

# d3-format locales: Vietnamese writes a decimal comma and a dot between thousands (85,15%; 1.234).
FORMAT_LOCALES: dict[str, dict] = {
    "vi": {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["", " ₫"], "percent": "%"},
    "en": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["", ""], "percent": "%"},
}

# Colours: a gap flag is also written in words in the tooltip and the table (colour is never the
# only signal). Index colours run from red (low) through yellow to green (high).
FLAG_COLOURS = {"above": "#1a7f37", "below": "#b3261e", "ns": "#7a8591", "": "#7a8591"}
INDEX_SCHEME = "redyellowgreen"

CONFIG = {
    "font": "DejaVu Sans, Arial, sans-serif",
    "axis": {"labelFontSize": 11, "titleFontSize": 12, "labelLimit": 260},
    "legend": {"labelFontSize": 11, "titleFontSize": 12, "orient": "bottom"},
    "title": {"fontSize": 14, "anchor": "start"},
    "view": {"stroke": None},
}


def format_locale(language: str) -> dict:
    return FORMAT_LOCALES.get(language, FORMAT_LOCALES["en"])


def _base(title: str, rows: list[dict], **extra) -> dict:
    return {
        "$schema": SCHEMA,
        "title": title,
        "width": WIDTH,
        "config": CONFIG,
        "data": {"values": rows},
        **extra,
    }


def _percent_axis(title: str, domain: tuple[float, float] | None = (0.0, 1.0)) -> dict:
    encoding = {"type": "quantitative", "title": title, "axis": {"format": ".0%"}}
    if domain is not None:
        # An interval past 0% or 100% (a normal interval near the edge) is drawn up to the edge.
        encoding["scale"] = {"domain": list(domain), "zero": True, "clamp": True}
    return encoding


def _tooltip(fields: list[tuple[str, str, str | None]]) -> list[dict]:
    tips = []
    for name, title, fmt in fields:
        tip = {"field": name, "title": title}
        if fmt:
            tip.update(type="quantitative", format=fmt)
        tips.append(tip)
    return tips


def interval_bars(
    rows: list[dict],
    *,
    title: str,
    axis_title: str | None = None,
    average: float | None = None,
    average_label: str | None = None,
    colour_by_flag: bool = False,
) -> dict:
    """Horizontal bars with their confidence intervals drawn as error bars, in the order of the rows.

    ``rows``: ``label``, ``estimate``, ``ci_low``, ``ci_high`` (proportions), optional ``flag``
    (above / below / ns) and ``flag_label``, ``n``. ``average``: a vertical rule (the campaign's
    figure) to read each bar against."""
    data = [{**row, "order": i} for i, row in enumerate(rows)]
    # An explicit order: Vega-Lite drops a sort by field when it merges the layers' domains.
    y = {"field": "label", "type": "nominal", "title": None, "sort": [row["label"] for row in rows]}
    x = _percent_axis(axis_title or _("Index"))
    tooltip = _tooltip(
        [
            ("label", _("Name"), None),
            ("estimate", _("Index"), ".2%"),
            ("ci_low", _("Lower bound"), ".2%"),
            ("ci_high", _("Upper bound"), ".2%"),
        ]
    )
    if colour_by_flag:
        tooltip.append({"field": "flag_label", "title": _("Against the average")})
    bar: dict = {
        "mark": {"type": "bar", "height": {"band": 0.7}},
        "encoding": {"y": y, "x": {**x, "field": "estimate"}, "tooltip": tooltip},
    }
    if colour_by_flag:
        labels = {row.get("flag", ""): row.get("flag_label", "") for row in rows}
        domain = [labels[f] for f in ("above", "ns", "below", "") if f in labels]
        bar["encoding"]["color"] = {
            "field": "flag_label",
            "type": "nominal",
            "title": _("Against the average"),
            "scale": {
                "domain": domain,
                "range": [FLAG_COLOURS[f] for f in ("above", "ns", "below", "") if f in labels],
            },
        }
    else:
        bar["mark"]["color"] = "#3b6ea8"
    layers = [
        bar,
        {
            "mark": {"type": "rule", "color": "#1f2328", "strokeWidth": 1.5},
            "encoding": {"y": y, "x": {**x, "field": "ci_low"}, "x2": {"field": "ci_high"}},
        },
        {
            "mark": {"type": "tick", "color": "#1f2328", "thickness": 1.5, "size": 10},
            "encoding": {"y": y, "x": {**x, "field": "ci_low"}},
        },
        {
            "mark": {"type": "tick", "color": "#1f2328", "thickness": 1.5, "size": 10},
            "encoding": {"y": y, "x": {**x, "field": "ci_high"}},
        },
    ]
    if average is not None:
        layers.append(
            {
                "data": {"values": [{"average": average, "label": average_label or _("Average")}]},
                "mark": {"type": "rule", "color": "#a3141e", "strokeDash": [6, 4], "strokeWidth": 2},
                "encoding": {
                    "x": {**x, "field": "average"},
                    "tooltip": _tooltip([("label", _("Name"), None), ("average", _("Index"), ".2%")]),
                },
            }
        )
    return _base(title, data, height={"step": BAR_STEP}, layer=layers)


def histogram_bins(estimates: list[float], step: float = 0.05) -> list[dict]:
    """Counts of units per bin of ``step`` (5 points) from 0 to 100%; 100% falls in the last bin."""
    count = round(1 / step)
    counts = [0] * count
    for value in estimates:
        counts[min(count - 1, max(0, int(value / step + 1e-9)))] += 1
    return [
        {"bin_start": round(i * step, 6), "bin_end": round((i + 1) * step, 6), "count": n}
        for i, n in enumerate(counts)
    ]


def distribution(bins: list[dict], *, title: str) -> dict:
    """A histogram of units' indices, binned on the server (``histogram_bins``): the spec carries 20
    counts, not one value per unit."""
    return _base(
        title,
        bins,
        height=220,
        mark={"type": "bar", "color": "#3b6ea8"},
        encoding={
            "x": {
                "field": "bin_start",
                "bin": {"binned": True, "step": 0.05},
                "type": "quantitative",
                "title": _("Index"),
                "axis": {"format": ".0%"},
                "scale": {"domain": [0, 1]},
            },
            "x2": {"field": "bin_end"},
            "y": {"field": "count", "type": "quantitative", "title": _("Number of units")},
            "tooltip": _tooltip(
                [
                    ("bin_start", _("From"), ".0%"),
                    ("bin_end", _("To"), ".0%"),
                    ("count", _("Number of units"), None),
                ]
            ),
        },
    )


def trend(rows: list[dict], *, title: str) -> dict:
    """The index year by year (``rows``: ``year``, ``series``, ``estimate``, ``ci_low``, ``ci_high``),
    a line per series with each year's interval."""
    x = {"field": "year", "type": "ordinal", "title": _("Year"), "axis": {"labelAngle": 0}}
    y = _percent_axis(_("Index"), None)
    y["scale"] = {"zero": False}
    colour = {"field": "series", "type": "nominal", "title": None}
    tooltip = _tooltip(
        [
            ("series", _("Name"), None),
            ("year", _("Year"), None),
            ("estimate", _("Index"), ".2%"),
            ("ci_low", _("Lower bound"), ".2%"),
            ("ci_high", _("Upper bound"), ".2%"),
        ]
    )
    return _base(
        title,
        rows,
        height=220,
        layer=[
            {
                "mark": {"type": "line", "point": True},
                "encoding": {"x": x, "y": {**y, "field": "estimate"}, "color": colour, "tooltip": tooltip},
            },
            {
                "mark": {"type": "rule", "strokeWidth": 1.5},
                "encoding": {
                    "x": x,
                    "y": {**y, "field": "ci_low"},
                    "y2": {"field": "ci_high"},
                    "color": colour,
                },
            },
        ],
    )


def heatmap(rows: list[dict], *, title: str, units: list[str], criteria: list[str]) -> dict:
    """Units × criteria, each cell coloured by the unit's index on the criterion (``rows``: ``unit``,
    ``criterion``, ``estimate``), with the value written in the cell."""
    x = {
        "field": "criterion",
        "type": "nominal",
        "title": None,
        "sort": criteria,
        "axis": {"labelAngle": -30},
    }
    y = {"field": "unit", "type": "nominal", "title": None, "sort": units}
    return _base(
        title,
        rows,
        height={"step": BAR_STEP},
        width={"step": 64},
        layer=[
            {
                "mark": {"type": "rect"},
                "encoding": {
                    "x": x,
                    "y": y,
                    "color": {
                        "field": "estimate",
                        "type": "quantitative",
                        "title": _("Index"),
                        "scale": {"scheme": INDEX_SCHEME},
                        "legend": {"format": ".0%"},
                    },
                    "tooltip": _tooltip(
                        [
                            ("unit", _("Unit"), None),
                            ("criterion", _("Criterion"), None),
                            ("estimate", _("Index"), ".2%"),
                        ]
                    ),
                },
            },
            {
                "mark": {"type": "text", "fontSize": 10},
                "encoding": {
                    "x": x,
                    "y": y,
                    "text": {"field": "estimate", "type": "quantitative", "format": ".0%"},
                    "color": {"value": "#1f2328"},
                },
            },
        ],
    )


def drivers(rows: list[dict], *, title: str) -> dict:
    """Criteria by their correlation with overall satisfaction (``rows``: ``label``, ``estimate``),
    strongest first."""
    data = [{**row, "order": i} for i, row in enumerate(rows)]
    return _base(
        title,
        data,
        height={"step": BAR_STEP},
        mark={"type": "bar", "color": "#6b4fa3", "height": {"band": 0.7}},
        encoding={
            "y": {"field": "label", "type": "nominal", "title": None, "sort": [row["label"] for row in rows]},
            "x": {
                "field": "estimate",
                "type": "quantitative",
                "title": _("Correlation with overall satisfaction"),
                "axis": {"format": ".2f"},
                "scale": {"domain": [-1, 1] if any((r.get("estimate") or 0) < 0 for r in rows) else [0, 1]},
            },
            "tooltip": _tooltip([("label", _("Name"), None), ("estimate", _("Correlation"), ".2f")]),
        },
    )


@lru_cache(maxsize=1)
def _vl_convert():
    import vl_convert

    return vl_convert


def to_svg(spec: dict, *, language: str = "vi") -> str:
    """The chart as an SVG document (text stays text, so Vietnamese diacritics come out exact)."""
    return _vl_convert().vegalite_to_svg(spec, format_locale=format_locale(language))


def spec_values(spec: dict) -> list[dict]:
    """The data rows of a spec (what the chart draws), for tests and the data-table fallback."""
    return list(spec.get("data", {}).get("values", []))


def dumps(spec: dict) -> str:
    return json.dumps(spec, ensure_ascii=False, separators=(",", ":"))
