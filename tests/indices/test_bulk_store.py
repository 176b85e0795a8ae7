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
