"""The sample's design weights reach the estimation: w = N_h / completed_h for responses from sampled
people when every counted response is from the sample (else all weigh 1), and a run's stored figures
are weighted accordingly."""

import numpy as np
import pytest

from hailong.collection.models import Response
from hailong.indices.models import EstimateValue
from hailong.indices.services import run_create, run_execute
from hailong.indices.weights import response_weights
from hailong.sampling.models import SampledPerson
from hailong.sampling.services import sample_draw, sample_plan, sample_set_sizes
from hailong.sampling.weights import campaign_response_weights
from tests.sampling.conftest import csv_bytes, frame_rows, import_bytes
from tests.small_form import VALID

pytestmark = pytest.mark.django_db


def respond(campaign, people, tc1, *, status="approved"):
    """A response from each sampled person (linked to it), answering ``tc1`` to the weighted item."""
    responses = Response.objects.bulk_create(
        Response(
            instance_id=f"mau:{person.pk}",
            campaign=campaign,
            version_id=campaign.version_id,
            unit_id=person.unit_id,
            channel="interviewer",
            answers={**VALID, "tc1": tc1},
            status=status,
        )
        for person in people
    )
    for person, response in zip(people, responses, strict=True):
        person.response = response
    SampledPerson.objects.bulk_update(people, ["response"])
    return responses


@pytest.fixture
def sampled(campaign, unit):
    """Ward 20242: 300 citizens and 30 organisations in the frame, 10 of each drawn."""
    rows = frame_rows(300, units=("20242",), types=("Công dân", "Công dân")) + frame_rows(
        30, units=("20242",), start=301, types=("Tổ chức", "Tổ chức")
    )
    frame = import_bytes(campaign, csv_bytes(rows))
    sample = sample_plan(frame=frame, name="Mẫu", strata_by=["unit", "applicant_type"], seed=3)
    sample = sample_set_sizes(sample=sample, sizes={row["stratum"]: 10 for row in sample.allocation})
    return sample_draw(sample=sample)


def test_responses_from_the_sample_weigh_the_frame_count_over_the_completed(campaign, sampled, unit):
    citizens = list(
        SampledPerson.objects.filter(sample=sampled, is_reserve=False, record__applicant_type="citizen")
    )
    organisations = list(
        SampledPerson.objects.filter(sample=sampled, is_reserve=False, record__applicant_type="organisation")
    )
    # Non-response: 8 of 10 citizens and 5 of 10 organisations answered.
    answered = respond(campaign, citizens[:8], "5") + respond(campaign, organisations[:5], "1")
    ids = np.array([r.pk for r in reversed(answered)])
    result = campaign_response_weights(campaign=campaign, response_ids=ids)
    expected = np.array([30 / 5] * 5 + [300 / 8] * 8)
    assert result.weights == pytest.approx(expected)
    assert (result.from_sample, result.outside, result.sample_id, result.mixed) == (13, 0, sampled.pk, False)
    # Per stratum, the weights add up to the frame's count.
    assert result.weights[:5].sum() == pytest.approx(30) and result.weights[5:].sum() == pytest.approx(300)
    # The seam the estimation calls gives the same.
    assert response_weights(campaign=campaign, response_ids=ids) == pytest.approx(expected)


def test_sample_weights_are_not_mixed_with_answers_from_outside_the_sample(campaign, sampled, unit):
    citizens = list(SampledPerson.objects.filter(sample=sampled, is_reserve=False))[:3]
    answered = respond(campaign, citizens, "5")
    walk_in = Response.objects.create(
        instance_id="quay-1", campaign=campaign, version_id=campaign.version_id, unit=unit("20209"),
        channel="qr", answers=VALID, status="approved",
    )  # fmt: skip
    ids = np.array([walk_in.pk, *[r.pk for r in answered]])
    result = campaign_response_weights(campaign=campaign, response_ids=ids)
    assert list(result.weights) == [1.0] * 4
    assert (result.from_sample, result.outside, result.mixed) == (3, 1, True)
    assert "3" in result.note and "1" in result.note and "weighs 1" in result.note


def test_a_campaign_without_a_drawn_sample_weighs_every_response_one(campaign):
    result = campaign_response_weights(campaign=campaign, response_ids=np.array([5, 7, 9]))
    assert list(result.weights) == [1.0, 1.0, 1.0] and result.sample_id is None


def test_an_estimation_run_stores_the_sample_weighted_figures(campaign, sampled, unit):
    citizens = list(
        SampledPerson.objects.filter(sample=sampled, is_reserve=False, record__applicant_type="citizen")
    )
    organisations = list(
        SampledPerson.objects.filter(sample=sampled, is_reserve=False, record__applicant_type="organisation")
    )
    respond(campaign, citizens, "5")  # satisfied citizens
    respond(campaign, organisations, "1")  # dissatisfied organisations
    run = run_execute(run=run_create(campaign=campaign, enqueue=False))
    assert run.status == "done", run.error
    ward = EstimateValue.objects.get(run=run, domain="unit", unit=unit("20242"), kind="item", code="tc1")
    # Weighted: 300 satisfied citizens of 330 dossiers; unweighted it would be 10 of 20.
    assert ward.estimate == pytest.approx(300 / 330)
    assert ward.unweighted == pytest.approx(0.5)
    assert ward.n == 20
    province = EstimateValue.objects.get(run=run, domain="overall", kind="item", code="tc1")
    assert province.estimate == pytest.approx(300 / 330)
