"""Synthetic SIPAS-shaped survey data for benchmarks and large tests (deterministic, seeded).

``n`` respondents in ``units`` units (the domains); each unit is a stratum split into clusters
(PSUs: e.g. days or counters of collection); unequal weights; 22 five-point items in 5 criteria
(4 + 5 + 6 + 3 + 4, the shape of Decision 2640/QĐ-BNV) with "9" = not applicable and some blanks.
Each unit has its own quality and each respondent a mood, so the answers correlate like real ones.
"""

from __future__ import annotations

import numpy as np

from hailong.stats.indices import Method, Node

CRITERIA_SIZES = (4, 5, 6, 3, 4)


def item_names() -> list[str]:
    return [f"e{c + 1}_{i + 1}" for c, size in enumerate(CRITERIA_SIZES) for i in range(size)]


def default_method() -> Method:
    names = iter(item_names())
    nodes = tuple(
        Node(code=f"E{c + 1}", name=f"Yếu tố {c + 1}", items=tuple(next(names) for _ in range(size)))
        for c, size in enumerate(CRITERIA_SIZES)
    )
    return Method(valid=("1", "2", "3", "4", "5"), satisfied=("4", "5"), nodes=nodes)


def survey(n: int, units: int, *, clusters_per_unit: int = 10, seed: int = 2026) -> dict[str, np.ndarray]:
    """Columns: ``unit``, ``stratum`` (= unit), ``psu`` (within the stratum), ``weight``, and the
    items as small integer codes (0 = blank, 1–5, 9 = not applicable)."""
    rng = np.random.default_rng(seed)
    unit = rng.integers(0, units, n)
    psu = rng.integers(0, clusters_per_unit, n)
    quality = rng.normal(3.9, 0.35, units)
    mood = rng.normal(0, 0.45, n)
    # Six decimals: the CSV written for R holds exactly the weights used in memory.
    weight = np.round(rng.uniform(0.5, 3.0, units)[unit] * rng.uniform(0.8, 1.25, n), 6)
    columns: dict[str, np.ndarray] = {"unit": unit, "stratum": unit, "psu": psu, "weight": weight}
    element_effect = rng.normal(0, 0.3, (units, len(CRITERIA_SIZES)))
    names = item_names()
    criterion_of = np.repeat(np.arange(len(CRITERIA_SIZES)), CRITERIA_SIZES)
    for j, name in enumerate(names):
        latent = quality[unit] + element_effect[unit, criterion_of[j]] + mood + rng.normal(0, 0.6, n)
        codes = np.clip(np.rint(latent), 1, 5).astype(np.int8)
        special = rng.random(n)
        codes[special < 0.03] = 9
        codes[(special >= 0.03) & (special < 0.04)] = 0
        columns[name] = codes
    return columns


def write_csv(path, columns: dict[str, np.ndarray]) -> None:
    """As a respondent file would look: text codes, blanks for missing answers."""
    names = list(columns)
    text_columns = []
    for name in names:
        values = columns[name]
        if name == "weight":
            text_columns.append(np.char.mod("%.6f", values))
        elif name in ("unit", "stratum", "psu"):
            prefix = {"unit": "U", "stratum": "S", "psu": "P"}[name]
            text_columns.append(np.char.add(prefix, values.astype(str)))
        else:
            text = values.astype(str)
            text_columns.append(np.where(values == 0, "", text))
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(",".join(names) + "\n")
        for row in zip(*text_columns, strict=True):
            handle.write(",".join(row) + "\n")
