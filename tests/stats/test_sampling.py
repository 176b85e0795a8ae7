"""Sample sizes, allocations, seeded selections and design weights (``hailong.stats.sampling``).

Known values by hand (Yamane, Cochran, Neyman, power allocation, PPS with certainty and forced
units); exact properties (sizes per stratum, Σπ = n, Σw = N_h, Σw = frame size for self-weighting
multistage designs); unbiasedness checked by averaging over many seeds.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hailong.stats import Design, DesignError
from hailong.stats.sampling import (
    MultistageSample,
    SamplingError,
    Stage,
    allocate,
    design_weights,
    multistage,
    pps_systematic,
    sample_size,
    sample_sizes,
    stratified_srs,
    systematic,
    weights_for_realised,
)


def shuffled(rng, *columns):
    """The same rows in another order."""
    order = rng.permutation(len(columns[0]))
    return [np.asarray(column)[order] for column in columns]


# -----------------------------------------------------------------------------------------------
# Sample size
# -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("population", "expected"),
    [(1000, 286), (100, 80), (5000, 371), (10, 10), (0, 0)],  # 285.7, 80 exactly, 370.4, 9.8
)
def test_yamane_is_the_official_rule(population, expected):
    assert sample_size(population=population, margin=0.05, rule="yamane") == expected


def test_cochran_known_values():
    # z = 1.95996…, n0 = 1.95996² · 0.25 / 0.0025 = 384.15 → 385
    assert sample_size() == 385
    assert sample_size(population=10**9) == 385
    # finite population: 384.146 / (1 + 383.146/1000) = 277.7 → 278
    assert sample_size(population=1000) == 278
    # 99 %: 2.5758² · 0.25 / 0.0025 = 663.5 → 664; p = 0.1: 1.96² · 0.09 / 0.0025 = 138.3 → 139
    assert sample_size(confidence=0.99) == 664
    assert sample_size(proportion=0.1) == 139


def test_design_effect_response_rate_minimum_and_census_cap():
    # 285.71 × 2 / 0.8 = 714.3 → 715
    assert sample_size(population=1000, rule="yamane", design_effect=2, response_rate=0.8) == 715
    assert sample_size(population=1000, design_effect=2) == 435  # 768.29 / 1.76729 = 434.7
    # 50/1.125 = 44.4 → 45; a quota of 100 cannot exceed the 50 users: a census
    assert sample_size(population=50, rule="yamane") == 45
    assert sample_size(population=50, rule="yamane", minimum=100) == 50
    assert sample_size(population=5000, rule="yamane", minimum=500) == 500
    assert sample_size(population=120, rule="yamane", response_rate=0.5) == 120


def test_sample_sizes_for_many_units():
    populations = [0, 10, 100, 1000, 5000, 123456]
    sizes = sample_sizes(populations, rule="yamane")
    assert sizes.tolist() == [sample_size(population=p, rule="yamane") for p in populations]
    assert sample_sizes({"Sở Tư pháp": 1000, "UBND xã A": 300}, rule="yamane", minimum=200) == {
        "Sở Tư pháp": 286,
        "UBND xã A": 200,
    }


@pytest.mark.parametrize(
    "options",
    [
        {"population": -1},
        {"population": 10.5},
        {"margin": 0},
        {"confidence": 1},
        {"proportion": 1.5},
        {"design_effect": 0},
        {"response_rate": 0},
        {"minimum": -3},
        {"rule": "yamane"},  # needs N
        {"rule": "slovin"},
    ],
)
def test_sample_size_rejects_impossible_requests(options):
    with pytest.raises(SamplingError):
        sample_size(**options)


def test_sample_sizes_rejects_unknown_options_and_negative_populations():
    with pytest.raises(SamplingError, match="margn"):
        sample_sizes([100], margn=0.05)
    with pytest.raises(SamplingError):
        sample_sizes([100, -5])


def test_sampling_error_is_a_design_error_and_a_value_error():
    assert issubclass(SamplingError, DesignError)
    assert issubclass(SamplingError, ValueError)


# -----------------------------------------------------------------------------------------------
# Allocation
# -----------------------------------------------------------------------------------------------
def test_allocations_by_hand():
    assert allocate(60, [100, 200, 300]).tolist() == [10, 20, 30]
    # Neyman: N_h S_h = 50, 60, 30 of 140 → 25, 30, 15 of 70
    assert allocate(70, [100, 200, 300], method="neyman", sds=[0.5, 0.3, 0.1]).tolist() == [25, 30, 15]
    # from proportions: S = √(0.5·0.5) = 0.5 and √(0.1·0.9) = 0.3 → 100·0.5 : 100·0.3 = 5 : 3
    assert allocate(80, [100, 100], method="neyman", proportions=[0.5, 0.1]).tolist() == [50, 30]
    # square root: √100, √400, √900 = 10, 20, 30
    assert allocate(60, [100, 400, 900], method="power").tolist() == [10, 20, 30]
    # with Bankier's coefficients of variation: 10·2, 20·1, 30·1 = 20 : 20 : 30
    assert allocate(70, [100, 400, 900], method="power", power=0.5, sds=[2, 1, 1]).tolist() == [20, 20, 30]
    # equal shares: 3.33 each, the remainder to the first stratum
    assert allocate(10, [5, 5, 5], method="equal").tolist() == [4, 3, 3]


def test_power_and_neyman_limits():
    sizes = [120, 45, 800, 3000, 7]
    total = 400
    assert allocate(total, sizes, method="power", power=1).tolist() == allocate(total, sizes).tolist()
    assert (
        allocate(total, sizes, method="power", power=0).tolist()
        == allocate(total, sizes, method="equal").tolist()
    )
    # equal standard deviations: Neyman is proportional
    assert allocate(total, sizes, method="neyman").tolist() == allocate(total, sizes).tolist()
    # smaller power → more to the small strata
    small = [allocate(total, sizes, method="power", power=q)[1] for q in (1, 0.75, 0.5, 0.25, 0)]
    assert small == sorted(small)


def test_minimum_and_caps_are_redistributed():
    # the first stratum has only 5 people: all of them; the rest split 95
    assert allocate(100, [5, 100, 100], minimum=10).tolist() == [5, 48, 47]
    # a cap of 120 on the large stratum, the rest split evenly
    assert allocate(300, [1000, 100, 100], maximum=120).tolist() == [120, 90, 90]
    # Neyman wants 50 from a stratum of 10: take all 10, the other gets 90
    assert allocate(100, [10, 1000], method="neyman", sds=[1, 0.01]).tolist() == [10, 90]
    # a minimum raises the small strata; a per-stratum maximum as a mapping
    assert allocate(100, {"a": 50, "b": 1000, "c": 1000}, minimum=20) == {"a": 20, "b": 40, "c": 40}
    assert allocate(100, {"a": 500, "b": 1000}, maximum={"a": 10, "b": 1000}) == {"a": 10, "b": 90}


def test_allocation_of_a_mapping_keeps_its_labels():
    assert allocate(7, {"phường": 10, "xã": 20}) == {"phường": 2, "xã": 5}
    assert allocate(0, {"a": 3, "b": 0}) == {"a": 0, "b": 0}


@pytest.mark.parametrize(
    ("total", "sizes", "options", "message"),
    [
        (301, [100, 100, 100], {}, "at most 300"),
        (50, [100, 100, 100], {"minimum": 20}, "minimum"),
        (10, [5, -1], {}, "whole number"),
        (10, [5.5, 8], {}, "whole number"),
        (10, [], {}, "no strata"),
        (-1, [5, 8], {}, "whole number"),
        (10, [50, 50], {"method": "optimal"}, "method"),
        (10, [50, 50], {"sds": [1, 2]}, "neyman or power"),
        (10, [50, 50], {"method": "neyman", "sds": [1, -2]}, "standard deviation"),
        (10, [50, 50], {"method": "neyman", "sds": [1, 2, 3]}, "3 values for 2 strata"),
        (10, [50, 50], {"method": "power", "power": 2}, "power"),
        (60, [50, 50], {"method": "neyman", "sds": [1, 0]}, "positive share"),
        (10, [50, 50], {"maximum": 4}, "at most 8"),
    ],
)
def test_impossible_allocations_are_explained(total, sizes, options, message):
    with pytest.raises(SamplingError, match=message):
        allocate(total, sizes, **options)


@settings(max_examples=150, deadline=None)
@given(
    sizes=st.lists(st.integers(0, 500), min_size=1, max_size=12),
    fraction=st.floats(0, 1),
    method=st.sampled_from(["proportional", "equal", "neyman", "power"]),
    minimum=st.integers(0, 30),
    seed=st.integers(0, 2**16),
)
def test_allocation_sums_to_the_total_within_the_bounds(sizes, fraction, method, minimum, seed):
    sizes = np.array(sizes)
    low = np.minimum(minimum, sizes)
    total = int(low.sum() + round(fraction * (sizes.sum() - low.sum())))
    sds = np.random.default_rng(seed).uniform(0.05, 1, len(sizes)) if method in ("neyman", "power") else None
    n = allocate(total, sizes, method=method, minimum=minimum, sds=sds)
    assert n.sum() == total
    assert np.all(n >= low)
    assert np.all(n <= sizes)


@settings(max_examples=100, deadline=None)
@given(sizes=st.lists(st.integers(1, 10_000), min_size=1, max_size=20), fraction=st.floats(0, 1))
def test_proportional_allocation_is_within_one_of_its_quota(sizes, fraction):
    total = round(fraction * sum(sizes))
    quota = total * np.array(sizes) / sum(sizes)
    assert np.all(np.abs(allocate(total, sizes) - quota) < 1)


# -----------------------------------------------------------------------------------------------
# Stratified simple random sampling
# -----------------------------------------------------------------------------------------------
def frame(seed=0, strata_sizes=None):
    """Respondent lists of three units: ids and units, in no particular order."""
    strata_sizes = strata_sizes or {"Sở Tư pháp": 400, "UBND huyện A": 250, "UBND xã B": 60}
    units = np.repeat(list(strata_sizes), list(strata_sizes.values()))
    ids = np.array([f"HS-{i:05d}" for i in range(len(units))])
    return shuffled(np.random.default_rng(seed), ids, units)


def test_stratified_srs_realises_the_allocation_exactly():
    ids, units = frame()
    counts = dict(zip(*np.unique(units, return_counts=True), strict=True))
    allocation = allocate(200, counts, method="power", minimum=30)
    sample = stratified_srs(units, allocation, seed=7, ids=ids)
    realised = dict(zip(*np.unique(sample.strata, return_counts=True), strict=True))
    assert realised == allocation
    assert np.array_equal(units[sample.rows], sample.strata)
    assert len(np.unique(sample.rows)) == len(sample) == 200
    for unit, n in allocation.items():
        in_unit = sample.strata == unit
        assert np.allclose(sample.probabilities[in_unit], n / counts[unit])
        # design weights reproduce the frame counts
        assert sample.weights[in_unit].sum() == pytest.approx(counts[unit])
    assert sample.frame_probabilities.sum() == pytest.approx(200)


def test_stratified_srs_same_seed_same_sample_other_seed_other_sample():
    ids, units = frame()
    first = stratified_srs(units, 20, seed=2026, ids=ids, reserve=5)
    again = stratified_srs(units, 20, seed=2026, ids=ids, reserve=5)
    other = stratified_srs(units, 20, seed=2027, ids=ids, reserve=5)
    assert np.array_equal(first.rows, again.rows)
    assert all(np.array_equal(first.reserve[key], again.reserve[key]) for key in first.reserve)
    assert set(first.rows) != set(other.rows)
    # a Generator is accepted too
    assert np.array_equal(
        stratified_srs(units, 20, seed=np.random.default_rng(2026), ids=ids).rows, first.rows
    )


def test_stratified_srs_does_not_depend_on_the_row_order_when_ids_are_given():
    ids, units = frame()
    other_ids, other_units = frame(seed=99)  # the same rows, shuffled differently
    a = stratified_srs(units, {"Sở Tư pháp": 30, "UBND xã B": 10}, seed=5, ids=ids, reserve=4)
    b = stratified_srs(other_units, {"Sở Tư pháp": 30, "UBND xã B": 10}, seed=5, ids=other_ids, reserve=4)
    assert ids[a.rows].tolist() == other_ids[b.rows].tolist()
    for unit in a.reserve:
        assert ids[a.reserve[unit]].tolist() == other_ids[b.reserve[unit]].tolist()
    # an unlisted stratum is not sampled
    assert "UBND huyện A" not in set(a.strata)
    assert len(a.reserve["UBND huyện A"]) == 0


def test_reserve_rows_are_ordered_replacements_that_leave_the_sample_alone():
    ids, units = frame()
    plain = stratified_srs(units, 20, seed=11, ids=ids)
    with_reserve = stratified_srs(units, 20, seed=11, ids=ids, reserve=10)
    assert np.array_equal(plain.rows, with_reserve.rows)
    for unit, spare in with_reserve.reserve.items():
        assert len(spare) == 10
        assert np.all(units[spare] == unit)
        assert not set(spare) & set(with_reserve.rows)
    # a larger sample with the same seed extends the smaller one: the reserve comes first
    larger = stratified_srs(units, 25, seed=11, ids=ids)
    for unit, spare in with_reserve.reserve.items():
        added = set(larger.rows[larger.strata == unit]) - set(plain.rows[plain.strata == unit])
        assert added == set(spare[:5])
    # a small stratum gets what is left
    short = stratified_srs(units, {"UBND xã B": 55}, seed=1, ids=ids, reserve=10)
    assert len(short.reserve["UBND xã B"]) == 5


def test_replacement_then_realised_weights_reproduce_the_frame_counts():
    ids, units = frame()
    counts = dict(zip(*np.unique(units, return_counts=True), strict=True))
    sample = stratified_srs(units, 40, seed=3, ids=ids, reserve=15)
    rng = np.random.default_rng(0)
    approached, completed = [], []
    for unit in counts:
        queue = list(sample.reserve[unit])
        for row in sample.rows[sample.strata == unit]:
            # the replacement rule: a refusal is replaced by the next reserve row of the same unit
            while True:
                answered = rng.random() < 0.7
                approached.append(row)
                completed.append(answered)
                if answered or not queue:
                    break
                row = queue.pop(0)
    approached, completed = np.array(approached), np.array(completed)
    weights = weights_for_realised(units[approached], counts, completed)
    assert np.all(weights[~completed] == 0)
    for unit, size in counts.items():
        in_unit = units[approached] == unit
        assert weights[in_unit].sum() == pytest.approx(size)
        assert np.allclose(weights[in_unit & completed], size / (in_unit & completed).sum())


@pytest.mark.parametrize(
    ("n", "message"),
    [({"UBND xã B": 61}, "which has 60"), ({"UBND xã C": 5}, "no rows"), ({"UBND xã B": -1}, "whole number")],
)
def test_stratified_srs_rejects_impossible_requests(n, message):
    ids, units = frame()
    with pytest.raises(SamplingError, match=message):
        stratified_srs(units, n, seed=1, ids=ids)


def test_selections_need_a_seed_a_frame_and_unique_ids():
    with pytest.raises(SamplingError, match="seed"):
        stratified_srs(["a", "b"], 1, seed=None)
    with pytest.raises(SamplingError, match="no rows"):
        stratified_srs([], 1, seed=1)
    with pytest.raises(SamplingError, match="unique"):
        stratified_srs(["a", "a"], 1, seed=1, ids=["x", "x"])
    with pytest.raises(SamplingError, match="rows"):
        stratified_srs(["a", "a"], 1, seed=1, ids=["x"])


# -----------------------------------------------------------------------------------------------
# Systematic
# -----------------------------------------------------------------------------------------------
def test_systematic_has_equal_probabilities_and_an_even_spread():
    for seed in range(50):
        sample = systematic(7, size=100, seed=seed)
        assert len(sample) == len(np.unique(sample.rows)) == 7
        assert np.all(np.isin(np.diff(sample.rows), [14, 15]))  # interval 100/7 = 14.29
        assert np.allclose(sample.probabilities, 0.07)
    assert systematic(5, size=5, seed=1).rows.tolist() == [0, 1, 2, 3, 4]
    assert systematic(0, size=5, seed=1).rows.tolist() == []


def test_systematic_inclusion_frequencies_match_n_over_N():
    hits = np.zeros(23)
    draws = 2000
    for seed in range(draws):
        hits[systematic(4, size=23, seed=seed).rows] += 1
    assert np.allclose(hits / draws, 4 / 23, atol=0.03)


def test_systematic_on_a_sorted_frame_stratifies_implicitly():
    rng = np.random.default_rng(1)
    district = np.repeat(["D1", "D2", "D3", "D4"], 25)
    ids = np.arange(100)
    ids, district = shuffled(rng, ids, district)
    for seed in range(20):
        sample = systematic(20, seed=seed, sort_key=district, ids=ids)
        # interval 5 on the frame sorted by district: exactly 5 from each district of 25
        assert np.unique(district[sample.rows], return_counts=True)[1].tolist() == [5, 5, 5, 5]
    # the same rows in another order give the same sample
    other_ids, other_district = shuffled(rng, ids, district)
    a = systematic(20, seed=8, sort_key=district, ids=ids)
    b = systematic(20, seed=8, sort_key=other_district, ids=other_ids)
    assert ids[a.rows].tolist() == other_ids[b.rows].tolist()


def test_systematic_rejects_impossible_requests():
    with pytest.raises(SamplingError, match="out of a frame of 5"):
        systematic(6, size=5, seed=1)
    with pytest.raises(SamplingError, match="frame size"):
        systematic(2, seed=1)
    with pytest.raises(SamplingError, match="size is 4"):
        systematic(2, size=4, ids=[1, 2, 3], seed=1)


# -----------------------------------------------------------------------------------------------
# PPS
# -----------------------------------------------------------------------------------------------
def test_pps_probabilities_by_hand():
    sample = pps_systematic([50, 30, 10, 5, 5], 2, seed=1)
    # 2·50/100 = 1: certainty; then 1 draw among 30, 10, 5, 5 of 50
    assert sample.frame_probabilities.tolist() == pytest.approx([1, 0.6, 0.2, 0.1, 0.1])
    # certainty in two rounds: 3·60/100 ≥ 1, then 2·30/40 ≥ 1, then 1 draw among 5, 5
    sample = pps_systematic([60, 30, 5, 5], 3, seed=1)
    assert sample.frame_probabilities.tolist() == pytest.approx([1, 1, 0.5, 0.5])
    assert sample.certain.tolist() == [True, True, False]
    # forced unit (the provincial capital): then 1 draw among 20, 30, 40 of 90
    sample = pps_systematic([10, 20, 30, 40], 2, forced=[0], seed=1)
    assert sample.frame_probabilities.tolist() == pytest.approx([1, 2 / 9, 3 / 9, 4 / 9])


def test_pps_probabilities_sum_to_n_and_certainty_units_are_always_in():
    rng = np.random.default_rng(4)
    sizes = np.concatenate([[5000, 3000], rng.integers(50, 400, 40)])
    for seed in range(40):
        sample = pps_systematic(sizes, 6, seed=seed)
        assert sample.frame_probabilities.sum() == pytest.approx(6)
        assert len(sample) == len(np.unique(sample.rows)) == 6
        assert {0, 1} <= set(sample.rows)
        assert np.all(sample.probabilities[np.isin(sample.rows, [0, 1])] == 1)
        assert np.all(sample.frame_probabilities <= 1)


def test_forced_units_are_always_selected():
    sizes = np.random.default_rng(5).integers(1, 100, 30)
    forced = np.zeros(30, dtype=bool)
    forced[[3, 17]] = True
    for seed in range(40):
        sample = pps_systematic(sizes, 5, forced=forced, seed=seed)
        assert {3, 17} <= set(sample.rows)
        assert sample.frame_probabilities[forced].tolist() == [1, 1]
        assert sample.frame_probabilities.sum() == pytest.approx(5)
    # row indices or a mask: the same
    assert np.array_equal(
        pps_systematic(sizes, 5, forced=[17, 3], seed=9).rows,
        pps_systematic(sizes, 5, forced=forced, seed=9).rows,
    )


def test_pps_inclusion_frequencies_match_the_probabilities():
    sizes = np.array([40, 3, 12, 25, 7, 18, 30, 9, 14, 22])
    draws = 2000
    hits = np.zeros(len(sizes))
    y = sizes * 2.0 + np.arange(len(sizes))  # not proportional to the size
    estimates = []
    for seed in range(draws):
        sample = pps_systematic(sizes, 3, seed=seed)
        hits[sample.rows] += 1
        estimates.append((y[sample.rows] * sample.weights).sum())
    assert np.allclose(hits / draws, sample.frame_probabilities, atol=0.035)
    # Horvitz–Thompson: Σ y/π is unbiased for Σ y
    assert np.mean(estimates) == pytest.approx(y.sum(), rel=0.01)


def test_pps_does_not_depend_on_the_row_order_when_ids_are_given():
    rng = np.random.default_rng(2)
    ids = np.array([f"X{i:03d}" for i in range(50)])
    sizes = rng.integers(1, 1000, 50)
    seat = ids == "X007"
    other_ids, other_sizes, other_seat = shuffled(rng, ids, sizes, seat)
    a = pps_systematic(sizes, 4, forced=seat, ids=ids, seed=13)
    b = pps_systematic(other_sizes, 4, forced=other_seat, ids=other_ids, seed=13)
    assert ids[a.rows].tolist() == other_ids[b.rows].tolist()
    assert np.allclose(a.probabilities, b.probabilities)
    samples = {tuple(pps_systematic(sizes, 4, forced=seat, ids=ids, seed=seed).rows) for seed in range(20)}
    assert len(samples) >= 15  # other seeds, other samples


@pytest.mark.parametrize(
    ("measures", "n", "options", "message"),
    [
        ([10, 0, 5], 2, {}, "measure of size 0"),
        ([10, -1, 5], 2, {}, "≥ 0"),
        ([10, np.nan, 5], 2, {}, "finite"),
        ([10, 5, 5], 4, {}, "out of 3"),
        ([10, 5, 5], 1, {"forced": [0, 1]}, "forced"),
        ([80, 10, 10], 2, {"certainty": False}, "certainty=True"),
        ([], 1, {}, "no units"),
    ],
)
def test_pps_rejects_impossible_requests(measures, n, options, message):
    with pytest.raises(SamplingError, match=message):
        pps_systematic(measures, n, seed=1, **options)


def test_pps_allows_a_zero_measure_for_forced_units_and_exact_certainty_without_certainty():
    sample = pps_systematic([0, 10, 10], 2, forced=[0], seed=1)
    assert 0 in sample.rows
    sample = pps_systematic([50, 25, 25], 2, certainty=False, seed=1)  # 2·50/100 = 1 exactly
    assert 0 in sample.rows


# -----------------------------------------------------------------------------------------------
# Weights
# -----------------------------------------------------------------------------------------------
def test_design_weights_are_inverse_probabilities():
    assert design_weights([1, 0.5, 0.25]).tolist() == [1, 2, 4]
    for bad in ([0.5, 0], [1.5], [np.nan]):
        with pytest.raises(SamplingError):
            design_weights(bad)


def test_weights_for_realised_samples():
    strata = np.array(["a", "a", "a", "b", "b"])
    completed = np.array([True, False, True, True, True])
    weights = weights_for_realised(strata, {"a": 100, "b": 30}, completed)
    assert weights.tolist() == [50, 0, 50, 15, 15]
    with pytest.raises(SamplingError, match="no completed interview"):
        weights_for_realised(strata, {"a": 100, "b": 30}, np.array([False, False, False, True, True]))
    with pytest.raises(SamplingError, match="no sampled row: c"):
        weights_for_realised(strata, {"a": 100, "b": 30, "c": 5}, completed)
    assert weights_for_realised(strata, {"a": 100, "b": 30, "c": 5}, completed, partial=True).sum() == 130
    with pytest.raises(SamplingError, match="No population size"):
        weights_for_realised(strata, {"a": 100}, completed)
    with pytest.raises(SamplingError, match="more completed"):
        weights_for_realised(strata, {"a": 1, "b": 30}, completed)
    with pytest.raises(SamplingError, match="booleans"):
        weights_for_realised(strata, {"a": 100, "b": 30}, completed.astype(int))
    # numeric labels match text keys (as read from a file)
    assert weights_for_realised([1, 1, 2], {"1": 10, "2": 4}, np.array([True, True, True])).tolist() == [
        5,
        5,
        4,
    ]


# -----------------------------------------------------------------------------------------------
# Multistage
# -----------------------------------------------------------------------------------------------
def household_frame(*, equal: bool, seed: int = 0):
    """Two provinces × communes → villages → households with 1–4 adults (a constructed frame).

    With ``equal`` every commune has 4 villages and every village 10 households."""
    rng = np.random.default_rng(seed)
    communes, province, seat_commune = [], [], []
    villages, village_commune, seat_village, village_households = [], [], [], []
    households, household_village = [], []
    for p, n_communes in (("P01", 5), ("P02", 7)):
        for c in range(n_communes):
            commune = f"{p}-C{c}"
            communes.append(commune)
            province.append(p)
            seat_commune.append(c == 0)
            for v in range(4 if equal else int(rng.integers(2, 6))):
                village = f"{commune}-V{v}"
                villages.append(village)
                village_commune.append(commune)
                seat_village.append(v == 0)
                size = 10 if equal else int(rng.integers(6, 30))
                village_households.append(size)
                for h in range(size):
                    households.append(f"{village}-H{h:02d}")
                    household_village.append(village)
    adults = {h: int(rng.integers(1, 5)) for h in households}
    return {
        "communes": np.array(communes),
        "province": np.array(province),
        "seat_commune": np.array(seat_commune),
        "villages": np.array(villages),
        "village_commune": np.array(village_commune),
        "seat_village": np.array(seat_village),
        "village_households": np.array(village_households),
        "households": np.array(households),
        "household_village": np.array(household_village),
        "adults": adults,
    }


def srs_stages(f, *, with_adults: bool):
    stages = [
        Stage("commune", ids=f["communes"], parents=f["province"], n=2),
        Stage("village", ids=f["villages"], parents=f["village_commune"], n=2),
        Stage("household", ids=f["households"], parents=f["household_village"], n=5, reserve=3),
    ]
    if with_adults:
        stages.append(Stage("adult", counts=f["adults"], n=1))
    return stages


def test_multistage_srs_at_every_stage_on_equal_clusters_is_exact():
    f = household_frame(equal=True)
    for seed in range(10):
        sample = multistage(srs_stages(f, with_adults=False), seed=seed)
        units = sample.units
        # 2 provinces × 2 communes × 2 villages × 5 households
        assert len(units["household_id"]) == 40
        # weights 5/2 · 4/2 · 10/5 (P01) and 7/2 · 4/2 · 10/5 (P02): Σw = the frame's 480 households
        assert units["weight"].sum() == pytest.approx(len(f["households"]))
        assert np.allclose(
            units["probability"],
            units["commune_probability"] * units["village_probability"] * units["household_probability"],
        )
        assert np.allclose(units["weight"] * units["probability"], 1)
        for province, size in (("P01", 50 * 4), ("P02", 70 * 4)):
            assert units["weight"][units["stratum"] == province].sum() == pytest.approx(size)


def test_multistage_pps_with_forced_seats_and_a_fixed_take_reproduces_the_frame_exactly():
    """PAPI-like: seat commune + 2 PPS communes, seat village + 1 PPS village, both by households,
    then a fixed take of 6 households. Each PPS part weighs its units back to the others' total
    (M_i / (m·M_i/ΣM) summed over m draws = ΣM) and forced units count themselves: Σw = frame."""
    f = household_frame(equal=False, seed=3)
    households_of = dict.fromkeys(f["communes"], 0)
    for commune, size in zip(f["village_commune"], f["village_households"], strict=True):
        households_of[commune] += size
    stages = [
        Stage("commune", ids=f["communes"], parents=f["province"], n=3, method="pps",
              measures=[households_of[c] for c in f["communes"]], forced=f["seat_commune"]),
        Stage("village", ids=f["villages"], parents=f["village_commune"], n=2, method="pps",
              measures=f["village_households"], forced=f["seat_village"]),
        Stage("household", ids=f["households"], parents=f["household_village"], n=6),
    ]  # fmt: skip
    seats = set(f["communes"][f["seat_commune"]])
    for seed in range(15):
        units = multistage(stages, seed=seed).units
        assert units["weight"].sum() == pytest.approx(len(f["households"]))
        assert seats <= set(units["commune_id"])
        chosen_villages = set(units["village_id"])
        assert len(chosen_villages) == 2 * 3 * 2
        for commune in set(units["commune_id"]):
            assert f"{commune}-V0" in chosen_villages  # the commune seat village
        assert np.all(units["commune_probability"][np.isin(units["commune_id"], list(seats))] == 1)


def test_multistage_weights_estimate_the_population_on_average():
    f = household_frame(equal=False, seed=1)
    total_adults = sum(f["adults"].values())
    stages = srs_stages(f, with_adults=True)
    sums = [multistage(stages, seed=seed).units["weight"].sum() for seed in range(200)]
    assert np.mean(sums) == pytest.approx(total_adults, rel=0.03)
    papi = [
        Stage("commune", ids=f["communes"], parents=f["province"], n=3, method="pps",
              measures=np.ones(len(f["communes"])) + f["seat_commune"], forced=f["seat_commune"]),
        Stage("village", ids=f["villages"], parents=f["village_commune"], n=2, method="pps",
              measures=f["village_households"], forced=f["seat_village"]),
        Stage("household", ids=f["households"], parents=f["household_village"], n=6),
    ]  # fmt: skip
    sums = [multistage(papi, seed=seed).units["weight"].sum() for seed in range(200)]
    assert np.mean(sums) == pytest.approx(len(f["households"]), rel=0.03)


def test_multistage_is_reproducible_and_does_not_depend_on_the_row_order():
    f = household_frame(equal=False, seed=2)
    a = multistage(srs_stages(f, with_adults=True), seed=42)
    again = multistage(srs_stages(f, with_adults=True), seed=42)
    other = multistage(srs_stages(f, with_adults=True), seed=43)
    rng = np.random.default_rng(0)
    communes, province = shuffled(rng, f["communes"], f["province"])
    villages, village_commune = shuffled(rng, f["villages"], f["village_commune"])
    households, household_village = shuffled(rng, f["households"], f["household_village"])
    adults = dict(reversed(list(f["adults"].items())))
    reordered = multistage(
        [
            {"name": "commune", "ids": communes, "parents": province, "n": 2},
            {"name": "village", "ids": villages, "parents": village_commune, "n": 2},
            {"name": "household", "ids": households, "parents": household_village, "n": 5, "reserve": 3},
            {"name": "adult", "counts": adults, "n": 1},
        ],
        seed=42,
    )
    assert isinstance(a, MultistageSample)
    assert a.stage_names == ("commune", "village", "household", "adult")
    for column, values in a.units.items():
        assert np.array_equal(values, again.units[column])
        assert np.array_equal(values, reordered.units[column])
    for column, values in a.reserves["household"].items():
        assert np.array_equal(values, reordered.reserves["household"][column])
    assert set(a.units["household_id"]) != set(other.units["household_id"])


def test_multistage_reserves_and_stage_sizes_per_stratum():
    f = household_frame(equal=True)
    stages = srs_stages(f, with_adults=False)
    stages[0] = Stage("commune", ids=f["communes"], parents=f["province"], n={"P01": 1, "P02": 3})
    sample = multistage(stages, seed=5)
    units, spare = sample.units, sample.reserves["household"]
    assert np.unique(units["stratum"], return_counts=True)[1].tolist() == [1 * 2 * 5, 3 * 2 * 5]
    assert set(spare) == {"stratum", "commune_id", "village_id", "household_id", "rank"}
    assert len(spare["household_id"]) == 4 * 2 * 3
    assert not set(spare["household_id"]) & set(units["household_id"])
    assert all(h.startswith(v) for h, v in zip(spare["household_id"], spare["village_id"], strict=True))
    assert set(spare["village_id"]) == set(units["village_id"])
    assert spare["rank"].tolist() == [1, 2, 3] * 8


def test_multistage_output_feeds_the_estimation_design():
    f = household_frame(equal=False, seed=4)
    units = multistage(srs_stages(f, with_adults=True), seed=1).units
    design = Design.build(strata=units["stratum"], clusters=units["commune_id"], weights=units["weight"])
    assert design.n == len(units["adult_id"])
    assert design.n_strata == 2
    assert design.n_psus == 4
    assert design.weights.sum() == pytest.approx(units["weight"].sum())
    adults = np.array([f["adults"][h] for h in units["household_id"]])
    assert np.allclose(units["adult_probability"], 1 / adults)
    assert np.all((units["adult_id"] >= 1) & (units["adult_id"] <= adults))


def test_multistage_without_strata_and_with_systematic_stages():
    f = household_frame(equal=True)
    units = multistage(
        [
            Stage("village", ids=f["villages"], n=6, method="systematic", sort_key=f["village_commune"]),
            Stage("household", ids=f["households"], parents=f["household_village"], n=4, method="systematic"),
        ],
        seed=3,
    ).units
    assert "stratum" not in units
    assert len(units["household_id"]) == 24
    assert units["weight"].sum() == pytest.approx(len(f["households"]))  # 48 villages · 10 households


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({1: {"n": 5}}, "out of 4"),
        ({1: {"parents": None}}, "needs parents"),
        ({1: {"method": "pps"}}, "measures"),
        ({1: {"method": "cluster"}}, "method"),
        ({1: {"reserve": 2, "method": "systematic"}}, "reserve"),
        ({0: {"n": {"P01": 1}}}, "stage size"),
        ({1: {"name": "commune"}}, "same name"),
        ({1: {"name": "weight"}}, "identifier"),
        ({2: {"ids": None}}, "needs ids"),
        ({2: {"size": 5}}, "Unknown stage field"),
    ],
)
def test_multistage_rejects_impossible_designs(change, message):
    f = household_frame(equal=True)
    stages = [
        {
            "name": stage.name,
            "ids": stage.ids,
            "parents": stage.parents,
            "n": stage.n,
            "reserve": stage.reserve,
        }
        for stage in srs_stages(f, with_adults=False)
    ]
    for position, fields in change.items():
        stages[position] |= fields
    with pytest.raises(SamplingError, match=message):
        multistage(stages, seed=1)


def test_multistage_rejects_inconsistent_frames():
    f = household_frame(equal=True)
    stages = srs_stages(f, with_adults=False)
    parents = f["household_village"].copy()
    parents[0] = "nowhere"
    stages[2] = Stage("household", ids=f["households"], parents=parents, n=5)
    with pytest.raises(SamplingError, match="'nowhere' is not a unit"):
        multistage(stages, seed=1)
    stages[1] = Stage("village", ids=f["villages"], parents=np.arange(len(f["villages"])), n=2)
    with pytest.raises(SamplingError, match="numbers"):
        multistage(stages, seed=1)
    adults = dict(f["adults"])
    adults[f["households"][0]] = 0
    with pytest.raises(SamplingError):
        multistage(
            [Stage("household", ids=f["households"][:1], n=1), Stage("adult", counts=adults, n=1)], seed=1
        )
    with pytest.raises(SamplingError, match="last stage"):
        multistage([Stage("adult", counts=adults, n=1)], seed=1)
