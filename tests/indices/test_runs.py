"""Estimation runs: the stored numbers are those of ``hailong.stats``, runs are frozen and reproducible."""

import numpy as np
import pytest
from django.core.exceptions import ValidationError

from hailong.collection.models import Response
from hailong.indices.choices import Counted, RunStatus
from hailong.indices.method import method_from_version
from hailong.indices.models import ChoiceShareValue, EstimateValue
from hailong.indices.services import run_create, run_delete, run_execute
from hailong.stats import AGGREGATIONS, Design, choice_shares, estimate_index, estimate_ratios
from tests.indices.conftest import TINY_ITEMS

pytestmark = pytest.mark.django_db


def execute(campaign, **parameters):
    run = run_create(campaign=campaign, enqueue=False, **parameters)
    return run_execute(run=run)


def counted(campaign, statuses=("approved",)):
    rows = list(
        Response.objects.filter(campaign=campaign, status__in=statuses)
        .order_by("id")
        .values_list("unit_id", "answers")
    )
    units = np.array([unit for unit, _a in rows])
    return units, [answers for _u, answers in rows]


def test_method_comes_from_the_criteria_tree_and_what_questions_measure(tiny_version):
    spec = method_from_version(tiny_version)
    method = spec.method
    assert method.items() == TINY_ITEMS
    assert [node.code for node in method.nodes] == ["E1", "E2"], "E9 measures nothing and is left out"
    e1 = method.nodes[0]
    assert e1.general_item == "g1" and [c.items for c in e1.children] == [("q11",), ("q12",)]
    assert method.overall_item == "overall" and method.valid == ("1", "2", "3", "4", "5")
    assert spec.perception_items == ("p1",), "perception is reported, not part of the index"
    assert [(c.name, c.first_only) for c in spec.choice_questions] == [
        ("phien_ha", False),
        ("uu_tien", True),
        ("kenh_y_kien", False),
    ]


def test_stored_figures_are_those_of_stats_estimate_index(tiny_data):
    run = execute(tiny_data)
    assert run.status == RunStatus.DONE, run.error
    assert run.n_responses == 240 and run.n_units == 6 and len(run.inputs_fingerprint) == 64

    units, answers = counted(tiny_data)
    spec = method_from_version(tiny_data.version)
    design = Design.build(weights=np.ones(len(units)), strata=units, lonely_psu="adjust")
    columns = {item: [a.get(item) for a in answers] for item in TINY_ITEMS}
    levels = np.unique(units)
    codes = np.searchsorted(levels, units)
    direct = estimate_index(design, columns, spec.method, domains=codes, n_domains=len(levels))
    whole = estimate_index(design, columns, spec.method)
    low, high = direct.figures.interval(proportion=True)

    stored = {
        (v.unit_id, v.kind, v.code): v
        for v in EstimateValue.objects.filter(run=run, domain="unit")
        .exclude(measure="perception")
        .exclude(kind="driver")
    }
    assert len(stored) == len(levels) * len(direct.labels)
    for d, unit in enumerate(levels):
        for j, (kind, code) in enumerate(direct.labels):
            value = stored[(unit, kind, code)]
            assert value.estimate == pytest.approx(direct.figures.estimate[d, j], abs=1e-12)
            assert value.se == pytest.approx(direct.figures.se[d, j], abs=1e-12)
            assert value.ci_low == pytest.approx(low[d, j], abs=1e-12)
            assert value.ci_high == pytest.approx(high[d, j], abs=1e-12)
            assert value.n == direct.figures.n[d, j]
    overall = EstimateValue.objects.get(run=run, domain="overall", kind="overall")
    assert overall.estimate == pytest.approx(whole.figures.estimate[0, whole.column("overall")], abs=1e-12)
    assert overall.se == pytest.approx(whole.figures.se[0, whole.column("overall")], abs=1e-12)

    # Perception: the share of codes 4–5 among valid answers, not part of the index.
    p1 = np.array([a.get("p1") for a in answers], dtype=object)
    valid = np.isin(p1, ["1", "2", "3", "4", "5"]).astype(float)
    good = np.isin(p1, ["4", "5"]).astype(float)
    perception = estimate_ratios(design, good, valid)
    stored_p1 = EstimateValue.objects.get(run=run, domain="overall", code="p1")
    assert (stored_p1.measure, stored_p1.kind) == ("perception", "item")
    assert stored_p1.estimate == pytest.approx(perception.estimate[0, 0], abs=1e-12)
    assert stored_p1.se == pytest.approx(perception.se[0, 0], abs=1e-12)

    # Choice shares: a categorical item, and the first choice of a ranking.
    harass = choice_shares(design, [a.get("phien_ha") for a in answers], ["none", "some", "many"])
    first = choice_shares(
        design, [" ".join(a.get("uu_tien", [])) for a in answers], ["e1", "e2", "e3"], first_only=True
    )
    shares = {(s.question, s.choice): s for s in ChoiceShareValue.objects.filter(run=run, domain="overall")}
    for j, choice in enumerate(["none", "some", "many"]):
        assert shares[("phien_ha", choice)].estimate == pytest.approx(harass.estimate[0, j], abs=1e-12)
        assert shares[("phien_ha", choice)].se == pytest.approx(harass.se[0, j], abs=1e-12)
    channels = choice_shares(
        design, [" ".join(a.get("kenh_y_kien", [])) for a in answers], ["e1", "e2", "e3"], multiple=True
    )
    for j, choice in enumerate(["e1", "e2", "e3"]):
        assert shares[("uu_tien", choice)].estimate == pytest.approx(first.estimate[0, j], abs=1e-12)
        assert shares[("kenh_y_kien", choice)].estimate == pytest.approx(channels.estimate[0, j], abs=1e-12)
        assert shares[("kenh_y_kien", choice)].se == pytest.approx(channels.se[0, j], abs=1e-12)
    assert shares[("kenh_y_kien", "e1")].n == sum(1 for a in answers if a.get("kenh_y_kien"))
    assert sum(shares[("uu_tien", c)].estimate for c in ["e1", "e2", "e3"]) == pytest.approx(1)


def test_unit_type_figures_pool_the_units_of_each_type(tiny_data, departments):
    run = execute(tiny_data)
    types = dict(
        EstimateValue.objects.filter(run=run, domain="unit_type", kind="overall").values_list(
            "unit_type", "n"
        )
    )
    assert types == {"department": 120, "commune": 120}, "wards rank with communes"
    units, answers = counted(tiny_data)
    mine = np.isin(units, [d.pk for d in departments])
    overall = np.array([a.get("overall") for a in answers], dtype=object)
    top2 = np.isin(overall[mine], ["4", "5"]).mean()
    stored = EstimateValue.objects.get(run=run, domain="unit_type", unit_type="department", code="overall")
    assert stored.estimate == pytest.approx(top2, abs=1e-12)


def test_rerunning_on_the_same_inputs_gives_the_same_fingerprint_and_numbers(tiny_data):
    first = execute(tiny_data)
    second = execute(tiny_data)
    assert first.pk != second.pk
    assert first.inputs_fingerprint == second.inputs_fingerprint

    def numbers(run):
        return list(
            EstimateValue.objects.filter(run=run)
            .order_by("domain", "unit_type", "unit_id", "breakdown", "category", "kind", "measure", "code")
            .values_list(
                "domain",
                "unit_id",
                "breakdown",
                "category",
                "kind",
                "code",
                "estimate",
                "se",
                "ci_low",
                "ci_high",
                "n",
                "rank",
            )
        )

    assert numbers(first) == numbers(second)
    # Other parameters, or changed answers, are other inputs.
    assert execute(tiny_data, level=0.9).inputs_fingerprint != first.inputs_fingerprint
    response = Response.objects.filter(campaign=tiny_data, status="approved").first()
    response.answers = {**response.answers, "q11": "1" if response.answers["q11"] in ("4", "5") else "5"}
    response.save(update_fields=["answers"])
    changed = execute(tiny_data)
    assert changed.inputs_fingerprint != first.inputs_fingerprint
    # An answer the method does not read is not an input of the run.
    response.answers = {**response.answers, "comment": "Cán bộ nhiệt tình"}
    response.save(update_fields=["answers"])
    assert execute(tiny_data).inputs_fingerprint == changed.inputs_fingerprint


def test_a_done_run_is_frozen(tiny_data):
    run = execute(tiny_data)
    values = run.values.count()
    with pytest.raises(ValidationError, match="không bao giờ thay đổi|never changes"):
        run_execute(run=run)
    with pytest.raises(ValidationError, match="không bao giờ thay đổi|never changes"):
        run_delete(run=run)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.values.count() == values


@pytest.mark.parametrize("aggregation", AGGREGATIONS)
def test_every_aggregation_runs(tiny_data, aggregation):
    run = execute(tiny_data, aggregation=aggregation)
    assert run.status == RunStatus.DONE, run.error
    assert run.parameters["aggregation"] == aggregation
    overall = EstimateValue.objects.get(run=run, domain="overall", kind="overall")
    question = EstimateValue.objects.get(run=run, domain="overall", kind="item", code="overall")
    if aggregation == "overall_question":
        assert overall.estimate == question.estimate, "1383: the headline is the overall question's rate"
        e1 = EstimateValue.objects.get(run=run, domain="overall", kind="node", code="E1")
        g1 = EstimateValue.objects.get(run=run, domain="overall", kind="item", code="g1")
        assert e1.estimate == g1.estimate
    else:
        assert overall.estimate != question.estimate
    assert 0 < overall.estimate < 1 and overall.ci_low < overall.estimate < overall.ci_high


def test_counted_statuses(tiny_data):
    approved = execute(tiny_data)
    everything = execute(tiny_data, counted=Counted.NOT_REJECTED)
    assert (approved.n_responses, everything.n_responses) == (240, 245), "rejected never counts"
    assert everything.parameters["statuses"] == ["approved", "submitted"]


def test_t_intervals_are_wider_and_the_level_is_used(tiny_data):
    normal = execute(tiny_data)
    t = execute(tiny_data, interval_method="t", level=0.99)

    def width(run):
        value = EstimateValue.objects.get(run=run, domain="overall", kind="overall")
        return value.ci_high - value.ci_low

    assert width(t) > width(normal) * 1.3


def test_a_run_without_counted_responses_fails_with_the_reason(tiny_campaign):
    run = execute(tiny_campaign)
    assert run.status == RunStatus.FAILED
    assert "Không có phiếu" in run.error and "no counted response" in run.error
    assert run.values.count() == 0
    run_delete(run=run)
