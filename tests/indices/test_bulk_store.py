"""``core.bulk.bulk_insert`` (COPY on PostgreSQL) stores awkward values exactly as the ORM would."""

import pytest

from hailong.core.bulk import bulk_insert
from hailong.indices.models import ChoiceShareValue, EstimateValue, EstimationRun


@pytest.mark.django_db
def test_text_json_nulls_and_floats_round_trip(tiny_campaign, departments):
    run = EstimationRun.objects.create(campaign=tiny_campaign, version=tiny_campaign.version, parameters={})
    awkward = "tab\there, new\nline, back\\slash, “Việt” — \r end"
    written = bulk_insert(
        ChoiceShareValue,
        [
            {
                "run_id": run.pk,
                "domain": "overall",
                "question": "q",
                "choice": awkward,
                "estimate": 0.1 + 0.2,
            },
            {"run_id": run.pk, "domain": "unit", "unit_id": departments[0].pk, "question": "q", "choice": ""},
        ],
        batch_size=1,
    )
    assert written == 2
    first, second = ChoiceShareValue.objects.filter(run=run).order_by("id")
    assert first.choice == awkward
    assert first.estimate == 0.1 + 0.2  # the float's every digit
    assert first.unit_id is None and first.n == 0  # left out: null, and the model default
    assert second.unit_id == departments[0].pk and second.estimate is None

    bulk_insert(
        EstimateValue,
        [{"run_id": run.pk, "domain": "unit", "kind": "overall", "rank_groups": [1, 2], "gap_flag": "below"}],
    )
    value = EstimateValue.objects.get(run=run)
    assert value.rank_groups == [1, 2]
    assert value.gap_flag == "below"
    assert value.code == ""


@pytest.mark.django_db
def test_columns_store_the_same_values_as_rows(tiny_campaign, departments):
    import numpy as np

    from hailong.core.bulk import bulk_insert_columns

    run = EstimationRun.objects.create(campaign=tiny_campaign, version=tiny_campaign.version, parameters={})
    awkward = "tab\there, “Việt”\n"
    written = bulk_insert_columns(
        EstimateValue,
        {
            "run_id": run.pk,
            "domain": ["unit", "overall", "unit"],
            "unit_id": [departments[0].pk, None, departments[1].pk],
            "kind": "overall",
            "code": [awkward, "", awkward],
            "estimate": np.array([0.1 + 0.2, np.nan, 1 / 3]),
            "n": np.array([3, 0, 7]),
            "rank": np.array([1.0, np.nan, 2.0]),
            "rank_groups": [[1, 2], [], [2]],
        },
        3,
    )
    assert written == 3
    first, second, third = EstimateValue.objects.filter(run=run).order_by("id")
    assert (first.code, first.estimate, first.n, first.rank, first.rank_groups) == (
        awkward,
        0.1 + 0.2,
        3,
        1,
        [1, 2],
    )
    assert second.unit_id is None and second.estimate is None and second.rank is None and second.code == ""
    assert third.estimate == 1 / 3 and third.rank == 2 and third.gap_flag == "" and third.measure == ""
    with pytest.raises(ValueError, match="2 values"):
        bulk_insert_columns(EstimateValue, {"run_id": run.pk, "domain": ["unit", "unit"]}, 3)
