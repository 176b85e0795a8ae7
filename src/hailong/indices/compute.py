"""The numbers of an estimation run, from loaded responses: numpy and ``hailong.stats`` only.

The design of a campaign (``docs/indices.md``): every participating unit is a stratum, respondents
are sampled directly (each response is its own primary sampling unit), weights come from
``weights.response_weights``. A re-estimation across the 2025 reorganisation maps each response to
its unit's successors on a day: a response of a split unit becomes one row per successor with its
weight times the lineage share, the rows of one response form one PSU, and the strata stay the
units that were sampled. Post-stratification calibrates the weights to the completed dossiers of
every (sampled unit, procedure field) cell (``stats.poststratify``).

Every figure is estimated for three sets of domains within that one design — each unit, each unit
type (ranking group) and the whole campaign — so differences between them carry their design
covariances.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from django.utils.translation import gettext_lazy as _

from hailong.core.messages import bilingual, lazy_format
from hailong.indices.choices import DomainKind, FigureKind, GapFlag
from hailong.indices.loading import LoadedResponses
from hailong.indices.method import MethodSpec
from hailong.stats import (
    Design,
    Figures,
    competition_ranks,
    difference_test,
    estimate_index,
    estimate_ratios,
    indistinguishable_groups,
    interval,
    poststratify,
    significant_differences,
)

LONELY_PSU = "adjust"
NOT_VALID, VALID, SATISFIED = 0, 1, 2


class EstimationError(Exception):
    """The run cannot be computed as asked; ``message`` says why (in both languages)."""

    def __init__(self, message: object):
        super().__init__(bilingual(message))
        self.message = message


@dataclass(frozen=True)
class Settings:
    level: float = 0.95
    interval_method: str = "normal"
    poststratify: bool = False


@dataclass
class Computed:
    values: list[dict] = field(default_factory=list)
    shares: list[dict] = field(default_factory=list)
    n_rows: int = 0
    n_units: int = 0
    warnings: list[str] = field(default_factory=list)
    degrees_of_freedom: int = 0


@dataclass
class Rows:
    """The rows of the design: responses, repeated once per successor unit after a lineage mapping."""

    response: np.ndarray  # index into the loaded responses
    sampled_unit: np.ndarray  # the unit the response was collected for (the stratum)
    domain_unit: np.ndarray  # the unit it is reported for
    share: np.ndarray
    expanded: bool = False  # some response has several rows (a split unit)


def design_rows(
    unit_ids: np.ndarray, mapping: Mapping[int, list[tuple[int, float]]] | None
) -> tuple[Rows, list[int]]:
    """The design rows and the sampled units whose responses map to no unit (left out)."""
    n = len(unit_ids)
    if mapping is None:
        index = np.arange(n)
        return Rows(index, unit_ids, unit_ids, np.ones(n), expanded=False), []
    levels, inverse = np.unique(unit_ids, return_inverse=True)
    targets = [mapping.get(int(u), []) for u in levels]
    unmapped = [int(u) for u, found in zip(levels, targets, strict=True) if not found]
    counts_of_level = np.array([len(found) for found in targets], dtype=np.int64)
    width = max(1, int(counts_of_level.max(initial=0)))
    table_unit = np.zeros((len(levels), width), dtype=np.int64)
    table_share = np.zeros((len(levels), width))
    for position, found in enumerate(targets):
        for offset, (unit, share) in enumerate(found):
            table_unit[position, offset] = unit
            table_share[position, offset] = share
    counts = counts_of_level[inverse]
    response = np.repeat(np.arange(n), counts)
    starts = np.cumsum(counts) - counts
    offset = np.arange(len(response)) - np.repeat(starts, counts)
    level_of_row = inverse[response]
    return (
        Rows(
            response=response,
            sampled_unit=unit_ids[response],
            domain_unit=table_unit[level_of_row, offset],
            share=table_share[level_of_row, offset],
            expanded=bool((counts > 1).any()),
        ),
        unmapped,
    )


def poststratified(
    design: Design,
    rows: Rows,
    strata_answers: list[str],
    population: Mapping[tuple[int, str], int],
    unit_names: Mapping[int, str],
    question: str,
) -> Design:
    """Calibrate to the completed dossiers per (sampled unit, procedure field); every problem named."""
    whole_unit = {unit for (unit, value) in population if value == ""}
    answers = np.asarray(strata_answers, dtype=object)[rows.response]
    cells = [
        (int(unit), "" if int(unit) in whole_unit else str(value))
        for unit, value in zip(rows.sampled_unit.tolist(), answers.tolist(), strict=True)
    ]
    sampled = set(cells)
    problems: list[str] = []
    without_total = sorted(cell for cell in sampled if cell not in population)
    for unit, value in without_total[:10]:
        problems.append(
            bilingual(
                lazy_format(
                    _("{unit}: responses with procedure field “{field}” but no population total for it."),
                    unit=unit_names.get(unit, unit),
                    field=value or "—",
                )
            )
        )
    empty = sorted(cell for cell, count in population.items() if count > 0 and cell not in sampled)
    for unit, value in empty[:10]:
        problems.append(
            bilingual(
                lazy_format(
                    _(
                        "{unit}, procedure field “{field}”: {count} completed dossiers but no counted response; merge this field into another or remove the row."
                    ),
                    unit=unit_names.get(unit, unit),
                    field=value or "—",
                    count=population[(unit, value)],
                )
            )
        )
    if problems:
        extra = len(without_total) + len(empty) - len(problems)
        more = f" (+{extra})" if extra > 0 else ""
        raise EstimationError(
            lazy_format(
                _("Post-stratification is not possible (question “{question}”): {problems}{more}"),
                question=question,
                problems=" ; ".join(problems),
                more=more,
            )
        )
    labels = [f"{unit}|{value}" for unit, value in cells]
    totals = {f"{unit}|{value}": count for (unit, value), count in population.items() if count > 0}
    return poststratify(design, labels, totals)


def whole_covariances(figures: Figures, whole: Figures) -> np.ndarray:
    """``(D, q)``: the design covariance of every domain's quantity ``j`` with the whole
    population's quantity ``j`` — ``figures.covariance(j, whole, j)`` for every ``j`` at once (the
    same formula, vectorised over the quantities)."""
    design = figures.design
    if whole.design is not design:
        raise EstimationError(_("Covariances need two sets of figures from the same design."))
    scale, centred, factor = design.stratum_scale()
    q = figures.pair_totals.shape[1]
    n_strata = design.n_strata
    whole_by_psu = np.zeros((design.n_psus, q))
    whole_by_psu[whole.pair_psu] = whole.pair_totals
    stratum = design.stratum_of_psu[figures.pair_psu]
    centring = np.where(centred, 1.0, 0.0) * scale / design.psus_per_stratum
    cell_keys, cell_of_pair = np.unique(figures.pair_domain * n_strata + stratum, return_inverse=True)
    cell_domain = cell_keys // n_strata
    cell_stratum = cell_keys % n_strata
    result = np.zeros((figures.n_domains, q))
    for start in range(0, q, 8):
        cols = slice(start, min(q, start + 8))
        a = figures.pair_totals[:, cols]
        b = whole_by_psu[figures.pair_psu, cols]
        within = _sum_by(figures.pair_domain, a * b * scale[stratum][:, None], figures.n_domains)
        whole_stratum = _sum_by(design.stratum_of_psu, whole_by_psu[:, cols], n_strata)
        cells = _sum_by(cell_of_pair, a, len(cell_keys))
        between = _sum_by(
            cell_domain,
            cells * centring[cell_stratum][:, None] * whole_stratum[cell_stratum],
            figures.n_domains,
        )
        result[:, cols] = factor * (within - between)
    return result


def _sum_by(index: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    out = np.empty((size, values.shape[1]))
    for j in range(values.shape[1]):
        out[:, j] = np.bincount(index, weights=values[:, j], minlength=size)
    return out


def _float(value) -> float | None:
    value = float(value)
    return None if not np.isfinite(value) else value


def _group_letters(groups: list[list[int]], size: int) -> list[list[int]]:
    membership: list[list[int]] = [[] for _ in range(size)]
    for number, members in enumerate(groups, start=1):
        for member in members:
            membership[member].append(number)
    return membership


def compute(
    *,
    loaded: LoadedResponses,
    spec: MethodSpec,
    weights: np.ndarray,
    unit_groups: Mapping[int, str],
    settings: Settings,
    mapping: Mapping[int, list[tuple[int, float]]] | None = None,
    population: Mapping[tuple[int, str], int] | None = None,
    poststratum_question: str | None = None,
    unit_names: Mapping[int, str] | None = None,
) -> Computed:
    """Every figure of ``spec`` for each unit, each unit type and the whole campaign."""
    result = Computed()
    unit_names = unit_names or {}
    rows, unmapped = design_rows(loaded.unit_ids, mapping)
    if unmapped:
        names = ", ".join(str(unit_names.get(u, u)) for u in unmapped[:10])
        result.warnings.append(
            bilingual(
                lazy_format(
                    _("Responses of units with no successor on the chosen day are left out: {units}"),
                    units=names,
                )
            )
        )
    if len(rows.response) == 0:
        raise EstimationError(_("There is no counted response to estimate from."))
    design = Design.build(
        weights=weights[rows.response] * rows.share,
        strata=rows.sampled_unit,
        clusters=rows.response if rows.expanded else None,
        lonely_psu=LONELY_PSU,
    )
    if settings.poststratify:
        if not population:
            raise EstimationError(_("Post-stratification needs the population totals of the campaign."))
        answers = loaded.poststratum if loaded.poststratum is not None else [""] * loaded.n
        design = poststratified(design, rows, answers, population, unit_names, poststratum_question or "—")
    result.n_rows = len(rows.response)

    units = np.unique(rows.domain_unit)
    unit_codes = np.searchsorted(units, rows.domain_unit)
    groups = sorted({unit_groups.get(int(u), "") for u in units})
    group_of_unit = np.array([groups.index(unit_groups.get(int(u), "")) for u in units], dtype=np.int64)
    type_codes = group_of_unit[unit_codes]
    result.n_units = len(units)
    design_df = result.degrees_of_freedom = design.degrees_of_freedom
    df = design_df if settings.interval_method == "t" else None
    alpha = 1 - settings.level

    def bounds(figures: Figures):
        # The design's degrees of freedom once, not once per set of figures (``Figures.interval``).
        return interval(
            figures.estimate,
            figures.se,
            level=settings.level,
            method=settings.interval_method,
            df=design_df,
            proportion=True,
        )

    items = loaded.items[rows.response]
    domain_sets = [
        (DomainKind.UNIT, unit_codes, len(units)),
        (DomainKind.UNIT_TYPE, type_codes, len(groups)),
        (DomainKind.OVERALL, None, 1),
    ]
    index = {
        kind: estimate_index(design, None, spec.method, coded=items, domains=codes, n_domains=size)
        for kind, codes, size in domain_sets
    }
    perception = None
    if spec.perception_items:
        coded = loaded.perception[rows.response]
        perception = {
            kind: estimate_ratios(
                design,
                (coded == SATISFIED).astype(float),
                (coded >= VALID).astype(float),
                domains=codes,
                n_domains=size,
            )
            for kind, codes, size in domain_sets
        }

    def respondents(codes, size, figures_of) -> np.ndarray | None:
        """After a lineage mapping, a split response has one row per successor: count it once per
        domain (the counts of the same figures on one row per response and domain)."""
        if not rows.expanded:
            return None
        key = rows.response * (size + 1) + (0 if codes is None else codes)
        _keys, first = np.unique(key, return_index=True)
        counting = Design.build(n=len(first))
        return figures_of(counting, first, None if codes is None else codes[first], size).n

    def domain_label(kind: str, d: int) -> dict:
        if kind == DomainKind.UNIT:
            unit = int(units[d])
            return {"domain": kind, "unit_id": unit, "unit_type": unit_groups.get(unit, "")}
        if kind == DomainKind.UNIT_TYPE:
            return {"domain": kind, "unit_id": None, "unit_type": groups[d]}
        return {"domain": kind, "unit_id": None, "unit_type": ""}

    # Rankings of units by the overall index, within each unit type.
    overall_column = index[DomainKind.UNIT].column("overall", "")
    unit_figures = index[DomainKind.UNIT].figures
    overall_estimates = unit_figures.estimate[:, overall_column]
    ranks = np.zeros(len(units), dtype=np.int64)
    membership: list[list[int]] = [[] for _ in units]
    unit_covariance = unit_figures.covariance(overall_column)
    for g in range(len(groups)):
        members = np.flatnonzero(group_of_unit == g)
        estimates = overall_estimates[members]
        ranks[members] = competition_ranks(estimates)
        significant = significant_differences(
            estimates, unit_covariance[np.ix_(members, members)], alpha=alpha, df=df
        )
        for position, found in enumerate(
            _group_letters(indistinguishable_groups(estimates, significant), len(members))
        ):
            membership[members[position]] = found

    def figure_rows(kind_of_domain, figures: Figures, labels, whole: Figures | None, counts=None):
        counts = figures.n if counts is None else counts
        low, high = bounds(figures)
        gaps = None
        if whole is not None:
            covariance = whole_covariances(figures, whole)
            gaps = difference_test(
                figures.estimate,
                whole.estimate[0][None, :],
                figures.se**2,
                (whole.se[0] ** 2)[None, :],
                covariance,
                df=df,
            )
        for d in range(figures.n_domains):
            base = domain_label(kind_of_domain, d)
            for j, (kind, code, measure, order) in enumerate(labels):
                row = {
                    **base,
                    "kind": kind,
                    "code": code,
                    "measure": measure,
                    "order": order,
                    "estimate": _float(figures.estimate[d, j]),
                    "se": _float(figures.se[d, j]),
                    "ci_low": _float(low[d, j]),
                    "ci_high": _float(high[d, j]),
                    "n": int(counts[d, j]),
                    "unweighted": _float(figures.unweighted[d, j]),
                    "rank": None,
                    "rank_groups": [],
                    "gap": None,
                    "gap_se": None,
                    "gap_flag": "",
                }
                if row["estimate"] is None:
                    row.update(se=None, ci_low=None, ci_high=None)
                if gaps is not None and row["estimate"] is not None:
                    difference, se, p_value = (gaps[0][d, j], gaps[1][d, j], gaps[2][d, j])
                    if np.isfinite(difference):
                        row["gap"] = _float(difference)
                        row["gap_se"] = _float(se)
                        significant = bool(p_value < alpha)
                        row["gap_flag"] = (
                            (GapFlag.ABOVE if difference > 0 else GapFlag.BELOW)
                            if significant
                            else GapFlag.NOT_SIGNIFICANT
                        )
                if kind_of_domain == DomainKind.UNIT and kind == FigureKind.OVERALL:
                    row["rank"] = int(ranks[d]) or None
                    row["rank_groups"] = membership[d]
                result.values.append(row)

    index_labels = []
    for kind, key in index[DomainKind.OVERALL].labels:
        if kind == "item":
            index_labels.append(
                (FigureKind.ITEM, key, spec.item_measures.get(key, ""), spec.item_order.get(key, 0))
            )
        elif kind == "node":
            index_labels.append(
                (FigureKind.NODE, key, spec.node_levels.get(key, ""), spec.node_order.get(key, 0))
            )
        else:
            index_labels.append((FigureKind.OVERALL, "", "", 0))

    def index_counts(design_, rows_, codes_, size_):
        return estimate_index(
            design_, None, spec.method, coded=items[rows_], domains=codes_, n_domains=size_
        ).figures

    def perception_counts(design_, rows_, codes_, size_):
        coded_ = loaded.perception[rows.response][rows_]
        return estimate_ratios(
            design_,
            (coded_ == SATISFIED).astype(float),
            (coded_ >= VALID).astype(float),
            domains=codes_,
            n_domains=size_,
        )

    for kind, codes, size in domain_sets:
        whole = index[DomainKind.OVERALL].figures if kind == DomainKind.UNIT else None
        figure_rows(kind, index[kind].figures, index_labels, whole, respondents(codes, size, index_counts))
    if perception is not None:
        labels = [
            (FigureKind.ITEM, name, "perception", spec.item_order.get(name, 0))
            for name in spec.perception_items
        ]
        for kind, codes, size in domain_sets:
            whole = perception[DomainKind.OVERALL] if kind == DomainKind.UNIT else None
            figure_rows(kind, perception[kind], labels, whole, respondents(codes, size, perception_counts))

    # Choice shares of expectation and categorical questions: Σw·chose / Σw·answered.
    if spec.choice_questions:
        chosen = np.hstack([block[rows.response] for block in loaded.chosen]).astype(float)
        answered_rows = loaded.answered[rows.response]
        answered = np.hstack(
            [
                np.repeat(answered_rows[:, [c]], len(question.choices), axis=1)
                for c, question in enumerate(spec.choice_questions)
            ]
        ).astype(float)
        share_labels = [
            (question.name, choice, order)
            for question in spec.choice_questions
            for order, choice in enumerate(question.choices)
        ]
        if share_labels:
            for kind, codes, size in domain_sets:
                figures = estimate_ratios(design, chosen, answered, domains=codes, n_domains=size)
                counts = respondents(
                    codes,
                    size,
                    lambda design_, rows_, codes_, size_: estimate_ratios(
                        design_, chosen[rows_], answered[rows_], domains=codes_, n_domains=size_
                    ),
                )
                counts = figures.n if counts is None else counts
                low, high = bounds(figures)
                for d in range(size):
                    base = domain_label(kind, d)
                    for j, (question, choice, order) in enumerate(share_labels):
                        estimate = _float(figures.estimate[d, j])
                        result.shares.append(
                            {
                                **base,
                                "question": question,
                                "choice": choice,
                                "order": order,
                                "estimate": estimate,
                                "se": _float(figures.se[d, j]) if estimate is not None else None,
                                "ci_low": _float(low[d, j]) if estimate is not None else None,
                                "ci_high": _float(high[d, j]) if estimate is not None else None,
                                "n": int(counts[d, j]),
                            }
                        )
    return result
