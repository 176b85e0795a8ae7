"""Sample sizes, allocation to strata, random selection and design weights — deterministic, seeded.

Sample size for one unit (a province, a department, a commune) with ``N`` users of its services:

- ``cochran`` (Cochran 1977, §4.4): ``n₀ = z² · p(1 − p) / e² · deff``, then the finite population
  correction ``n = n₀ / (1 + (n₀ − 1)/N)``;
- ``yamane`` — the official rule of the 1383-era MoHA method (domain.md §1.2):
  ``n = N / (1 + N · e²)`` with ``e = 0.05``, then ``× deff``;

in both cases ``÷ response rate``, rounded up, at least ``minimum``, at most ``N`` (a census).

Allocation of a total ``n`` to strata of sizes ``N_h``: ``n_h = clip(λ · a_h, lo_h, hi_h)`` with
``λ`` such that ``Σ n_h = n`` — ``a_h = N_h`` (proportional), ``1`` (equal), ``N_h · S_h``
(Neyman), ``N_h^q · S_h`` (Bankier 1988 power allocation; ``q = 0.5`` "square root"); ``lo_h`` is
the minimum and ``hi_h`` the cap (``N_h`` by default). This is what the usual iterative
redistribution converges to (fix the strata that hit a bound, share the rest again among the
others), and for Neyman it is the optimal allocation under the bounds. Integers by largest
remainders (ties to the first stratum), so the allocation sums exactly to ``n``.

Selection returns rows of the frame and their inclusion probabilities ``π``:

- ``stratified_srs``: in each stratum a random permutation of its rows; the first ``n_h`` are the
  sample (``π = n_h / N_h``), the next ``reserve`` are the replacements, in order;
- ``systematic``: interval ``k = N/n`` (fractional), random start ``u ∈ [0, k)``, rows
  ``⌊u + j·k⌋``; ``π = n/N``; a sorted frame gives implicit stratification;
- ``pps_systematic``: units ``forced`` in (``π = 1``), then units with ``m·M_i/ΣM ≥ 1`` taken with
  certainty (``π = 1``, repeated until none is left, ``m`` the draws left), then systematic
  selection on the cumulated sizes of the others with a random start: ``π_i = m · M_i / ΣM`` over
  the remaining units (Madow 1949);
- ``multistage``: those methods stage after stage (e.g. communes → villages → households → one
  adult); the overall ``π`` is the product of the conditional stage probabilities.

Design weights are ``w = 1/π`` (Horvitz–Thompson). Replacement rule: a sampled person who cannot
be interviewed is replaced by the next reserve row of the same stratum, and the weights are then
computed on the realised sample, ``w = N_h / (completed in h)`` (``weights_for_realised``), so they
still add up to ``N_h`` — this treats non-response as random within the stratum.

Reproducibility: every selection takes a ``seed`` (an integer, or a ``numpy.random.Generator``
that is then advanced) and uses ``numpy.random.default_rng(seed)``. The same seed and the same
frame give the same sample. With ``ids`` the frame is first sorted by (stratum, sort key, id)
inside the function, so the caller's row order does not matter; without ``ids`` the row order is
part of the frame. Strata and parents are visited in sorted label order.

References: W. G. Cochran, *Sampling Techniques*, 3rd ed., Wiley 1977; M. D. Bankier, "Power
allocations: determining sample sizes for subnational areas", *The American Statistician* 42(3),
1988; T. Yamane, *Statistics: An Introductory Analysis*, 2nd ed., 1967; W. G. Madow, "On the theory
of systematic sampling, II", *Ann. Math. Statist.* 20, 1949. See ``docs/sampling-methods.md``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats as scipy_stats

from hailong.stats.design import DesignError

RULES = ("cochran", "yamane")
ALLOCATIONS = ("proportional", "equal", "neyman", "power")
STAGE_METHODS = ("srs", "systematic", "pps")
# π this close to 1 is 1: a unit whose span on the cumulated sizes is a whole interval is always hit
# once, and rounding must not make it twice.
CERTAINTY_TOLERANCE = 1e-9
RESERVED_COLUMNS = ("stratum", "probability", "weight")


class SamplingError(DesignError):
    """The sample cannot be computed or drawn as asked."""


# -----------------------------------------------------------------------------------------------
# Small helpers
# -----------------------------------------------------------------------------------------------
def _rng(seed) -> np.random.Generator:
    if seed is None:
        raise SamplingError("A seed is required, so that the sample can be drawn again.")
    return np.random.default_rng(seed)


def _count(value, name: str) -> int:
    """A non-negative integer (floats allowed when whole)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise SamplingError(f"{name} must be a whole number ≥ 0, not {value!r}.") from None
    if not math.isfinite(number) or number < 0 or number != int(number):
        raise SamplingError(f"{name} must be a whole number ≥ 0, not {value!r}.")
    return int(number)


def _counts(values, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim != 1:
        raise SamplingError(f"{name} must be one-dimensional.")
    if np.any(~np.isfinite(array)) or np.any(array < 0) or np.any(array != np.floor(array)):
        raise SamplingError(f"Every value of {name} must be a whole number ≥ 0.")
    return array.astype(np.int64)


def _plain(label):
    return label.item() if hasattr(label, "item") else label


def _key(mapping: Mapping, label):
    """The key of ``mapping`` for ``label``: the plain Python value or its text (numpy labels, CSV
    keys), or ``None``."""
    plain = _plain(label)
    for key in (plain, str(plain)):
        if key in mapping:
            return key
    return None


def _lookup(mapping: Mapping, label, what: str):
    key = _key(mapping, label)
    if key is None:
        raise SamplingError(f"No {what} {_plain(label)!r}.")
    return mapping[key]


def _labels(values, n: int | None, name: str) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise SamplingError(f"{name} must be one-dimensional.")
    if n is not None and len(array) != n:
        raise SamplingError(f"{name} has {len(array)} rows, the frame {n}.")
    return array


def _codes(values, n: int, name: str, *, unique: bool = False) -> np.ndarray:
    levels, codes = np.unique(_labels(values, n, name), return_inverse=True)
    if unique and len(levels) != n:
        raise SamplingError(f"The {name} must be unique (each identifies one unit of the frame).")
    return codes.astype(np.int64)


def _order(n: int, *, ids=None, sort_key=None, groups=None) -> np.ndarray:
    """Rows sorted by (group, sort key, id) — the frame as the functions see it. Without ids the
    caller's row order breaks the ties, so the frame order is then part of the frame."""
    keys = [np.arange(n) if ids is None else _codes(ids, n, "ids", unique=True)]
    if sort_key is not None:
        keys.append(_codes(sort_key, n, "sort_key"))
    if groups is not None:
        keys.append(groups)
    return np.lexsort(keys)


def _mask(forced, n: int) -> np.ndarray:
    """A boolean mask from a mask or from row indices."""
    if forced is None:
        return np.zeros(n, dtype=bool)
    array = np.asarray(forced)
    if array.dtype == bool:
        if array.shape != (n,):
            raise SamplingError(f"The forced mask has {array.size} rows, the frame {n}.")
        return array.copy()
    indices = _counts(array.ravel(), "forced") if array.size else np.zeros(0, dtype=np.int64)
    if np.any(indices >= n):
        raise SamplingError(f"A forced row is outside the frame of {n} rows.")
    mask = np.zeros(n, dtype=bool)
    mask[indices] = True
    return mask


# -----------------------------------------------------------------------------------------------
# Sample size
# -----------------------------------------------------------------------------------------------
def _sizes(
    population: np.ndarray | None,
    *,
    margin: float,
    confidence: float,
    proportion: float,
    design_effect: float,
    minimum: int,
    response_rate: float,
    rule: str,
) -> np.ndarray:
    if rule not in RULES:
        raise SamplingError(f"rule must be one of {', '.join(RULES)}.")
    if not 0 < margin < 1:
        raise SamplingError("The margin of error e must be between 0 and 1 (0.05 is ±5 points).")
    if not 0 < confidence < 1:
        raise SamplingError("The confidence level must be between 0 and 1 (e.g. 0.95).")
    if not 0 <= proportion <= 1:
        raise SamplingError("The expected proportion p must be between 0 and 1 (0.5 is the safe choice).")
    if not design_effect > 0:
        raise SamplingError("The design effect must be positive (1 for simple random sampling).")
    if not 0 < response_rate <= 1:
        raise SamplingError("The response rate must be in (0, 1].")
    minimum = _count(minimum, "minimum")
    if rule == "yamane":
        if population is None:
            raise SamplingError("Yamane's rule n = N/(1 + N·e²) needs the population size N.")
        n = population / (1 + population * margin**2) * design_effect
    else:
        z = scipy_stats.norm.ppf(0.5 + confidence / 2)
        n0 = z**2 * proportion * (1 - proportion) / margin**2 * design_effect
        n = np.full(1, n0) if population is None else n0 / (1 + (n0 - 1) / np.maximum(population, 1))
    n = n / response_rate
    # A tolerance, so that an exact 80 computed as 80.000000001 stays 80.
    n = np.ceil(n - 1e-9 * np.maximum(n, 1)).astype(np.int64)
    n = np.maximum(n, minimum)
    return n if population is None else np.minimum(n, population)


def sample_size(
    *,
    population: int | None = None,
    margin: float = 0.05,
    confidence: float = 0.95,
    proportion: float = 0.5,
    design_effect: float = 1.0,
    minimum: int = 0,
    response_rate: float = 1.0,
    rule: str = "cochran",
) -> int:
    """Respondents to sample in one unit of ``population`` users (``None``: a very large population).

    ``cochran``::

        n₀ = z² · p(1 − p) / e² · deff          z = Φ⁻¹(1 − (1 − confidence)/2)
        n  = n₀ / (1 + (n₀ − 1)/N)              (finite population correction)

    ``yamane`` (the official SIPAS rule, domain.md §1.2; it assumes 95 % and p = 0.5, so
    ``confidence`` and ``proportion`` are not used)::

        n = N / (1 + N · e²) · deff

    Then ``n / response_rate`` (forms to hand out so that ``n`` come back), rounded up, at least
    ``minimum`` (a quota), at most ``N``. Examples: Yamane, N = 1000, e = 0.05 → 286; Cochran,
    p = 0.5, e = 0.05, 95 %, large N → 385.
    """
    population_array = None
    if population is not None:
        population_array = np.array([_count(population, "The population size N")])
    return int(
        _sizes(
            population_array,
            margin=margin,
            confidence=confidence,
            proportion=proportion,
            design_effect=design_effect,
            minimum=minimum,
            response_rate=response_rate,
            rule=rule,
        )[0]
    )


def sample_sizes(populations, **options) -> np.ndarray | dict:
    """``sample_size`` for many units at once: an array of sizes (or a mapping label → size, which
    gives a dict with the same keys). ``options`` are those of ``sample_size``."""
    if isinstance(populations, Mapping):
        labels = list(populations)
        sizes = _sizes(_counts([populations[key] for key in labels], "population sizes"), **_options(options))
        return {label: int(size) for label, size in zip(labels, sizes, strict=True)}
    return _sizes(_counts(populations, "population sizes"), **_options(options))


def _options(options: dict) -> dict:
    defaults = {
        "margin": 0.05,
        "confidence": 0.95,
        "proportion": 0.5,
        "design_effect": 1.0,
        "minimum": 0,
        "response_rate": 1.0,
        "rule": "cochran",
    }
    unknown = set(options) - set(defaults)
    if unknown:
        raise SamplingError(f"Unknown sample size option(s): {', '.join(sorted(unknown))}.")
    return defaults | options


# -----------------------------------------------------------------------------------------------
# Allocation
# -----------------------------------------------------------------------------------------------
def _per_stratum(value, labels: list | None, k: int, name: str, *, default=None) -> np.ndarray:
    """A scalar, a sequence aligned with the strata, or a mapping label → value, as an array."""
    if value is None:
        return np.full(k, default, dtype=float)
    if isinstance(value, Mapping):
        if labels is None:
            raise SamplingError(f"{name} may be a mapping only when the sizes are one.")
        return np.array([float(_lookup(value, label, f"{name} for stratum")) for label in labels])
    array = np.asarray(value, dtype=float)
    if array.ndim == 0:
        return np.full(k, float(array))
    if array.shape != (k,):
        raise SamplingError(f"{name} has {array.size} values for {k} strata.")
    return array


def _fit(total: int, shares: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Real ``x_h = clip(λ·a_h, low_h, high_h)`` with ``Σ x_h = total`` (``Σ low ≤ total``)."""
    x = low.astype(float)
    active = shares > 0
    if total <= x.sum() or not active.any():
        return x
    a, lo, hi = shares[active], low[active].astype(float), high[active].astype(float)
    fixed = x[~active].sum()

    def filled(lam: float) -> float:
        return float(np.clip(lam * a, lo, hi).sum() + fixed)

    # Σ clip(λ·a) is piecewise linear and non-decreasing in λ, with kinks at lo/a and hi/a: find the
    # segment where it reaches the total (binary search), then solve the linear piece exactly.
    kinks = np.unique(np.concatenate([[0.0], lo / a, hi / a]))
    first, last = 0, len(kinks) - 1
    while first < last:
        middle = (first + last) // 2
        if filled(kinks[middle]) >= total:
            last = middle
        else:
            first = middle + 1
    upper = filled(kinks[first])
    if first == 0 or upper == total:
        lam = kinks[first]
    else:
        lower = filled(kinks[first - 1])
        lam = kinks[first - 1] + (total - lower) * (kinks[first] - kinks[first - 1]) / (upper - lower)
    x[active] = np.clip(lam * a, lo, hi)
    return x


def _round(total: int, x: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Largest remainders: floors, then +1 to the largest fractions (ties: the first stratum)."""
    n = np.clip(np.floor(x + 1e-9), low, high).astype(np.int64)
    fraction = x - n
    left = total - int(n.sum())
    if left > 0:
        candidates = np.flatnonzero(n < high)
        chosen = candidates[np.argsort(-fraction[candidates], kind="stable")[:left]]
        n[chosen] += 1
    elif left < 0:
        candidates = np.flatnonzero(n > low)
        chosen = candidates[np.argsort(fraction[candidates], kind="stable")[:-left]]
        n[chosen] -= 1
    return n


def allocate(
    total: int,
    sizes,
    *,
    method: str = "proportional",
    power: float = 0.5,
    minimum=0,
    maximum=None,
    sds=None,
    proportions=None,
) -> np.ndarray | dict:
    """Split a sample of ``total`` among strata of sizes ``N_h``: integers that sum to ``total``.

    ``sizes`` is a sequence (the result is an array in the same order) or a mapping label → ``N_h``
    (the result is a dict with the same keys; ``minimum``, ``maximum``, ``sds``, ``proportions`` may
    then be mappings too). The shares ``a_h``:

    - ``proportional``: ``N_h``; ``equal``: 1;
    - ``neyman``: ``N_h · S_h`` — ``S_h`` from ``sds``, or ``√(P_h(1 − P_h))`` from
      ``proportions`` (the expected proportions; the ``N_h/(N_h − 1)`` factor is left out), or
      else equal ``S_h``, which is proportional allocation;
    - ``power``: ``N_h^power · S_h`` (Bankier 1988, ``S_h`` his coefficient of variation, 1 when no
      ``sds`` or ``proportions`` are given): ``power = 0.5`` is square-root allocation, 1 is
      proportional (Neyman with ``S_h``), 0 is equal.

    ``n_h = clip(λ · a_h, lo_h, hi_h)`` with ``Σ n_h = total``, ``hi_h = min(maximum, N_h)`` and
    ``lo_h = min(minimum, hi_h)`` (a stratum smaller than the minimum is taken whole), then rounded
    by largest remainders within the bounds. Raises ``SamplingError`` when ``total`` exceeds
    ``Σ hi_h`` or is below ``Σ lo_h``.
    """
    if method not in ALLOCATIONS:
        raise SamplingError(f"method must be one of {', '.join(ALLOCATIONS)}.")
    total = _count(total, "The total sample size")
    labels = list(sizes) if isinstance(sizes, Mapping) else None
    population = _counts([sizes[key] for key in labels] if labels is not None else sizes, "the stratum sizes")
    k = len(population)
    if k == 0:
        raise SamplingError("There are no strata to allocate to.")
    if labels is not None and len(set(map(str, labels))) != k:
        raise SamplingError("Two strata have the same label.")

    if method in ("proportional", "equal") and (sds is not None or proportions is not None):
        raise SamplingError(f"{method} allocation does not use standard deviations; use neyman or power.")
    if sds is not None and proportions is not None:
        raise SamplingError("Give either sds or proportions, not both.")
    spread = np.ones(k)
    if sds is not None:
        spread = _per_stratum(sds, labels, k, "sds")
    elif proportions is not None:
        p = _per_stratum(proportions, labels, k, "proportions")
        if np.any((p < 0) | (p > 1)):
            raise SamplingError("Every expected proportion must be between 0 and 1.")
        spread = np.sqrt(p * (1 - p))
    if np.any(~np.isfinite(spread)) or np.any(spread < 0):
        raise SamplingError("Every standard deviation must be a finite number ≥ 0.")
    if not 0 <= power <= 1:
        raise SamplingError("power must be between 0 (equal allocation) and 1 (proportional).")

    shares = {
        "proportional": population.astype(float),
        "equal": np.where(population > 0, 1.0, 0.0),
        "neyman": population * spread,
        "power": np.where(population > 0, np.maximum(population, 1).astype(float) ** power, 0.0) * spread,
    }[method]

    high = population.copy()
    if maximum is not None:
        high = np.minimum(high, _counts(_per_stratum(maximum, labels, k, "maximum"), "maximum"))
    low = np.minimum(_counts(_per_stratum(minimum, labels, k, "minimum"), "minimum"), high)
    if total > high.sum():
        raise SamplingError(
            f"Cannot allocate {total}: the strata hold at most {int(high.sum())} "
            f"(their sizes{' and the maximum' if maximum is not None else ''})."
        )
    if total < low.sum():
        raise SamplingError(
            f"Cannot allocate {total}: the minimum per stratum already needs {int(low.sum())} ({k} strata)."
        )
    reachable = low[shares <= 0].sum() + high[shares > 0].sum()
    if total > reachable:
        raise SamplingError(
            f"Cannot allocate {total}: the strata with a positive share hold at most "
            f"{int(reachable - low[shares <= 0].sum())}; give the others a positive standard deviation."
        )
    result = _round(total, _fit(total, shares, low, high), low, high)
    if labels is not None:
        return {label: int(n) for label, n in zip(labels, result, strict=True)}
    return result


# -----------------------------------------------------------------------------------------------
# Selection
# -----------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Selection:
    """A sample drawn from a frame of ``N`` rows.

    ``rows``: the selected rows (indices into the caller's frame), in the order of the sorted frame
    (stratum, sort key, id); ``probabilities``: their inclusion probabilities ``π``;
    ``frame_probabilities``: ``π`` of every row of the frame (``Σ = n``); ``certain``: selected
    rows with ``π = 1`` (forced, certainty or a whole stratum); ``strata``: the stratum of each
    selected row (stratified selections); ``reserve``: stratum label → replacement rows, in the
    order they are to be used.
    """

    rows: np.ndarray
    probabilities: np.ndarray
    frame_probabilities: np.ndarray
    certain: np.ndarray
    strata: np.ndarray | None = None
    reserve: dict = field(default_factory=dict)

    @property
    def weights(self) -> np.ndarray:
        """Design weights ``1/π`` of the selected rows."""
        return design_weights(self.probabilities)

    def __len__(self) -> int:
        return len(self.rows)


def _srs_positions(rng: np.random.Generator, size: int, n: int, reserve: int = 0):
    """(sample, reserve): ``n`` positions of ``0…size−1`` (sorted) and the next ``reserve`` of the
    same random permutation (in order), so the reserve never changes the sample."""
    permutation = rng.permutation(size)
    return np.sort(permutation[:n]), permutation[n : n + reserve]


def _systematic_positions(rng: np.random.Generator, size: int, n: int) -> np.ndarray:
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    # ⌊u + j·N/n⌋ with u ∈ [0, N/n), written (U + j·N)/n with U ∈ [0, N): one division per point,
    # no accumulated interval, so the last point stays below N (the clip only guards rounding).
    start = rng.random() * size
    positions = np.floor((start + np.arange(n) * size) / n).astype(np.int64)
    return np.minimum(positions, size - 1)


def _pps_positions(
    rng: np.random.Generator, measures: np.ndarray, n: int, forced: np.ndarray, certainty: bool, where: str
) -> tuple[np.ndarray, np.ndarray]:
    """(selected positions, π of every position) for systematic PPS with forced and certainty units."""
    size = len(measures)
    if np.any(~np.isfinite(measures)) or np.any(measures < 0):
        raise SamplingError(f"Every measure of size must be a finite number ≥ 0{where}.")
    n_forced = int(forced.sum())
    if n < n_forced:
        raise SamplingError(f"{n_forced} units are forced in but only {n} are to be selected{where}.")
    if n > size:
        raise SamplingError(f"Cannot draw {n} units out of {size}{where}.")
    left = n - n_forced
    taken = forced.copy()
    if left > 0 and np.any(measures[~taken] <= 0):
        raise SamplingError(
            f"A unit has a measure of size 0{where}: it could never be selected. "
            "Remove it from the frame or give it a size."
        )
    probabilities = np.where(taken, 1.0, 0.0)
    while left > 0:
        free = ~taken
        share = left * measures / measures[free].sum()
        big = free & (share >= 1 - CERTAINTY_TOLERANCE)
        if not big.any():
            break
        if not certainty and np.any(share[big] > 1 + CERTAINTY_TOLERANCE):
            raise SamplingError(
                f"A unit's size exceeds the sampling interval{where} (n·M_i/ΣM > 1): "
                "use certainty=True to take it with probability 1."
            )
        taken |= big
        probabilities[big] = 1.0
        left -= int(big.sum())
    selected = np.flatnonzero(taken)
    if left > 0:
        free = np.flatnonzero(~taken)
        sizes = measures[free]
        total = sizes.sum()
        probabilities[free] = left * sizes / total
        points = (rng.random() + np.arange(left)) * total / left
        hits = np.minimum(np.searchsorted(np.cumsum(sizes), points, side="right"), len(free) - 1)
        chosen = free[hits]
        if len(np.unique(chosen)) != left:  # impossible while every π < 1; guards rounding
            raise SamplingError(f"Systematic PPS hit a unit twice{where}; report this frame.")
        selected = np.sort(np.concatenate([selected, chosen]))
    return selected, probabilities


def stratified_srs(strata, n_per_stratum, *, seed, reserve: int = 0, ids=None) -> Selection:
    """Simple random samples without replacement, one per stratum.

    ``strata``: the stratum of each row of the frame; ``n_per_stratum``: a mapping label → ``n_h``
    (a stratum of the frame that is not in the mapping is not sampled) or one number for every
    stratum. In each stratum (sorted labels, rows sorted by ``ids`` when given) a random
    permutation is drawn: its first ``n_h`` rows are the sample, ``π = n_h / N_h``; the next
    ``reserve`` rows are the stratum's replacement list, in order of use. A larger ``n_h`` or
    ``reserve`` with the same seed keeps the smaller sample and extends it.

    Replacement rule: when a sampled person cannot be interviewed, take the next unused reserve
    row of the same stratum; weight the realised sample with ``weights_for_realised``
    (``w = N_h / completed_h``). A stratum with fewer than ``n_h + reserve`` rows gets a shorter
    reserve, an unsampled one none.
    """
    labels = np.asarray(strata)
    if labels.ndim != 1:
        raise SamplingError("strata must be one-dimensional (one label per row of the frame).")
    size = len(labels)
    if size == 0:
        raise SamplingError("The frame has no rows.")
    reserve = _count(reserve, "reserve")
    levels, codes = np.unique(labels, return_inverse=True)
    counts = np.bincount(codes, minlength=len(levels))
    if isinstance(n_per_stratum, Mapping):
        present = {str(_plain(level)) for level in levels}
        missing = [key for key in n_per_stratum if str(key) not in present]
        if missing:
            raise SamplingError(f"Stratum {missing[0]!r} has no rows in the frame.")
        wanted = []
        for level in levels:
            key = _key(n_per_stratum, level)
            wanted.append(0 if key is None else _count(n_per_stratum[key], f"n of stratum {_plain(level)!r}"))
    else:
        wanted = [_count(n_per_stratum, "n per stratum")] * len(levels)

    order = _order(size, ids=ids, groups=codes)
    starts = np.concatenate([[0], np.cumsum(counts)])
    rng = _rng(seed)
    chosen, reserves = [], {}
    frame_probabilities = np.zeros(size)
    for h, level in enumerate(levels):
        n_h, big_n = wanted[h], int(counts[h])
        if n_h > big_n:
            raise SamplingError(
                f"Cannot draw {n_h} rows out of stratum {_plain(level)!r}, which has {big_n}."
            )
        rows_h = order[starts[h] : starts[h + 1]]
        # An unsampled stratum needs no replacements.
        sample, spare = _srs_positions(rng, big_n, n_h, reserve if n_h else 0)
        chosen.append(rows_h[sample])
        reserves[_plain(level)] = rows_h[spare]
        frame_probabilities[rows_h] = n_h / big_n
    rows = np.concatenate(chosen).astype(np.int64)
    probabilities = frame_probabilities[rows]
    return Selection(
        rows=rows,
        probabilities=probabilities,
        frame_probabilities=frame_probabilities,
        certain=probabilities >= 1,
        strata=labels[rows],
        reserve=reserves,
    )


def systematic(n: int, *, size: int | None = None, seed, sort_key=None, ids=None) -> Selection:
    """Systematic selection of ``n`` rows from a frame of ``size`` rows.

    Interval ``k = N/n`` (not rounded), random start ``u`` uniform in ``[0, k)``, rows
    ``⌊u + j·k⌋`` for ``j = 0…n−1`` of the frame sorted by ``sort_key`` (then ``ids``, then row):
    every row has ``π = n/N`` exactly. Sorting by e.g. district and commune spreads the sample
    like a proportional stratification (implicit stratification). ``size`` may be left out when
    ``sort_key`` or ``ids`` give the frame.
    """
    for column in (sort_key, ids):
        if column is not None:
            length = len(_labels(column, None, "sort_key/ids"))
            if size is not None and size != length:
                raise SamplingError(f"The frame has {length} rows but size is {size}.")
            size = length
    if size is None:
        raise SamplingError("systematic needs the frame size (size=, sort_key= or ids=).")
    size = _count(size, "The frame size")
    n = _count(n, "n")
    if size == 0:
        raise SamplingError("The frame has no rows.")
    if n > size:
        raise SamplingError(f"Cannot draw {n} rows out of a frame of {size}.")
    order = _order(size, ids=ids, sort_key=sort_key)
    positions = _systematic_positions(_rng(seed), size, n)
    rows = order[positions]
    frame_probabilities = np.full(size, n / size)
    return Selection(
        rows=rows,
        probabilities=frame_probabilities[rows],
        frame_probabilities=frame_probabilities,
        certain=np.full(n, n == size),
    )


def pps_systematic(
    measures, n: int, *, seed, certainty: bool = True, forced=None, ids=None, sort_key=None
) -> Selection:
    """Probability proportional to size ``M_i``, systematic on the cumulated sizes.

    1. ``forced`` units (a boolean mask or row indices — the provincial capital district, the
       commune seat, as PAPI does) are taken with ``π = 1``; they count in ``n``.
    2. With ``m`` draws left, a unit with ``m · M_i / ΣM ≥ 1`` (sum over the units not yet taken)
       is taken with certainty, ``π = 1``; ``m`` and the sum are updated and this is repeated.
       With ``certainty=False`` such a unit is an error instead (π = 1 exactly is allowed).
    3. The others, sorted by ``sort_key`` then ``ids`` (then row), are laid end to end by size; the
       points ``(r + j) · ΣM/m``, ``r`` uniform in ``[0, 1)``, ``j = 0…m−1``, select the units they
       fall in: ``π_i = m · M_i / ΣM`` over those units.

    ``Σ π = n``. A unit with ``M_i = 0`` that is not forced is an error: it could never be selected.
    """
    sizes = np.asarray(measures, dtype=float)
    if sizes.ndim != 1:
        raise SamplingError("measures must be one-dimensional (one size per unit).")
    total = len(sizes)
    if total == 0:
        raise SamplingError("The frame has no units.")
    n = _count(n, "n")
    order = _order(total, ids=ids, sort_key=sort_key)
    forced_mask = _mask(forced, total)
    positions, probabilities = _pps_positions(_rng(seed), sizes[order], n, forced_mask[order], certainty, "")
    frame_probabilities = np.empty(total)
    frame_probabilities[order] = probabilities
    rows = order[positions]
    return Selection(
        rows=rows,
        probabilities=frame_probabilities[rows],
        frame_probabilities=frame_probabilities,
        certain=frame_probabilities[rows] >= 1,
    )


# -----------------------------------------------------------------------------------------------
# Multistage
# -----------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Stage:
    """One stage of a multistage design.

    ``name``: used for the output columns ``<name>_id`` and ``<name>_probability``.
    ``ids``: the units of this stage (unique); ``parents``: for each unit, the id of its unit at the
    previous stage — at the first stage the stratum (e.g. the province; ``None``: one stratum).
    ``n``: units to select in each selected parent (first stage: in each stratum), a number or a
    mapping parent id → number (stage sizes per stratum or per unit class); forced units count in it.
    ``method``: ``srs``, ``systematic`` (on ``sort_key`` then id) or ``pps`` (on ``measures``, with
    ``forced``: a boolean per unit, e.g. "is the commune seat").
    ``reserve``: replacement units per parent (``srs`` only).
    ``counts``: instead of ``ids`` and ``parents``, for a last stage whose units are not listed in
    advance (adults of a household): parent id → number of units; the units are numbered 1…count.
    """

    name: str
    n: int | Mapping = 1
    method: str = "srs"
    ids: Sequence | np.ndarray | None = None
    parents: Sequence | np.ndarray | None = None
    measures: Sequence | np.ndarray | None = None
    forced: Sequence | np.ndarray | None = None
    sort_key: Sequence | np.ndarray | None = None
    reserve: int = 0
    counts: Mapping | None = None


@dataclass(frozen=True, eq=False)
class MultistageSample:
    """The selected final units of a multistage design.

    ``units``: a table (column → array, one row per final unit): ``stratum`` (when the first stage
    has parents), for each stage ``<name>_id`` and ``<name>_probability`` (conditional on the
    previous stages), ``probability`` (their product, the overall ``π``) and ``weight`` (``1/π``).
    For the estimation design: ``Design.build(strata=units["stratum"],
    clusters=units["<first stage>_id"], weights=units["weight"])``.
    ``reserves``: for each stage with ``reserve > 0``, a table of the replacement units: the ids of
    their selected ancestors, ``<name>_id`` and ``rank`` (1 = the first to use).
    """

    units: dict[str, np.ndarray]
    reserves: dict[str, dict[str, np.ndarray]]
    stage_names: tuple[str, ...]


def _as_stage(stage: Stage | Mapping) -> Stage:
    if isinstance(stage, Stage):
        return stage
    unknown = set(stage) - set(Stage.__dataclass_fields__)
    if unknown:
        raise SamplingError(f"Unknown stage field(s): {', '.join(sorted(unknown))}.")
    return Stage(**stage)


def _stage_n(stage: Stage, parent, where: str) -> int:
    if isinstance(stage.n, Mapping):
        return _count(
            _lookup(stage.n, parent, f"stage size (n) of stage {stage.name!r} for parent"), f"n{where}"
        )
    return _count(stage.n, f"n of stage {stage.name!r}")


def _check_stages(stages: Sequence[Stage]) -> None:
    if not stages:
        raise SamplingError("A multistage design needs at least one stage.")
    names = [stage.name for stage in stages]
    if len(set(names)) != len(names):
        raise SamplingError("Two stages have the same name.")
    for position, stage in enumerate(stages):
        if not stage.name or not str(stage.name).isidentifier() or stage.name in RESERVED_COLUMNS:
            raise SamplingError(
                f"Stage name {stage.name!r} must be an identifier other than {', '.join(RESERVED_COLUMNS)}."
            )
        if stage.method not in STAGE_METHODS:
            raise SamplingError(f"Stage {stage.name!r}: method must be one of {', '.join(STAGE_METHODS)}.")
        if stage.reserve and stage.method != "srs":
            raise SamplingError(f"Stage {stage.name!r}: a reserve list is drawn only with method='srs'.")
        if stage.counts is not None:
            if position != len(stages) - 1 or position == 0:
                raise SamplingError(f"Stage {stage.name!r}: counts describe only a last stage after another.")
            if stage.method != "srs":
                raise SamplingError(f"Stage {stage.name!r}: units given by counts are selected by srs.")
        elif stage.ids is None:
            raise SamplingError(f"Stage {stage.name!r} needs ids (or counts, for a last stage).")
        if stage.method == "pps" and stage.measures is None:
            raise SamplingError(f"Stage {stage.name!r}: pps needs measures of size.")
        if position > 0 and stage.counts is None and stage.parents is None:
            raise SamplingError(f"Stage {stage.name!r} needs parents (the id of each unit's parent unit).")


def _select_group(rng, stage: Stage, n: int, rows: np.ndarray, measures, forced, where: str):
    """(chosen rows, their conditional π, reserve rows) within one parent."""
    size = len(rows)
    if stage.method == "pps":
        positions, probabilities = _pps_positions(rng, measures[rows], n, forced[rows], True, where)
        return rows[positions], probabilities[positions], rows[:0]
    if n > size:
        raise SamplingError(f"Cannot draw {n} units out of {size}{where}.")
    if size == 0:
        return rows, np.zeros(0), rows
    if stage.method == "systematic":
        positions, spare = _systematic_positions(rng, size, n), np.zeros(0, dtype=np.int64)
    else:
        positions, spare = _srs_positions(rng, size, n, stage.reserve)
    return rows[positions], np.full(len(positions), n / size), rows[spare]


def multistage(stages: Sequence[Stage | Mapping], *, seed) -> MultistageSample:
    """Select stage after stage: in every selected unit of a stage, its children at the next.

    A typical household survey (domain.md §3.3, Addendum C4)::

        multistage([
            Stage("commune", ids=communes, parents=province_of_commune, n=communes_per_province,
                  method="pps", measures=population, forced=is_district_seat),
            Stage("village", ids=villages, parents=commune_of_village, n=2, method="pps",
                  measures=households_of_village, forced=is_commune_seat),
            Stage("household", ids=households, parents=village_of_household, n=20, reserve=10),
            Stage("adult", counts=adults_of_household, n=1),
        ], seed=2026)

    The overall ``π`` of a final unit is the product of its stage probabilities (each conditional on
    the units above it being selected): PPS ``m·M_i/ΣM`` (1 for forced and certainty units), SRS
    and systematic ``n/N`` within the parent, ``1/adults`` for one adult. ``weight = 1/π`` sums,
    in expectation, to the number of final units of the frame; with PPS by the number of final
    units and a fixed take below (PPS villages by households, then a fixed number of households),
    exactly. Stages may be ``Stage`` objects or mappings of their fields. The random numbers are
    drawn stage by stage, parents in the order of the sorted table, so the same seed and frame give
    the same sample whatever the row order of the inputs.
    """
    stages = [_as_stage(stage) for stage in stages]
    _check_stages(stages)
    rng = _rng(seed)

    first = stages[0]
    # One row per selected unit of the previous stage — at first one per stratum: paths[column][i].
    paths: dict[str, np.ndarray] = {}
    if first.parents is not None:
        paths["stratum"] = np.unique(_labels(first.parents, None, f"parents of stage {first.name!r}"))
        current = paths["stratum"]
    else:
        current = np.zeros(1, dtype=np.int64)
    probability = np.ones(len(current))
    previous_ids = None
    reserves: dict[str, dict[str, np.ndarray]] = {}
    for stage in stages:
        draws = _Draws()
        if stage.counts is not None:
            _draw_counted(rng, stage, current, draws)
            unit_ids = None
        else:
            unit_ids = _draw_listed(rng, stage, current, previous_ids, draws, first=stage is first)
        path = np.array(draws.path, dtype=np.int64)
        if stage.reserve:
            spare = np.array(draws.spare_path, dtype=np.int64)
            ancestors = {
                key: values[spare] for key, values in paths.items() if not key.endswith("_probability")
            }
            reserves[stage.name] = ancestors | {
                f"{stage.name}_id": _joined(draws.spare_units, unit_ids),
                "rank": np.array(draws.spare_rank, dtype=np.int64),
            }
        stage_probability = np.array(draws.probability, dtype=float)
        paths = {key: values[path] for key, values in paths.items()}
        paths[f"{stage.name}_id"] = _joined(draws.units, unit_ids)
        paths[f"{stage.name}_probability"] = stage_probability
        probability = probability[path] * stage_probability
        current = paths[f"{stage.name}_id"]
        previous_ids = unit_ids

    paths["probability"] = probability
    paths["weight"] = design_weights(probability)
    return MultistageSample(units=paths, reserves=reserves, stage_names=tuple(stage.name for stage in stages))


@dataclass
class _Draws:
    """What one stage selected: for each unit, the row of its parent in the paths table."""

    path: list = field(default_factory=list)
    units: list = field(default_factory=list)
    probability: list = field(default_factory=list)
    spare_path: list = field(default_factory=list)
    spare_units: list = field(default_factory=list)
    spare_rank: list = field(default_factory=list)

    def add(self, parent_row: int, units, probabilities, spare) -> None:
        self.path.extend([parent_row] * len(units))
        self.units.append(units)
        self.probability.extend(probabilities)
        self.spare_path.extend([parent_row] * len(spare))
        self.spare_units.append(spare)
        self.spare_rank.extend(range(1, len(spare) + 1))


def _joined(parts: list, ids: np.ndarray | None) -> np.ndarray:
    """The selected ids (of ``ids``' dtype, so an empty stage keeps the kind of its ids)."""
    if ids is None:
        return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)
    return np.concatenate([ids[:0], *parts])


def _where(stage: Stage, parent, single: bool) -> str:
    return f" (stage {stage.name!r})" if single else f" (stage {stage.name!r}, parent {_plain(parent)!r})"


def _draw_counted(rng, stage: Stage, current: np.ndarray, draws: _Draws) -> None:
    """A last stage of unlisted units (adults of a household): units 1…count of each parent."""
    for i, parent in enumerate(current):
        where = _where(stage, parent, False)
        count = _count(
            _lookup(stage.counts, parent, f"count of stage {stage.name!r} for parent"), f"count{where}"
        )
        if count == 0:
            raise SamplingError(f"There is no unit to select{where}.")
        rows = np.arange(count)
        picked, probabilities, spare = _select_group(
            rng, stage, _stage_n(stage, parent, where), rows, None, None, where
        )
        draws.add(i, picked + 1, probabilities, spare + 1)


def _draw_listed(rng, stage: Stage, current, previous_ids, draws: _Draws, *, first: bool) -> np.ndarray:
    """A stage of listed units: within each selected parent (row of ``current``), in sorted order."""
    unit_ids = _labels(stage.ids, None, f"ids of stage {stage.name!r}")
    size = len(unit_ids)
    if size == 0:
        raise SamplingError(f"Stage {stage.name!r} has no units.")
    single = first and stage.parents is None
    if single:
        group = np.zeros(size, dtype=np.int64)
    else:
        parents = _labels(stage.parents, size, f"parents of stage {stage.name!r}")
        if previous_ids is not None:
            _check_parents(stage, parents, previous_ids)
        group = _position_in(parents, current)
    measures = None if stage.measures is None else np.asarray(stage.measures, dtype=float)
    if measures is not None and measures.shape != (size,):
        raise SamplingError(f"Stage {stage.name!r}: measures have {measures.size} values, ids {size}.")
    forced = _mask(stage.forced, size)
    # Units of unselected parents sort last and are never reached.
    group = np.where(group >= 0, group, len(current))
    order = _order(size, ids=unit_ids, sort_key=stage.sort_key, groups=group)
    bounds = np.searchsorted(group[order], np.arange(len(current) + 1))
    for i, parent in enumerate(current):
        where = _where(stage, parent, single)
        rows = order[bounds[i] : bounds[i + 1]]
        if len(rows) == 0:
            raise SamplingError(f"There is no unit to select{where}.")
        n = _stage_n(stage, parent, where)
        picked, probabilities, spare = _select_group(rng, stage, n, rows, measures, forced, where)
        draws.add(i, unit_ids[picked], probabilities, unit_ids[spare])
    return unit_ids


def _check_parents(stage: Stage, parents: np.ndarray, previous_ids: np.ndarray) -> None:
    if _numeric(parents) != _numeric(previous_ids):
        raise SamplingError(
            f"Stage {stage.name!r}: the parents are {_kind(parents)} but the ids of the previous stage "
            f"are {_kind(previous_ids)}; use the same kind for both."
        )
    known = np.isin(parents, previous_ids)
    if not known.all():
        unknown = _plain(parents[np.flatnonzero(~known)[0]])
        raise SamplingError(f"Stage {stage.name!r}: parent {unknown!r} is not a unit of the previous stage.")


def _numeric(values: np.ndarray) -> bool:
    return values.dtype.kind in "biuf"


def _kind(values: np.ndarray) -> str:
    return "numbers" if _numeric(values) else "text"


def _position_in(values: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """For each value, its position in ``reference`` (unique), or −1."""
    if len(reference) == 0:
        return np.full(len(values), -1, dtype=np.int64)
    sorter = np.argsort(reference, kind="stable")
    found = np.searchsorted(reference, values, sorter=sorter)
    found = np.minimum(found, len(reference) - 1)
    positions = sorter[found]
    return np.where(reference[positions] == values, positions, -1).astype(np.int64)


# -----------------------------------------------------------------------------------------------
# Weights
# -----------------------------------------------------------------------------------------------
def design_weights(probabilities) -> np.ndarray:
    """``w_i = 1/π_i`` (Horvitz–Thompson): each sampled unit stands for ``1/π_i`` units of the frame."""
    pi = np.asarray(probabilities, dtype=float)
    if np.any(~np.isfinite(pi)) or np.any(pi <= 0) or np.any(pi > 1 + CERTAINTY_TOLERANCE):
        raise SamplingError("Every inclusion probability must be in (0, 1].")
    return 1.0 / pi


def weights_for_realised(
    strata, population_sizes: Mapping, completed_mask, *, partial: bool = False
) -> np.ndarray:
    """Weights of a stratified SRS after non-response and replacements: ``w = N_h / c_h``.

    ``strata``: the stratum of each sampled (or reserve) row that was approached;
    ``completed_mask``: whether it gave a completed interview; ``population_sizes``: label →
    ``N_h``. A completed row of stratum ``h`` gets ``N_h / c_h`` with ``c_h`` the completed rows of
    ``h``, any other row 0 — so ``Σ w`` over stratum ``h`` is ``N_h``: the weights reproduce the
    frame counts. This is the usual non-response adjustment within strata (the weighting-class
    adjustment): it assumes that, within a stratum, the people who answered are like those who did
    not. Raises when a stratum has no completed interview, or, unless ``partial``, when a stratum of
    ``population_sizes`` with ``N_h > 0`` has no sampled row.
    """
    labels = np.asarray(strata)
    completed = np.asarray(completed_mask)
    if labels.ndim != 1 or completed.shape != labels.shape:
        raise SamplingError("strata and completed_mask must be one-dimensional and of the same length.")
    if completed.dtype != bool:
        raise SamplingError("completed_mask must be booleans (True: a completed interview).")
    levels, codes = np.unique(labels, return_inverse=True)
    done = np.bincount(codes, weights=completed, minlength=len(levels))
    sizes = np.array(
        [
            _count(_lookup(population_sizes, level, "population size N_h for stratum"), "N_h")
            for level in levels
        ]
    )
    for h, level in enumerate(levels):
        if done[h] == 0:
            raise SamplingError(
                f"Stratum {_plain(level)!r} has no completed interview: its {sizes[h]} people cannot be "
                "represented. Use its reserve rows or merge it with another stratum."
            )
        if done[h] > sizes[h]:
            raise SamplingError(f"Stratum {_plain(level)!r} has more completed interviews than people (N_h).")
    if not partial:
        sampled = {str(_plain(level)) for level in levels}
        absent = [
            str(key)
            for key, value in population_sizes.items()
            if str(key) not in sampled and float(value) > 0
        ]
        if absent:
            raise SamplingError(
                f"Strata with people but no sampled row: {', '.join(sorted(absent)[:10])} "
                "(use partial=True to ignore them)."
            )
    return np.where(completed, (sizes / done)[codes], 0.0)
