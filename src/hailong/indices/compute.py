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
covariances. The index figures are also estimated for the whole campaign cut by each breakdown
(channel, procedure field, applicant type), and the drivers of overall satisfaction for every
domain. The rows are sorted by unit first, so the statistics read the strata as contiguous runs.
The figures come out by column (``Block``), as they are stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from django.utils.translation import gettext_lazy as _

from hailong.core.messages import bilingual, lazy_format
from hailong.indices.choices import DomainKind, FigureKind, GapFlag
from hailong.indices.loading import Breakdown, LoadedResponses
from hailong.indices.method import MethodSpec
from hailong.stats import (
    Design,
    Figures,
    competition_ranks,
    correlation_sums,
    correlations,
    difference_test,
    estimate_index,
    estimate_ratios,
    indistinguishable_groups,
    interval,
    poststratify,
    respondent_shares,
    significant_differences,
    whole_covariances,
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
class Block:
    """The figures of one set of domains in columns: ``(D, q)`` arrays, ``domains`` (one label dict
    per domain) and ``figures`` (one label dict per quantity). Stored rows are domain by domain,
    figure by figure."""

    domains: list[dict]
    figures: list[dict]
    arrays: dict[str, np.ndarray]

    @property
    def size(self) -> int:
        return len(self.domains) * len(self.figures)

    def columns(self) -> dict[str, list | np.ndarray]:
        """Flat columns of ``size`` rows: labels repeated, arrays raveled (NaN = no value)."""
        q, d = len(self.figures), len(self.domains)
        out: dict[str, list | np.ndarray] = {}
        for key in self.domains[0] if self.domains else ():
            labels = np.empty(d, dtype=object)
            labels[:] = [label[key] for label in self.domains]
            out[key] = np.repeat(labels, q).tolist()
        for key in self.figures[0] if self.figures else ():
            labels = np.empty(q, dtype=object)
            labels[:] = [label[key] for label in self.figures]
            out[key] = np.tile(labels, d).tolist()
        for key, array in self.arrays.items():
            out[key] = array.reshape(-1) if array.dtype != object else array.reshape(-1).tolist()
        return out


def _row_dicts(blocks: list[Block]) -> list[dict]:
    rows: list[dict] = []
    for block in blocks:
        columns = block.columns()
        names = list(columns)
        for values in zip(*(columns[name] for name in names), strict=True):
            row = {}
            for name, value in zip(names, values, strict=True):
                if isinstance(value, np.floating | float):
                    value = float(value) if np.isfinite(value) else None
                elif isinstance(value, np.integer):
                    value = int(value)
                row[name] = value
            rows.append(row)
    return rows


@dataclass
class Computed:
    value_blocks: list[Block] = field(default_factory=list)
    share_blocks: list[Block] = field(default_factory=list)
    n_rows: int = 0
    n_units: int = 0
    warnings: list[str] = field(default_factory=list)
    degrees_of_freedom: int = 0

    @property
    def values(self) -> list[dict]:
        """Every ``EstimateValue`` as a dict of field values (``None`` for no value)."""
        return _row_dicts(self.value_blocks)

    @property
    def shares(self) -> list[dict]:
        return _row_dicts(self.share_blocks)


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
        # Rows sorted by unit (the stratum), so the PSUs are in row order and the statistics need
        # no gather of the answer matrices (``stats.estimation``).
        index = np.argsort(unit_ids, kind="stable")
        units = unit_ids[index]
        return Rows(index, units, units, np.ones(n), expanded=False), []
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
    order = np.argsort(unit_ids[response], kind="stable")
    response, level_of_row, offset = response[order], level_of_row[order], offset[order]
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


def _sum_by(index: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    out = np.empty((size, values.shape[1]))
    for j in range(values.shape[1]):
        out[:, j] = np.bincount(index, weights=values[:, j], minlength=size)
    return out


def _group_letters(groups: list[list[int]], size: int) -> list[list[int]]:
    membership: list[list[int]] = [[] for _ in range(size)]
    for number, members in enumerate(groups, start=1):
        for member in members:
            membership[member].append(number)
    return membership


def _objects(values, shape) -> np.ndarray:
    array = np.empty(int(np.prod(shape)), dtype=object)
    array[:] = values
    return array.reshape(shape)


def figure_block(
    figures: Figures,
    domains: list[dict],
    labels: list[dict],
    *,
    bounds,
    counts=None,
    gaps=None,
    alpha: float = 0.05,
) -> Block:
    """The stored columns of ``figures``: NaN where there is no value (an estimate without valid
    answers has no SE and no interval), gaps to the whole campaign with their verdict."""
    estimate = np.array(figures.estimate, dtype=float)
    missing = ~np.isfinite(estimate)
    low, high = bounds(figures)

    def masked(values):
        values = np.array(values, dtype=float)
        values[missing | ~np.isfinite(values)] = np.nan
        return values

    shape = estimate.shape
    arrays = {
        "estimate": masked(estimate),
        "se": masked(figures.se),
        "ci_low": masked(low),
        "ci_high": masked(high),
        "n": np.asarray(figures.n if counts is None else counts, dtype=np.int64),
        "unweighted": masked(figures.unweighted),
    }
    if gaps is not None:
        difference, se, p_value = gaps
        has = ~missing & np.isfinite(difference)
        arrays["gap"] = np.where(has, difference, np.nan)
        arrays["gap_se"] = np.where(has & np.isfinite(se), se, np.nan)
        flags = np.where(
            p_value < alpha,
            np.where(difference > 0, str(GapFlag.ABOVE), str(GapFlag.BELOW)),
            str(GapFlag.NOT_SIGNIFICANT),
        )
        arrays["gap_flag"] = _objects(np.where(has, flags, "").reshape(-1).tolist(), shape)
    return Block(domains=domains, figures=labels, arrays=arrays)


def _share_block(figures: Figures, domains: list[dict], labels: list[dict], *, bounds, counts=None) -> Block:
    block = figure_block(figures, domains, labels, bounds=bounds, counts=counts)
    block.arrays.pop("unweighted")
    return block


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
    breakdowns: Sequence[Breakdown] = (),
) -> Computed:
    """Every figure of ``spec`` for each unit, each unit type and the whole campaign; the index
    figures and drivers also for the whole campaign cut by each of ``breakdowns``."""
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

    def label(kind: str, unit=None, unit_type="", breakdown="", category="") -> dict:
        return {
            "domain": kind,
            "unit_id": unit,
            "unit_type": unit_type,
            "breakdown": breakdown,
            "category": category,
        }

    domain_sets = [
        (
            DomainKind.UNIT,
            unit_codes,
            len(units),
            [label(DomainKind.UNIT, int(u), unit_groups.get(int(u), "")) for u in units],
        ),
        (
            DomainKind.UNIT_TYPE,
            type_codes,
            len(groups),
            [label(DomainKind.UNIT_TYPE, None, g) for g in groups],
        ),
        (DomainKind.OVERALL, None, 1, [label(DomainKind.OVERALL)]),
    ]
    cuts = []
    if loaded.breakdowns is not None:
        for b, breakdown in enumerate(breakdowns):
            codes = loaded.breakdowns[rows.response, b].astype(np.int64) - 1
            if (codes >= 0).any():
                cuts.append(
                    (
                        DomainKind.BREAKDOWN,
                        codes,
                        len(breakdown.categories),
                        [
                            label(DomainKind.BREAKDOWN, breakdown=breakdown.name, category=category)
                            for category in breakdown.categories
                        ],
                    )
                )

    items = loaded.items[rows.response]
    index = {
        id(codes): estimate_index(design, None, spec.method, coded=items, domains=codes, n_domains=size)
        for _kind, codes, size, _labels in [*domain_sets, *cuts]
    }
    unit_index = index[id(unit_codes)]
    whole_index = index[id(None)]

    def respondents(codes, size, figures_of) -> np.ndarray | None:
        """After a lineage mapping, a split response has one row per successor: count it once per
        domain (the counts of the same figures on one row per response and domain)."""
        if not rows.expanded:
            return None
        inside = np.ones(len(rows.response), dtype=bool) if codes is None else codes >= 0
        key = rows.response * (size + 1) + (0 if codes is None else np.where(inside, codes, size))
        _keys, first = np.unique(key, return_index=True)
        first = first[inside[first]]
        counting = Design.build(n=len(first))
        return figures_of(counting, first, None if codes is None else codes[first], size).n

    # Rankings of units by the overall index, within each unit type.
    overall_column = unit_index.column("overall", "")
    unit_figures = unit_index.figures
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

    def gaps_to(figures: Figures, whole: Figures):
        return difference_test(
            figures.estimate,
            whole.estimate[0][None, :],
            figures.se**2,
            (whole.se[0] ** 2)[None, :],
            whole_covariances(figures, whole),
            df=df,
        )

    index_labels = []
    for kind, key in whole_index.labels:
        if kind == "item":
            entry = (FigureKind.ITEM, key, spec.item_measures.get(key, ""), spec.item_order.get(key, 0))
        elif kind == "node":
            entry = (FigureKind.NODE, key, spec.node_levels.get(key, ""), spec.node_order.get(key, 0))
        else:
            entry = (FigureKind.OVERALL, "", "", 0)
        index_labels.append(dict(zip(("kind", "code", "measure", "order"), entry, strict=True)))

    def index_counts(design_, rows_, codes_, size_):
        return estimate_index(
            design_, None, spec.method, coded=items[rows_], domains=codes_, n_domains=size_
        ).figures

    for kind, codes, size, domain_labels in [*domain_sets, *cuts]:
        figures = index[id(codes)].figures
        block = figure_block(
            figures,
            domain_labels,
            index_labels,
            bounds=bounds,
            counts=respondents(codes, size, index_counts),
            gaps=gaps_to(figures, whole_index.figures) if kind == DomainKind.UNIT else None,
            alpha=alpha,
        )
        if kind == DomainKind.UNIT:
            shape = figures.estimate.shape
            rank = np.full(shape, None, dtype=object)
            rank[:, overall_column] = [int(r) or None for r in ranks]
            groups_column = _objects([[] for _ in range(shape[0] * shape[1])], shape)
            for d in range(shape[0]):
                groups_column[d, overall_column] = membership[d]
            block.arrays["rank"] = rank
            block.arrays["rank_groups"] = groups_column
        result.value_blocks.append(block)

    if spec.perception_items:
        coded = loaded.perception[rows.response]
        # The same arrays for every set of domains: their PSU totals are computed once.
        satisfied = (coded == SATISFIED).astype(float)
        valid = (coded >= VALID).astype(float)
        perception = {
            id(codes): estimate_ratios(design, satisfied, valid, domains=codes, n_domains=size)
            for _kind, codes, size, _labels in domain_sets
        }
        labels = [
            {
                "kind": FigureKind.ITEM,
                "code": name,
                "measure": "perception",
                "order": spec.item_order.get(name, 0),
            }
            for name in spec.perception_items
        ]

        def perception_counts(design_, rows_, codes_, size_):
            return estimate_ratios(design_, satisfied[rows_], valid[rows_], domains=codes_, n_domains=size_)

        for kind, codes, size, domain_labels in domain_sets:
            figures = perception[id(codes)]
            result.value_blocks.append(
                figure_block(
                    figures,
                    domain_labels,
                    labels,
                    bounds=bounds,
                    counts=respondents(codes, size, perception_counts),
                    gaps=gaps_to(figures, perception[id(None)]) if kind == DomainKind.UNIT else None,
                    alpha=alpha,
                )
            )

    result.value_blocks.extend(driver_blocks(design, spec, items, [*domain_sets, *cuts], group_of_unit))

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
            {"question": question.name, "choice": choice, "order": order}
            for question in spec.choice_questions
            for order, choice in enumerate(question.choices)
        ]
        if share_labels:
            for _kind, codes, size, domain_labels in domain_sets:
                figures = estimate_ratios(design, chosen, answered, domains=codes, n_domains=size)
                counts = respondents(
                    codes,
                    size,
                    lambda design_, rows_, codes_, size_: estimate_ratios(
                        design_, chosen[rows_], answered[rows_], domains=codes_, n_domains=size_
                    ),
                )
                result.share_blocks.append(
                    _share_block(figures, domain_labels, share_labels, bounds=bounds, counts=counts)
                )
    return result


def driver_blocks(
    design: Design, spec: MethodSpec, items: np.ndarray, domain_sets, group_of_unit: np.ndarray
) -> list[Block]:
    """Drivers of overall satisfaction (``stats.drivers``) for every top criterion and domain: the
    overall question where the method has one, else the respondent's share over all items."""
    method = spec.method
    column = {item: j for j, item in enumerate(method.items())}
    tops = [node for node in method.nodes if node.leaf_items()]
    if len(tops) < 2:
        return []
    if method.overall_item and method.overall_item in column:
        target = respondent_shares(items, [column[method.overall_item]])
        measure = method.overall_item
    else:
        target = respondent_shares(items, [column[i] for top in tops for i in top.leaf_items()])
        measure = ""
    scores = np.column_stack(
        [respondent_shares(items, [column[i] for i in top.leaf_items()]) for top in tops]
    )
    labels = [
        {
            "kind": FigureKind.DRIVER,
            "code": top.code,
            "measure": measure,
            "order": spec.node_order.get(top.code, 0),
        }
        for top in tops
    ]
    blocks = []
    finest = None  # the sums of the first set (units), which the unit types and the whole add up
    for kind, codes, size, domain_labels in domain_sets:
        if kind == DomainKind.UNIT:
            sums = finest = correlation_sums(design.weights, scores, target, codes, size)
        elif kind == DomainKind.UNIT_TYPE and finest is not None:
            sums = np.zeros((size, *finest.shape[1:]))
            np.add.at(sums, group_of_unit, finest)
        elif kind == DomainKind.OVERALL and finest is not None:
            sums = finest.sum(axis=0, keepdims=True)
        else:
            domain_codes = np.zeros(design.n, dtype=np.int64) if codes is None else codes
            sums = correlation_sums(design.weights, scores, target, domain_codes, size)
        r, n = correlations(sums)
        nothing = np.full(r.shape, np.nan)
        blocks.append(
            Block(
                domains=domain_labels,
                figures=labels,
                arrays={
                    "estimate": r,
                    "se": nothing,
                    "ci_low": nothing,
                    "ci_high": nothing,
                    "n": n,
                    "unweighted": nothing,
                },
            )
        )
    return blocks
