"""PAR INDEX score arithmetic: pure functions, no Django, no database.

Rules (docs/parindex.md):

- a sub-criterion's points come from its scoring method and the value entered for it, and never
  leave ``[0, max]``; penalties (điểm trừ) are deducted after, and never take it below 0;
- a criterion or field gets the sum of its children, capped at its own maximum;
- the index is total points / total maximum × 100; when the survey points are absent (a local
  index without a survey, or the survey not yet in), the survey sub-criteria are left out of both
  and the index is rescaled to 100 (the Hanoi district-level rule, domain.md §2.3);
- groups are bands on the index (A ≥ 90, B 80–<90, C 70–<80, D below; configurable per set);
- ranks are competition ranks (ties share a rank, the next rank is skipped).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

YES_NO = "yes_no"
LEVELS = "levels"
PROPORTION = "proportion"
FORMULA = "formula"
MANUAL = "manual"
SURVEY = "survey"
METHODS = (YES_NO, LEVELS, PROPORTION, FORMULA, MANUAL, SURVEY)

DEFAULT_BANDS: tuple[tuple[str, float], ...] = (("A", 90.0), ("B", 80.0), ("C", 70.0))
BELOW_BANDS = "D"


class ScoringError(ValueError):
    pass


def _round(x: float) -> float:
    return round(x + 0.0, 2)


def clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def threshold_fraction(value: float, thresholds: Sequence[Sequence[float]]) -> float:
    """The fraction of the highest threshold ``value`` reaches: ``[[50, 0.5], [80, 1]]`` gives 0.5
    at 60 and 1 at 80; below every threshold, 0."""
    fraction = 0.0
    for minimum, share in sorted((float(m), float(s)) for m, s in thresholds):
        if value >= minimum:
            fraction = share
    return clamp(fraction, 0.0, 1.0)


def survey_points(index: float | None, max_points: float, rule: Mapping | None = None) -> float | None:
    """Points of a survey-scored sub-criterion from a survey index (0–100).

    Rule ``{"kind": "linear"}`` (the default): ``max × index / 100``. Rule
    ``{"kind": "thresholds", "thresholds": [[min_index, fraction], ...]}``: ``max × fraction``.
    No survey index → ``None`` (absent: the index is rescaled without it)."""
    if index is None:
        return None
    rule = rule or {"kind": "linear"}
    index = clamp(float(index), 0.0, 100.0)
    if rule.get("kind", "linear") == "thresholds":
        return _round(max_points * threshold_fraction(index, rule.get("thresholds", [])))
    return _round(max_points * index / 100.0)


def leaf_points(
    method: str,
    max_points: float,
    value: float | None,
    config: Mapping | None = None,
    *,
    deductions: Iterable[float] = (),
) -> float | None:
    """Points of one sub-criterion from the value entered for it (``None``: not scored yet).

    - ``yes_no``: 1 (yes) → max, 0 → 0;
    - ``levels``: ``config["levels"]`` fractions of the maximum, the value is the level's position (0 first);
    - ``proportion``: the value is a percentage, ``config["thresholds"]`` as in ``threshold_fraction``;
    - ``formula``: ``max × value / config["target"]`` (target 100 by default), capped;
    - ``manual`` and ``survey``: the value is the points themselves, capped.
    """
    if value is None:
        return None
    config = config or {}
    value = float(value)
    if method == YES_NO:
        points = max_points if value >= 1 else 0.0
    elif method == LEVELS:
        levels = [float(x) for x in config.get("levels", [])]
        if not levels:
            raise ScoringError("levels: no levels configured")
        position = int(value)
        if not 0 <= position < len(levels):
            raise ScoringError(f"levels: level {position} is not one of 0..{len(levels) - 1}")
        points = max_points * clamp(levels[position], 0.0, 1.0)
    elif method == PROPORTION:
        points = max_points * threshold_fraction(value, config.get("thresholds", [[100, 1]]))
    elif method == FORMULA:
        target = float(config.get("target", 100))
        if target <= 0:
            raise ScoringError("formula: the target must be positive")
        points = max_points * value / target
    elif method in (MANUAL, SURVEY):
        points = value
    else:
        raise ScoringError(f"unknown scoring method {method!r}")
    points = clamp(points, 0.0, max_points)
    points -= sum(float(d) for d in deductions)
    return _round(max(0.0, points))


@dataclass
class Node:
    code: str
    max_points: float
    method: str = MANUAL
    children: list[Node] = field(default_factory=list)

    @property
    def is_leaf(self) -> bool:
        return not self.children


@dataclass
class Totals:
    points: dict[str, float]  # every node's (capped) points; leaves not scored count 0
    total: float
    max_total: float
    survey_present: bool
    index: float
    fields: dict[str, float]  # top-level node code → component index (%)
    maxima: dict[str, float] = field(default_factory=dict)  # every node's counted maximum


def _leaves(node: Node) -> Iterable[Node]:
    if node.is_leaf:
        yield node
    for child in node.children:
        yield from _leaves(child)


def compute(roots: Sequence[Node], leaf_values: Mapping[str, float | None]) -> Totals:
    """Totals of a criteria tree given each leaf's points (``None`` = not scored / survey absent).

    The survey counts as present when every survey leaf has points; otherwise survey leaves are
    left out of points and maxima alike (rescaling)."""
    survey_leaves = [leaf for root in roots for leaf in _leaves(root) if leaf.method == SURVEY]
    survey_present = bool(survey_leaves) and all(leaf_values.get(s.code) is not None for s in survey_leaves)
    excluded = set() if survey_present else {s.code for s in survey_leaves}
    points: dict[str, float] = {}
    maxima: dict[str, float] = {}

    def walk(node: Node) -> tuple[float, float]:
        if node.is_leaf:
            if node.code in excluded:
                got, top = 0.0, 0.0
            else:
                value = leaf_values.get(node.code)
                got = clamp(float(value), 0.0, node.max_points) if value is not None else 0.0
                top = node.max_points
        else:
            got = top = 0.0
            for child in node.children:
                child_got, child_top = walk(child)
                got += child_got
                top += child_top
            top = min(top, node.max_points)
            got = min(got, node.max_points)
        points[node.code], maxima[node.code] = _round(got), _round(top)
        return got, top

    total = max_total = 0.0
    for root in roots:
        got, top = walk(root)
        total += got
        max_total += top
    fields = {
        r.code: (_round(points[r.code] / maxima[r.code] * 100) if maxima[r.code] else 0.0) for r in roots
    }
    return Totals(
        points=points,
        total=_round(total),
        max_total=_round(max_total),
        survey_present=survey_present,
        index=_round(total / max_total * 100) if max_total else 0.0,
        fields=fields,
        maxima=maxima,
    )


def group(index: float | None, bands: Sequence[Sequence] = DEFAULT_BANDS, below: str = BELOW_BANDS) -> str:
    """The group of an index: the first band whose minimum it reaches (bands from the highest)."""
    if index is None:
        return ""
    for label, minimum in sorted(bands, key=lambda b: -float(b[1])):
        if index >= float(minimum):
            return str(label)
    return below


def competition_ranks(values: Mapping[object, float]) -> dict[object, int]:
    """1 for the highest; ties share a rank and the next rank is skipped (1, 2, 2, 4)."""
    ordered = sorted(values.items(), key=lambda kv: -kv[1])
    ranks: dict[object, int] = {}
    for position, (key, value) in enumerate(ordered, start=1):
        if position > 1 and value == ordered[position - 2][1]:
            ranks[key] = ranks[ordered[position - 2][0]]
        else:
            ranks[key] = position
    return ranks
