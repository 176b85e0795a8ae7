"""A bar chart of daily counts drawn on the server as SVG geometry (no chart library, no script).

The template draws the bars, the axes and their labels from this; a table of the same numbers is
always given next to it for screen readers and for reading exact values.
"""

import math
from dataclasses import dataclass
from datetime import date

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 40
MAX_X_LABELS = 8
MAX_BAR = 36  # a few days must not look like a wall


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    day: date
    value: int


@dataclass(frozen=True)
class Tick:
    y: float
    value: int


@dataclass(frozen=True)
class XLabel:
    x: float
    day: date


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    left: int
    top: int
    plot_width: float
    plot_height: float
    bottom_y: float
    bars: list[Bar]
    ticks: list[Tick]
    labels: list[XLabel]
    total: int
    first: date
    last: date


def _step(maximum: int) -> int:
    """A round tick step (1, 2, 5 × 10ⁿ) giving at most 5 intervals."""
    if maximum <= 5:
        return 1
    magnitude = 10 ** int(math.floor(math.log10(maximum / 5)))
    for factor in (1, 2, 5, 10):
        if maximum / (factor * magnitude) <= 5:
            return factor * magnitude
    return 10 * magnitude


def bar_chart(days: list[tuple[date, int]], *, width: int = WIDTH, height: int = HEIGHT) -> BarChart | None:
    if not days:
        return None
    plot_width, plot_height = width - LEFT - RIGHT, height - TOP - BOTTOM
    peak = max(value for _day, value in days)
    step = _step(max(peak, 1))
    top_value = max(step, math.ceil(max(peak, 1) / step) * step)
    bottom_y = TOP + plot_height
    slot = plot_width / len(days)
    gap = max(min(2.0, slot * 0.2), slot - MAX_BAR)
    bars = []
    for index, (day, value) in enumerate(days):
        bar_height = plot_height * value / top_value
        bars.append(
            Bar(
                x=round(LEFT + index * slot + gap / 2, 2),
                y=round(bottom_y - bar_height, 2),
                width=round(max(slot - gap, 0.5), 2),
                height=round(bar_height, 2),
                day=day,
                value=value,
            )
        )
    ticks = [
        Tick(y=round(bottom_y - plot_height * v / top_value, 2), value=v)
        for v in range(0, top_value + 1, step)
    ]
    every = max(1, math.ceil(len(days) / MAX_X_LABELS))
    labels = [
        XLabel(x=round(LEFT + (i + 0.5) * slot, 2), day=day)
        for i, (day, _v) in enumerate(days)
        if i % every == 0
    ]
    return BarChart(
        width=width,
        height=height,
        left=LEFT,
        top=TOP,
        plot_width=plot_width,
        plot_height=plot_height,
        bottom_y=bottom_y,
        bars=bars,
        ticks=ticks,
        labels=labels,
        total=sum(value for _day, value in days),
        first=days[0][0],
        last=days[-1][0],
    )
