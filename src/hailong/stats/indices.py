"""SIPAS-style satisfaction indices as data: items → criteria (→ pillars) → overall.

An item's **satisfaction rate** is the weighted share of its valid answers (e.g. codes 1–5; "not
applicable" and missing are not valid) that count as satisfied (e.g. 4 or 5)::

    rate_j = Σ w_i s_ij / Σ w_i v_ij        (s: satisfied indicator, v: valid indicator)

— a ratio, estimated with its linearised variance (``estimation.py``). Nodes above the items
aggregate by the method's ``aggregation``:

- ``item_mean`` (default): a node is the mean of its children (items, or lower nodes), the overall
  index the mean of the top nodes. Every node is then a linear combination of item rates, so its
  standard error carries all their covariances. A child with no valid answer in a domain is left
  out of its parent's mean there.
- ``pooled``: a node is the share of satisfied answers among all valid answers of the items under
  it (``Σ_i w_i Σ_j s_ij / Σ_i w_i Σ_j v_ij``); the overall index pools every criteria item.
- ``respondent_mean``: each respondent's own share over the node's items first
  (``r_i = Σ_j s_ij / Σ_j v_ij``), then its weighted mean over respondents with a valid answer.
- ``overall_question`` (Decision 1383/QĐ-BNV): the overall index is the rate of one overall
  question, a node's the rate of its own "in general" question (``general_item``); a node without
  one falls back to the mean of its children.

Expectation and priority questions give shares of respondents per choice (``choice_shares``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from hailong.stats.design import Design, DesignError
from hailong.stats.estimation import Figures, domain_totals, estimate_ratios

AGGREGATIONS = ("item_mean", "pooled", "respondent_mean", "overall_question")

# Coded answers: 0 = not valid (missing, not applicable), 1 = valid, not satisfied, 2 = satisfied.
NOT_VALID, VALID, SATISFIED = 0, 1, 2


@dataclass(frozen=True)
class Node:
    """A criterion (items under it) or a higher level (``children`` nodes), e.g. a pillar."""

    code: str
    name: str = ""
    items: tuple[str, ...] = ()
    children: tuple[Node, ...] = ()
    general_item: str | None = None
    level: str = "criterion"

    def leaf_items(self) -> list[str]:
        found = list(self.items)
        for child in self.children:
            found.extend(child.leaf_items())
        return found

    def walk(self) -> Iterable[Node]:
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class Method:
    valid: tuple[str, ...]
    satisfied: tuple[str, ...]
    nodes: tuple[Node, ...]
    aggregation: str = "item_mean"
    overall_item: str | None = None
    name: str = ""
    notes: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self):
        if self.aggregation not in AGGREGATIONS:
            raise DesignError(f"aggregation must be one of {', '.join(AGGREGATIONS)}.")
        if not set(self.satisfied) <= set(self.valid):
            raise DesignError("Every satisfied answer must also be a valid answer.")
        codes = [node.code for top in self.nodes for node in top.walk()]
        if len(codes) != len(set(codes)):
            raise DesignError("Criterion codes must be unique.")
        if self.aggregation == "overall_question" and not self.overall_item:
            raise DesignError("The overall_question aggregation needs an overall_item.")
        if not self.items():
            raise DesignError("A method needs at least one item.")

    def items(self) -> list[str]:
        """Every item column the method reads (criteria items, general and overall items), in order."""
        seen: dict[str, None] = {}
        for top in self.nodes:
            for node in top.walk():
                for item in node.items:
                    seen.setdefault(item)
                if node.general_item:
                    seen.setdefault(node.general_item)
        if self.overall_item:
            seen.setdefault(self.overall_item)
        return list(seen)

    def all_nodes(self) -> list[Node]:
        return [node for top in self.nodes for node in top.walk()]


def code_answers(values, valid: Sequence[str], satisfied: Sequence[str]) -> np.ndarray:
    """Answers (strings, numbers or None) → ``uint8`` codes 0/1/2 (not valid / valid / satisfied)."""
    array = np.asarray(values)
    if array.dtype.kind in "iuf":
        valid_set = np.array([float(v) for v in valid])
        satisfied_set = np.array([float(v) for v in satisfied])
        numeric = array.astype(float)
        is_valid = np.isin(numeric, valid_set)
        is_satisfied = np.isin(numeric, satisfied_set)
    else:
        # Text answers compare as written (the readers strip spaces); None never matches.
        text = array.astype(str)
        is_valid = np.isin(text, np.array(list(valid), dtype=str))
        is_satisfied = np.isin(text, np.array(list(satisfied), dtype=str))
    codes = np.zeros(len(array), dtype=np.uint8)
    codes[is_valid] = VALID
    codes[is_satisfied & is_valid] = SATISFIED
    return codes


@dataclass(eq=False)
class IndexEstimates:
    """Every figure of a method for every domain: ``figures`` columns are ``labels``
    (``("item", name)``, ``("node", code)``, ``("overall", "")``)."""

    method: Method
    figures: Figures
    labels: list[tuple[str, str]]
    available: np.ndarray  # (D, q): the figure is defined in the domain

    def column(self, kind: str, key: str = "") -> int:
        return self.labels.index((kind, key))


def estimate_index(
    design: Design,
    answers: Mapping[str, Sequence] | None,
    method: Method,
    *,
    coded: np.ndarray | None = None,
    domains=None,
    n_domains: int | None = None,
) -> IndexEstimates:
    """Items, nodes and the overall index of ``method`` for every domain.

    Give ``answers`` (item column → values per row), or ``coded``, an ``(n, k)`` ``uint8`` matrix of
    0/1/2 codes in the order of ``method.items()`` (what ``code_answers`` makes; the platform builds
    it in SQL for speed).
    """
    items = method.items()
    if coded is None:
        if answers is None:
            raise DesignError("Give the answers or the coded matrix.")
        missing = [item for item in items if item not in answers]
        if missing:
            raise DesignError(f"Item columns not in the data: {', '.join(missing)}")
        coded = np.column_stack(
            [code_answers(answers[item], method.valid, method.satisfied) for item in items]
        )
    coded = np.asarray(coded)
    if coded.shape != (design.n, len(items)):
        raise DesignError(f"The coded answers must be {design.n} × {len(items)}.")
    column = {item: j for j, item in enumerate(items)}
    nodes = method.all_nodes()
    # The ratio inputs do not depend on the domains: a run estimating units, unit types and the
    # whole population builds them once (the cache entry holds ``coded`` and ``method`` themselves,
    # so an identity match cannot be a recycled id).
    cache_key = ("index-inputs", id(coded), id(method))
    cached = design.cache.get(cache_key)
    if cached is not None and cached[0] is coded and cached[1] is method:
        y, x, extra, base = cached[2:]
    else:
        y, x, extra, base = _ratio_inputs(coded, method, items, column, nodes)
        design.cache[cache_key] = (coded, method, y, x, extra, base)

    codes, n_domains = _codes(design, domains, n_domains)
    # Which item rates are defined in each domain (a valid answer with weight).
    defined = domain_totals(design, x, codes, n_domains) > 0

    labels: list[tuple[str, str]] = [("item", item) for item in items]
    rows = [(_unit(j, base, n_domains), defined[:, j]) for j in range(len(items))]

    memo: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def mean_of(children: list[tuple[np.ndarray, np.ndarray]]):
        coefficient = np.zeros((n_domains, base))
        count = np.zeros(n_domains)
        for child_coefficient, child_available in children:
            coefficient += child_coefficient * child_available[:, None]
            count += child_available
        with np.errstate(invalid="ignore", divide="ignore"):
            coefficient = np.where(
                count[:, None] > 0, coefficient / np.where(count > 0, count, 1)[:, None], 0
            )
        return coefficient, count > 0

    def node_row(node: Node):
        if node.code in memo:
            return memo[node.code]
        if method.aggregation in ("pooled", "respondent_mean"):
            j = extra[node.code]
            result = (_unit(j, base, n_domains), defined[:, j])
        else:
            children = [rows[column[item]] for item in node.items] + [
                node_row(child) for child in node.children
            ]
            result = mean_of(children)
            if method.aggregation == "overall_question" and node.general_item:
                j = column[node.general_item]
                general = (_unit(j, base, n_domains), defined[:, j])
                # The node's own question where it has answers, else the mean of its children.
                use = general[1]
                result = (
                    np.where(use[:, None], general[0], result[0]),
                    use | result[1],
                )
        memo[node.code] = result
        return result

    for node in nodes:
        labels.append(("node", node.code))
        rows.append(node_row(node))
    labels.append(("overall", ""))
    if method.aggregation in ("pooled", "respondent_mean"):
        j = extra[""]
        rows.append((_unit(j, base, n_domains), defined[:, j]))
    elif method.aggregation == "overall_question":
        j = column[method.overall_item]
        rows.append((_unit(j, base, n_domains), defined[:, j]))
    else:
        rows.append(mean_of([node_row(top) for top in method.nodes]))

    coefficients = np.stack([coefficient for coefficient, _ in rows], axis=1)  # (D, q, base)
    available = np.stack([flag for _, flag in rows], axis=1)  # (D, q)
    figures = estimate_ratios(design, y, x, domains=codes, n_domains=n_domains, combinations=coefficients)
    for array in (figures.estimate, figures.se, figures.unweighted):
        array[~available] = np.nan
    return IndexEstimates(method=method, figures=figures, labels=labels, available=available)


def _ratio_inputs(coded, method: Method, items, column, nodes):
    """Numerators and denominators of every base ratio: the items, then (pooled, respondent_mean)
    one per node and one for the overall figure; ``extra`` maps a node code ("" overall) to its column."""
    valid = (coded >= VALID).astype(float)
    satisfied = (coded == SATISFIED).astype(float)
    numerators = [satisfied]
    denominators = [valid]
    base = len(items)
    extra: dict[str, int] = {}

    def add_base(key: str, y: np.ndarray, x: np.ndarray) -> None:
        nonlocal base
        extra[key] = base
        numerators.append(y[:, None])
        denominators.append(x[:, None])
        base += 1

    if method.aggregation in ("pooled", "respondent_mean"):
        groups = [(node.code, node.leaf_items()) for node in nodes]
        # The overall figure pools the criteria's own items (not the general or overall questions).
        groups.append(("", [item for top in method.nodes for item in top.leaf_items()]))
        for key, leaf in groups:
            columns = [column[item] for item in leaf]
            s = satisfied[:, columns].sum(axis=1)
            v = valid[:, columns].sum(axis=1)
            if method.aggregation == "pooled":
                add_base(key, s, v)
            else:
                with np.errstate(invalid="ignore", divide="ignore"):
                    share = np.where(v > 0, s / np.where(v > 0, v, 1), 0.0)
                add_base(key, share, (v > 0).astype(float))
    if len(numerators) == 1:
        return satisfied, valid, extra, base
    return np.hstack(numerators), np.hstack(denominators), extra, base


def _unit(j: int, size: int, n_domains: int) -> np.ndarray:
    coefficient = np.zeros((n_domains, size))
    coefficient[:, j] = 1.0
    return coefficient


def _codes(design: Design, domains, n_domains):
    if domains is None:
        return np.zeros(design.n, dtype=np.int64), 1
    codes = np.asarray(domains, dtype=np.int64)
    return codes, (int(codes.max(initial=-1)) + 1 if n_domains is None else n_domains)


def choice_shares(
    design: Design,
    values: Sequence,
    categories: Sequence[str],
    *,
    multiple: bool = False,
    first_only: bool = False,
    domains=None,
    n_domains: int | None = None,
) -> Figures:
    """Share of respondents (who answered) choosing each category — for expectation and priority
    questions. ``multiple``: answers are space-separated choices (select_multiple); ``first_only``:
    only the first choice counts (a ranking's top priority)."""
    answered = np.zeros(design.n)
    chosen = np.zeros((design.n, len(categories)))
    position = {category: index for index, category in enumerate(categories)}
    for row, value in enumerate(values):
        text = "" if value is None else str(value).strip()
        if not text:
            continue
        answered[row] = 1.0
        picks = text.split() if (multiple or first_only) else [text]
        if first_only:
            picks = picks[:1]
        for pick in picks:
            index = position.get(pick)
            if index is not None:
                chosen[row, index] = 1.0
    return estimate_ratios(
        design,
        chosen,
        np.repeat(answered[:, None], len(categories), axis=1),
        domains=domains,
        n_domains=n_domains,
    )
