"""Population totals (completed dossiers per unit and procedure field) and post-stratified runs."""

import io

import numpy as np
import pytest

from hailong.core.tabular import read_table
from hailong.indices.choices import RunStatus, Weighting
from hailong.indices.compute import design_rows, poststratified
from hailong.indices.method import method_from_version
from hailong.indices.models import EstimateValue, PopulationTotal
from hailong.indices.services import population_import, run_create, run_execute
from hailong.stats import Design, estimate_index, poststratify
from hailong.units.imports import ImportRejected
from tests.indices.conftest import TINY_ITEMS
from tests.indices.test_runs import counted

pytestmark = pytest.mark.django_db


def table(text: str, name="tong-so-ho-so.csv"):
    return read_table(io.BytesIO(text.encode("utf-8")), filename=name)


@pytest.fixture
def totals(tiny_data, departments, wards):
    lines = ["unit_code,field,count"]
    for i, unit in enumerate([*departments, *wards]):
        lines += [
            f"{unit.code},dat_dai,{1200 + 100 * i}",
            f"{unit.code},ho_tich,{'1.500' if i == 0 else 300 + i}",
        ]
    population_import(campaign=tiny_data, table=table("\n".join(lines)))
    return {(t.unit_id, t.field): t.count for t in PopulationTotal.objects.filter(campaign=tiny_data)}


def test_import_replaces_the_totals_all_or_nothing_naming_row_and_column(tiny_data, totals, departments):
    assert len(totals) == 12 and totals[(departments[0].pk, "ho_tich")] == 1500
    bad = "\n".join(
        [
            "unit_code,field,count",
            f"{departments[0].code},dat_dai,10",
            "00004,dat_dai,10",  # Hà Nội's ward: not in the campaign
            f"{departments[1].code},dat_dai,mười",
            f"{departments[1].code},xay_dung,5",
            f"{departments[0].code},dat_dai,11",
        ]
    )
    with pytest.raises(ImportRejected) as rejected:
        population_import(campaign=tiny_data, table=table(bad))
    messages = rejected.value.messages()
    assert len(messages) == 4
    assert "dòng 3, cột A (unit_code)" in messages[0] and "row 3, column A (unit_code)" in messages[0]
    assert "row 4, column C (count)" in messages[1]
    assert "row 5, column B (field)" in messages[2] and "dat_dai, ho_tich" in messages[2]
    assert "row 6, column B (field)" in messages[3] and "row 2" in messages[3]
    assert PopulationTotal.objects.filter(campaign=tiny_data).count() == 12, "nothing changed"
    with pytest.raises(ImportRejected, match="1 errors"):
        population_import(campaign=tiny_data, table=table("unit,count\nx,1"))


def test_poststratified_weights_reproduce_the_population_totals(tiny_data, totals):
    units, answers = counted(tiny_data)
    fields = [a.get("linh_vuc", "") for a in answers]
    rows, _unmapped = design_rows(units, None)
    # The design's rows are ``rows`` (sorted by unit): the calibration reads them in that order.
    in_rows = Design.build(weights=np.ones(len(units)), strata=rows.sampled_unit, lonely_psu="adjust")
    calibrated = poststratified(in_rows, rows, fields, totals, {}, "linh_vuc")
    row_fields = np.array(fields)[rows.response]
    for (unit, field), count in totals.items():
        mine = (rows.sampled_unit == unit) & (row_fields == field)
        assert calibrated.weights[mine].sum() == pytest.approx(count)
    design = Design.build(weights=np.ones(len(units)), strata=units, lonely_psu="adjust")

    run = run_execute(run=run_create(campaign=tiny_data, weighting=Weighting.POSTSTRATIFIED, enqueue=False))
    assert run.status == RunStatus.DONE, run.error
    assert run.parameters["poststratum_question"] == "linh_vuc", "found from the totals' field codes"
    spec = method_from_version(tiny_data.version)
    direct = poststratify(
        design,
        [f"{u}|{f}" for u, f in zip(units, fields, strict=True)],
        {f"{u}|{f}": c for (u, f), c in totals.items()},
    )
    whole = estimate_index(direct, {i: [a.get(i) for a in answers] for i in TINY_ITEMS}, spec.method)
    stored = EstimateValue.objects.get(run=run, domain="overall", kind="overall")
    assert stored.estimate == pytest.approx(whole.figures.estimate[0, whole.column("overall")], abs=1e-12)
    assert stored.se == pytest.approx(whole.figures.se[0, whole.column("overall")], abs=1e-12)
    design_run = run_execute(run=run_create(campaign=tiny_data, enqueue=False))
    assert design_run.inputs_fingerprint != run.inputs_fingerprint


def test_a_cell_with_dossiers_but_no_response_is_named(tiny_data, departments, wards):
    lines = ["unit_code,field,count"]
    lines += [f"{u.code},,1000" for u in [*departments[1:], *wards]]
    lines += [f"{departments[0].code},dat_dai,800", f"{departments[0].code},ho_tich,200"]
    population_import(campaign=tiny_data, table=table("\n".join(lines)))
    # Nobody answered "ho_tich" in this unit: its dossiers cannot be represented.
    from hailong.collection.models import Response

    for response in Response.objects.filter(campaign=tiny_data, unit=departments[0]):
        response.answers = {**response.answers, "linh_vuc": "dat_dai"}
        response.save(update_fields=["answers"])
    run = run_execute(run=run_create(campaign=tiny_data, weighting=Weighting.POSTSTRATIFIED, enqueue=False))
    assert run.status == RunStatus.FAILED
    assert "Sở thử 1" in run.error and "ho_tich" in run.error and "200" in run.error
    assert "no counted response" in run.error


def test_whole_unit_totals_need_no_field_question(tiny_data, departments, wards):
    lines = ["unit_code,field,count", *[f"{u.code},,{500 + i}" for i, u in enumerate([*departments, *wards])]]
    population_import(campaign=tiny_data, table=table("\n".join(lines)))
    run = run_execute(run=run_create(campaign=tiny_data, weighting=Weighting.POSTSTRATIFIED, enqueue=False))
    assert run.status == RunStatus.DONE, run.error
    assert run.parameters["poststratum_question"] is None
