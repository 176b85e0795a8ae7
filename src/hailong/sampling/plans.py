"""Sample design on a frame: strata, sizes and the draw — numpy and ``hailong.stats.sampling`` only.

The formulas are those of ``hailong.stats.sampling`` (see ``docs/sampling-methods.md``); this module
only shapes a frame's strata for them and their results for storage:

- sizes per stratum from a rule (``sample_sizes``: Yamane — the official default — or Cochran,
  with margin, confidence, proportion, design effect, response rate, minimum), or a total split
  across strata (``allocate``: proportional, equal, Neyman, power);
- the draw: stratified simple random sampling (``stratified_srs``), systematic selection within
  each stratum on the frame sorted by received date (``systematic``), or two stages (``multistage``):
  units by PPS on their frame counts with forced units, then people by SRS in the selected units.

Every draw takes the recorded seed, so the same seed on the same frame gives the same people.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from hailong.core.messages import lazy_format
from hailong.sampling.choices import AllocationMethod, SelectionMethod, StratumField
from hailong.stats.sampling import (
    SamplingError,
    Stage,
    allocate,
    multistage,
    sample_sizes,
    stratified_srs,
    systematic,
)

STRATUM_ORDER = (StratumField.UNIT, StratumField.PROCEDURE_FIELD, StratumField.APPLICANT_TYPE)
DEFAULT_PARAMETERS = {
    "rule": "yamane",
    "margin": 0.05,
    "confidence": 0.95,
    "proportion": 0.5,
    "design_effect": 1.0,
    "response_rate": 1.0,
    "minimum": 0,
    "total": None,
    "power": 0.5,
    "units": None,
    "forced": [],
}


def stratum_key(values: Sequence) -> str:
    """The stored key of a stratum: its values in ``STRATUM_ORDER`` as a JSON list (``[]``: one)."""
    return json.dumps(list(values), ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class Stratum:
    key: str
    unit_id: int | None
    procedure_field: str | None
    applicant_type: str | None
    population: int


@dataclass(frozen=True)
class FrameArrays:
    """A frame as numpy columns (one element per record, sorted by id)."""

    ids: np.ndarray
    stratum: np.ndarray  # position of the record's stratum in the sorted strata list
    unit: np.ndarray
    received: np.ndarray  # days since 1970-01-01; −1 when unknown (sorted first)


def _invalid(message) -> ValidationError:
    return ValidationError(message)


def _stats_error(exc: SamplingError) -> ValidationError:
    return ValidationError(lazy_format(_("The sample cannot be computed: {error}"), error=str(exc)))


def computed_sizes(
    strata: list[Stratum], *, method: str, allocation_method: str, parameters: Mapping
) -> list[int]:
    """The computed sample size of each stratum (in the order of ``strata``)."""
    if not strata:
        raise _invalid(_("The frame has no records to sample from."))
    p = {**DEFAULT_PARAMETERS, **parameters}
    populations = {s.key: s.population for s in strata}
    rule_options = {
        "margin": float(p["margin"]),
        "confidence": float(p["confidence"]),
        "proportion": float(p["proportion"]),
        "design_effect": float(p["design_effect"]),
        "response_rate": float(p["response_rate"]),
        "minimum": int(p["minimum"] or 0),
        "rule": p["rule"],
    }
    try:
        if allocation_method == AllocationMethod.SIZE_RULE:
            sizes = sample_sizes(populations, **rule_options)
            return [int(sizes[s.key]) for s in strata]
        total = p.get("total")
        if total in (None, ""):
            raise _invalid(_("Give the total number of people to sample."))
        total = int(total)
        if method == SelectionMethod.PPS:
            # Two stages with a fixed take: the same number of people in every selected unit,
            # so the sample is self-weighting when units are drawn by their frame counts.
            units = int(p.get("units") or 0)
            if units <= 0:
                raise _invalid(_("Give the number of units to select at the first stage."))
            take = math.ceil(total / units)
            return [min(take, s.population) for s in strata]
        whole = sum(populations.values())
        if total > whole:
            raise _invalid(
                lazy_format(
                    _("The frame has only {n} dossiers; the total cannot be {total}."), n=whole, total=total
                )
            )
        minimum = int(p["minimum"] or 0)
        if minimum and total < sum(min(minimum, n) for n in populations.values()):
            raise _invalid(
                lazy_format(
                    _("A minimum of {minimum} in each of the {k} strata needs more than the total {total}."),
                    minimum=minimum,
                    k=len(strata),
                    total=total,
                )
            )
        sizes = allocate(
            total,
            populations,
            method=allocation_method,
            power=float(p["power"]),
            minimum=minimum,
        )
        return [int(sizes[s.key]) for s in strata]
    except SamplingError as exc:
        raise _stats_error(exc) from exc


def check_two_stage(strata: list[Stratum], parameters: Mapping) -> None:
    units = int(parameters.get("units") or 0)
    forced = set(parameters.get("forced") or [])
    known = {s.unit_id for s in strata}
    if units <= 0:
        raise _invalid(_("Give the number of units to select at the first stage."))
    if units > len(known):
        raise _invalid(
            lazy_format(_("The frame has only {n} units; {m} cannot be selected."), n=len(known), m=units)
        )
    if forced - known:
        raise _invalid(_("A unit taken for certain has no record in this frame."))
    if len(forced) > units:
        raise _invalid(
            lazy_format(
                _("{k} units are taken for certain, more than the {m} units to select."),
                k=len(forced),
                m=units,
            )
        )


@dataclass
class Draw:
    """What a draw selected: record positions (into ``FrameArrays``), their stratum positions and
    inclusion probabilities, reserve lists, and the first-stage probability of selected units."""

    rows: np.ndarray
    strata: np.ndarray
    probabilities: np.ndarray
    reserve_rows: np.ndarray
    reserve_strata: np.ndarray
    reserve_ranks: np.ndarray
    reserve_probabilities: np.ndarray
    unit_probabilities: dict[int, float]


def draw(
    frame: FrameArrays,
    strata: list[Stratum],
    sizes: list[int],
    *,
    method: str,
    seed: int,
    reserve: int,
    parameters: Mapping,
) -> Draw:
    """Select the sample: ``sizes[h]`` people in stratum ``h`` (selected units only, in two stages)."""
    try:
        if method == SelectionMethod.PPS:
            return _two_stage(frame, strata, sizes, seed=seed, reserve=reserve, parameters=parameters)
        if method == SelectionMethod.SYSTEMATIC:
            return _systematic(frame, strata, sizes, seed=seed, reserve=reserve)
        return _stratified(frame, strata, sizes, seed=seed, reserve=reserve)
    except SamplingError as exc:
        raise _stats_error(exc) from exc


def _reserve_arrays(frame: FrameArrays, reserve_lists: list[tuple[int, np.ndarray]], sizes, strata):
    rows, codes, ranks, probabilities = [], [], [], []
    for h, spare in reserve_lists:
        rows.append(spare)
        codes.append(np.full(len(spare), h, dtype=np.int64))
        ranks.append(np.arange(1, len(spare) + 1, dtype=np.int64))
        probabilities.append(np.full(len(spare), sizes[h] / strata[h].population))
    if not rows:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, np.zeros(0)
    return np.concatenate(rows), np.concatenate(codes), np.concatenate(ranks), np.concatenate(probabilities)


def _stratified(frame: FrameArrays, strata, sizes, *, seed: int, reserve: int) -> Draw:
    wanted = dict(enumerate(sizes))
    selection = stratified_srs(frame.stratum, wanted, seed=seed, reserve=reserve, ids=frame.ids)
    reserve_lists = [(int(h), np.asarray(rows, dtype=np.int64)) for h, rows in selection.reserve.items()]
    spare = _reserve_arrays(frame, sorted(reserve_lists), sizes, strata)
    return Draw(
        rows=selection.rows,
        strata=frame.stratum[selection.rows],
        probabilities=selection.probabilities,
        reserve_rows=spare[0],
        reserve_strata=spare[1],
        reserve_ranks=spare[2],
        reserve_probabilities=spare[3],
        unit_probabilities={},
    )


def _systematic(frame: FrameArrays, strata, sizes, *, seed: int, reserve: int) -> Draw:
    rng = np.random.default_rng(seed)
    order = np.argsort(frame.stratum, kind="stable")
    bounds = np.searchsorted(frame.stratum[order], np.arange(len(strata) + 1))
    chosen, codes, probabilities, reserve_lists = [], [], [], []
    for h in range(len(strata)):
        rows_h = order[bounds[h] : bounds[h + 1]]
        n_h = sizes[h]
        if n_h == 0 or len(rows_h) == 0:
            continue
        # Sorted by received date (then id): the sample spreads over the period like a
        # stratification by month would (implicit stratification).
        selection = systematic(n_h, sort_key=frame.received[rows_h], ids=frame.ids[rows_h], seed=rng)
        picked = rows_h[selection.rows]
        chosen.append(picked)
        codes.append(np.full(len(picked), h, dtype=np.int64))
        probabilities.append(selection.probabilities)
        if reserve:
            # Replacements: a random order of the stratum's other records (same generator, so the
            # seed fixes them too).
            # Positions follow the ids (``FrameArrays`` is sorted by id), so ``rest`` is in id order.
            rest = np.setdiff1d(rows_h, picked, assume_unique=True)
            reserve_lists.append((h, rest[rng.permutation(len(rest))[:reserve]]))
    spare = _reserve_arrays(frame, reserve_lists, sizes, strata)
    return Draw(
        rows=np.concatenate(chosen) if chosen else np.zeros(0, dtype=np.int64),
        strata=np.concatenate(codes) if codes else np.zeros(0, dtype=np.int64),
        probabilities=np.concatenate(probabilities) if probabilities else np.zeros(0),
        reserve_rows=spare[0],
        reserve_strata=spare[1],
        reserve_ranks=spare[2],
        reserve_probabilities=spare[3],
        unit_probabilities={},
    )


def _two_stage(frame: FrameArrays, strata, sizes, *, seed: int, reserve: int, parameters: Mapping) -> Draw:
    check_two_stage(strata, parameters)
    unit_ids = np.array([s.unit_id for s in strata], dtype=np.int64)
    measures = np.array([s.population for s in strata], dtype=float)
    forced = np.isin(unit_ids, np.array(list(parameters.get("forced") or []), dtype=np.int64))
    takes = {int(u): int(n) for u, n in zip(unit_ids, sizes, strict=True)}
    sample = multistage(
        [
            Stage(
                "unit",
                ids=unit_ids,
                n=int(parameters["units"]),
                method="pps",
                measures=measures,
                forced=forced,
            ),
            Stage("person", ids=frame.ids, parents=frame.unit, n=takes, reserve=reserve),
        ],
        seed=seed,
    )
    position_of_id = np.argsort(frame.ids)
    sorted_ids = frame.ids[position_of_id]

    def positions(ids: np.ndarray) -> np.ndarray:
        return position_of_id[np.searchsorted(sorted_ids, ids)]

    stratum_of_unit = {int(u): h for h, u in enumerate(unit_ids)}
    units = sample.units
    rows = positions(units["person_id"])
    unit_probabilities = {
        int(u): float(p) for u, p in zip(units["unit_id"], units["unit_probability"], strict=True)
    }
    spare = sample.reserves.get("person")
    if spare is not None and len(spare["person_id"]):
        reserve_rows = positions(spare["person_id"])
        reserve_strata = np.array([stratum_of_unit[int(u)] for u in spare["unit_id"]], dtype=np.int64)
        reserve_ranks = spare["rank"].astype(np.int64)
        reserve_probabilities = np.array(
            [
                unit_probabilities[int(u)]
                * sizes[stratum_of_unit[int(u)]]
                / strata[stratum_of_unit[int(u)]].population
                for u in spare["unit_id"]
            ]
        )
    else:
        reserve_rows = reserve_strata = reserve_ranks = np.zeros(0, dtype=np.int64)
        reserve_probabilities = np.zeros(0)
    return Draw(
        rows=rows,
        strata=np.array([stratum_of_unit[int(u)] for u in units["unit_id"]], dtype=np.int64),
        probabilities=units["probability"],
        reserve_rows=reserve_rows,
        reserve_strata=reserve_strata,
        reserve_ranks=reserve_ranks,
        reserve_probabilities=reserve_probabilities,
        unit_probabilities=unit_probabilities,
    )
