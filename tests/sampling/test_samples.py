"""Sample sizes, allocation and selection on imported frames: the numbers of hailong.stats.sampling,
reproducible from the seed, realised as allocated, weights that give back the frame's counts."""

from collections import Counter

import numpy as np
import pytest
from django.core.exceptions import ValidationError

from hailong.sampling.choices import AllocationMethod, SampleStatus, SelectionMethod
from hailong.sampling.models import FrameRecord, SampledPerson
from hailong.sampling.services import sample_draw, sample_plan, sample_set_sizes
from hailong.stats.sampling import allocate, sample_size, weights_for_realised
from tests.sampling.conftest import csv_bytes, frame_rows, import_bytes

pytestmark = pytest.mark.django_db

STRATA = ["unit", "applicant_type"]


@pytest.fixture
def frame(campaign):
    """600 dossiers over two wards, citizens and organisations: four strata."""
    frame = import_bytes(campaign, csv_bytes(frame_rows(600, seed=3)))
    assert frame.status == "ready"
    return frame


def frame_counts(frame, fields=("unit_id", "applicant_type")):
    return Counter(FrameRecord.objects.filter(frame=frame).values_list(*fields))


def drawn(sample, *, reserve=False):
    return list(
        SampledPerson.objects.filter(sample=sample, is_reserve=reserve)
        .order_by("stratum", "reserve_rank", "record_id")
        .values_list("record_id", flat=True)
    )


def plan(frame, **options):
    options.setdefault("name", "Mẫu thử")
    options.setdefault("strata_by", STRATA)
    return sample_plan(frame=frame, **options)


def test_yamane_sizes_per_stratum_are_those_of_stats(frame):
    sample = plan(frame, parameters={"rule": "yamane", "margin": 0.05})
    counts = frame_counts(frame)
    assert len(sample.allocation) == 4
    for row in sample.allocation:
        population = counts[(row["unit"], row["applicant_type"])]
        assert row["population"] == population
        assert (
            row["computed"] == row["size"] == sample_size(population=population, rule="yamane", margin=0.05)
        )
    assert sample.status == SampleStatus.PLANNED and sample.seed > 0, "a random seed, shown and stored"


def test_cochran_with_design_effect_response_rate_and_minimum(frame):
    parameters = {
        "rule": "cochran",
        "margin": 0.1,
        "confidence": 0.9,
        "proportion": 0.8,
        "design_effect": 1.5,
        "response_rate": 0.7,
        "minimum": 40,
    }
    sample = plan(frame, parameters=parameters)
    options = {k: v for k, v in parameters.items() if k != "margin"} | {"margin": 0.1}
    for row in sample.allocation:
        assert row["computed"] == sample_size(population=row["population"], **options)
    assert min(row["computed"] for row in sample.allocation) >= min(
        40, min(r["population"] for r in sample.allocation)
    )


@pytest.mark.parametrize("method", ["proportional", "equal", "neyman", "power"])
def test_a_provincial_total_is_allocated_across_strata(frame, method):
    sample = plan(frame, allocation_method=method, parameters={"total": 120, "power": 0.5})
    sizes = {row["stratum"]: row["size"] for row in sample.allocation}
    expected = allocate(120, {row["stratum"]: row["population"] for row in sample.allocation}, method=method)
    assert sizes == expected and sum(sizes.values()) == 120


def test_impossible_plans_are_refused_clearly(frame, campaign, english):
    with pytest.raises(ValidationError, match="only 600 dossiers"):
        plan(frame, allocation_method=AllocationMethod.PROPORTIONAL, parameters={"total": 601})
    with pytest.raises(ValidationError, match="needs more than the total"):
        plan(frame, allocation_method=AllocationMethod.EQUAL, parameters={"total": 10, "minimum": 5})
    with pytest.raises(ValidationError, match="only 2 units"):
        plan(frame, method=SelectionMethod.PPS, parameters={"units": 3})
    failed = import_bytes(campaign, b"")
    with pytest.raises(ValidationError, match="finished importing"):
        plan(failed)


def test_the_same_seed_on_the_same_frame_draws_the_same_people(frame):
    first = sample_draw(sample=plan(frame, seed=2026, reserve_per_stratum=3, parameters={"margin": 0.1}))
    again = sample_draw(sample=plan(frame, seed=2026, reserve_per_stratum=3, parameters={"margin": 0.1}))
    other = sample_draw(sample=plan(frame, seed=2027, reserve_per_stratum=3, parameters={"margin": 0.1}))
    assert drawn(first) == drawn(again) and len(drawn(first)) > 0
    assert drawn(first, reserve=True) == drawn(again, reserve=True), "reserves in the same order too"
    assert drawn(first) != drawn(other)


@pytest.mark.parametrize("method", [SelectionMethod.STRATIFIED, SelectionMethod.SYSTEMATIC])
def test_realised_sizes_meet_the_adjusted_allocation_with_reserves(frame, method):
    sample = plan(frame, method=method, reserve_per_stratum=4, parameters={"margin": 0.1})
    adjusted = {row["stratum"]: n for row, n in zip(sample.allocation, [5, 0, 17, 9], strict=True)}
    sample = sample_draw(sample=sample_set_sizes(sample=sample, sizes=adjusted))
    people = Counter(
        SampledPerson.objects.filter(sample=sample, is_reserve=False).values_list("stratum", flat=True)
    )
    reserves = Counter(
        SampledPerson.objects.filter(sample=sample, is_reserve=True).values_list("stratum", flat=True)
    )
    assert {k: v for k, v in adjusted.items() if v} == dict(people)
    assert all(reserves[k] == 4 for k, v in adjusted.items() if v) and sum(reserves.values()) == 12
    ranks = SampledPerson.objects.filter(sample=sample, is_reserve=True).values_list(
        "stratum", "reserve_rank"
    )
    assert sorted(r for s, r in ranks if s == next(iter(people))) == [1, 2, 3, 4]
    # People and reserves are different dossiers, each of its own stratum.
    assert SampledPerson.objects.filter(sample=sample).values("record").distinct().count() == 43
    for person in SampledPerson.objects.filter(sample=sample).select_related("record"):
        row = next(r for r in sample.allocation if r["stratum"] == person.stratum)
        assert (person.record.unit_id, person.record.applicant_type) == (row["unit"], row["applicant_type"])
        assert person.unit_id == person.record.unit_id


def test_sizes_are_checked_and_frozen_once_drawn(frame, english):
    sample = plan(frame)
    key = sample.allocation[0]["stratum"]
    with pytest.raises(ValidationError, match="from 0 to the number of records"):
        sample_set_sizes(sample=sample, sizes={key: sample.allocation[0]["population"] + 1})
    sample = sample_draw(sample=sample)
    with pytest.raises(ValidationError, match="has been drawn"):
        sample_set_sizes(sample=sample, sizes={key: 1})
    with pytest.raises(ValidationError, match="already been drawn"):
        sample_draw(sample=sample)


def test_design_weights_reproduce_the_frame_counts_also_after_non_response(frame):
    sample = sample_draw(sample=plan(frame, parameters={"margin": 0.08}))
    counts = frame_counts(frame)
    people = list(SampledPerson.objects.filter(sample=sample, is_reserve=False).select_related("record"))
    totals = Counter()
    for person in people:
        totals[(person.record.unit_id, person.record.applicant_type)] += person.weight
    assert totals.keys() == counts.keys()
    for key, n in counts.items():
        assert totals[key] == pytest.approx(n)
    # Non-response: a third do not answer; w = N_h / completed_h still gives the counts back.
    rng = np.random.default_rng(1)
    completed = rng.random(len(people)) > 1 / 3
    population = {row["stratum"]: row["population"] for row in sample.allocation}
    weights = weights_for_realised(np.array([p.stratum for p in people]), population, completed)
    realised = Counter()
    for person, w in zip(people, weights, strict=True):
        realised[person.stratum] += w
    assert realised == pytest.approx(population)


def test_systematic_selection_follows_the_received_dates_within_each_stratum(frame):
    sample = sample_draw(
        sample=plan(frame, method=SelectionMethod.SYSTEMATIC, strata_by=["unit"], parameters={"margin": 0.2})
    )
    for row in sample.allocation:
        records = list(
            FrameRecord.objects.filter(frame=frame, unit_id=row["unit"])
            .order_by("received_on", "id")
            .values_list("id", flat=True)
        )
        chosen = set(drawn(sample)) & set(records)
        positions = [i for i, pk in enumerate(records) if pk in chosen]
        interval = row["population"] / row["size"]
        assert len(positions) == row["size"]
        gaps = np.diff(positions)
        assert gaps.min() >= int(interval) and gaps.max() <= int(interval) + 1, "one every N/n in date order"
        probabilities = set(
            SampledPerson.objects.filter(sample=sample, unit_id=row["unit"], is_reserve=False).values_list(
                "probability", flat=True
            )
        )
        assert len(probabilities) == 1 and probabilities.pop() == pytest.approx(
            row["size"] / row["population"]
        )


def test_two_stage_units_by_pps_with_a_forced_unit_then_people_at_random(campaign, unit):
    codes = ["20242", "20209", "20263", "20285", "20197", "20260"]
    sizes = [300, 120, 90, 60, 20, 10]
    rows, start = [], 1
    for code, size in zip(codes, sizes, strict=True):
        rows += frame_rows(size, units=(code,), start=start)
        start += size
    frame = import_bytes(campaign, csv_bytes(rows))
    assert frame.status == "ready", frame.errors_preview
    seat = unit("20260")  # the smallest, taken for certain (like a provincial seat)
    sample = sample_plan(
        frame=frame,
        name="Hai giai đoạn",
        strata_by=["unit"],
        method=SelectionMethod.PPS,
        allocation_method=AllocationMethod.EQUAL,
        parameters={"total": 24, "units": 3, "forced": [seat.pk]},
        reserve_per_stratum=2,
        seed=11,
    )
    assert all(row["size"] == min(8, row["population"]) for row in sample.allocation), (
        "a fixed take of 24 / 3"
    )
    sample = sample_draw(sample=sample)
    selected = {row["unit"]: row for row in sample.allocation if row["selected"]}
    assert len(selected) == 3 and seat.pk in selected
    assert selected[seat.pk]["unit_probability"] == 1.0
    # The others: 2 draws by PPS among the five not forced, 20242 (300 of 590) with certainty first.
    big = unit("20242").pk
    rest = dict(zip(codes[:5], sizes[:5], strict=True))
    share = 2 * rest["20242"] / sum(rest.values())
    assert share >= 1
    for row in sample.allocation:
        if row["unit"] == seat.pk:
            continue
        # One draw left among the four others, by their sizes.
        expected = 1.0 if row["unit"] == big else row["population"] / (sum(rest.values()) - rest["20242"])
        if row["selected"]:
            assert row["unit_probability"] == pytest.approx(expected)
    people = SampledPerson.objects.filter(sample=sample, is_reserve=False)
    assert set(people.values_list("unit_id", flat=True)) == set(selected)
    for person in people:
        row = selected[person.unit_id]
        assert person.probability == pytest.approx(row["unit_probability"] * row["size"] / row["population"])
    assert Counter(people.values_list("unit_id", flat=True)) == {u: r["size"] for u, r in selected.items()}
    assert SampledPerson.objects.filter(sample=sample, is_reserve=True).count() == 6
