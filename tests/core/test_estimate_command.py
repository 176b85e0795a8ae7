"""``hailong estimate``: a CSV and a method file in, every figure with its SE out — no database."""

import json
import textwrap

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from hailong.stats import Design, estimate_index
from hailong.stats.synthetic import default_method, item_names, survey, write_csv

CRITERIA = "\n".join(
    textwrap.dedent(
        f"""
        [[criteria]]
        code = "{node.code}"
        name = "{node.name}"
        items = [{", ".join(f'"{item}"' for item in node.items)}]
        """
    )
    for node in default_method().nodes
)

METHOD = (
    textwrap.dedent(
        """
        [design]
        strata = "stratum"
        cluster = "psu"
        weight = "weight"

        [scale]
        valid = ["1", "2", "3", "4", "5"]
        satisfied = ["4", "5"]

        [index]
        aggregation = "item_mean"
        """
    )
    + CRITERIA
)


def run(tmp_path, data, method=METHOD, *extra):
    data_file = tmp_path / "responses.csv"
    if isinstance(data, str):
        data_file.write_text(data, encoding="utf-8")
    else:
        write_csv(data_file, data)
    method_file = tmp_path / "method.toml"
    method_file.write_text(method, encoding="utf-8")
    out = tmp_path / "result.json"
    call_command(
        "estimate", "--data", str(data_file), "--method", str(method_file), "--out", str(out), *extra
    )
    return json.loads(out.read_text(encoding="utf-8"))


def test_result_has_overall_criteria_items_and_domains_equal_to_the_stats_core(tmp_path):
    columns = survey(4000, 6, seed=11)
    result = run(tmp_path, columns, METHOD, "--by", "unit")
    design = Design.build(weights=columns["weight"], strata=columns["stratum"], clusters=columns["psu"])
    direct = estimate_index(design, {name: columns[name] for name in item_names()}, default_method())
    overall = direct.column("overall")
    assert result["overall"]["estimate"] == pytest.approx(direct.figures.estimate[0, overall], abs=1e-12)
    assert result["overall"]["se"] == pytest.approx(direct.figures.se[0, overall], rel=1e-9)
    assert result["overall"]["ci_low"] < result["overall"]["estimate"] < result["overall"]["ci_high"]
    assert set(result["criteria"]) == {"E1", "E2", "E3", "E4", "E5"}
    assert set(result["items"]) == set(item_names())
    assert set(result["by"]["unit"]) == {f"U{u}" for u in range(6)}
    unit0 = result["by"]["unit"]["U0"]
    assert set(unit0) == {"overall", "criteria"}
    assert unit0["overall"]["n"] == int(np.sum(columns["unit"] == 0))
    for figure in (result["overall"], unit0["criteria"]["E3"], result["items"]["e1_1"]):
        assert set(figure) == {"estimate", "se", "ci_low", "ci_high", "n", "unweighted"}
        assert 0 <= figure["estimate"] <= 1


def test_t_intervals_are_wider_than_normal_ones_with_few_degrees_of_freedom(tmp_path):
    columns = survey(300, 2, clusters_per_unit=3, seed=5)  # 6 PSUs in 2 strata: 4 degrees of freedom
    normal = run(tmp_path, columns)["overall"]
    t = run(tmp_path, columns, METHOD, "--ci", "t")["overall"]
    ratio = (t["ci_high"] - t["ci_low"]) / (normal["ci_high"] - normal["ci_low"])
    assert ratio == pytest.approx(2.7764451051977987 / 1.959963984540054, rel=1e-9)  # t(4) / normal


def test_two_hundred_thousand_rows_with_the_default_method_and_by(tmp_path):
    columns = survey(200_000, 300, seed=1)
    result = run(tmp_path, columns, METHOD, "--by", "unit")
    assert result["rows"] == 200_000
    assert len(result["by"]["unit"]) == 300
    assert sum(domain["overall"]["n"] for domain in result["by"]["unit"].values()) == 200_000
    assert 0.5 < result["overall"]["estimate"] < 0.9


def test_other_aggregations_and_pillars_from_the_method_file(tmp_path):
    columns = survey(1500, 3, seed=2)
    pooled = run(tmp_path, columns, METHOD.replace('"item_mean"', '"pooled"'))
    assert pooled["method"]["aggregation"] == "pooled"
    with_pillars = METHOD + textwrap.dedent(
        """
        [[pillars]]
        code = "PB"
        name = "Dịch vụ"
        criteria = ["E1", "E2", "E3", "E4", "E5"]
        """
    )
    result = run(tmp_path, columns, with_pillars)
    assert result["pillars"]["PB"]["estimate"] == pytest.approx(result["overall"]["estimate"])


@pytest.mark.parametrize(
    ("data", "method", "message"),
    [
        ("unit,stratum,psu,weight\nU1,S1,P1,1\n", METHOD, "row 1: missing columns e1_1"),
        (None, METHOD.replace('"item_mean"', '"median"'), "aggregation: “median” is not one of"),
        (None, METHOD.replace("[scale]", "[scale"), "TOML syntax error"),
        (None, "[scale]\nvalid=['1']\nsatisfied=['1']\n", "at least one [[criteria]] is needed"),
        ("", METHOD, "the file is empty"),
    ],
)
def test_bad_input_is_refused_with_where_and_why(tmp_path, data, method, message):
    if data is None:
        data = survey(50, 2, seed=1)
    with pytest.raises(CommandError) as error:
        run(tmp_path, data, method)
    assert message in str(error.value)
    assert " / " in str(error.value)  # Vietnamese first, then English


def test_a_weight_that_is_not_a_number_names_its_row_and_column(tmp_path):
    columns = survey(20, 2, seed=1)
    data_file = tmp_path / "good.csv"
    write_csv(data_file, columns)
    lines = data_file.read_text().splitlines()
    cells = lines[5].split(",")
    cells[3] = "abc"
    lines[5] = ",".join(cells)
    with pytest.raises(CommandError) as error:
        run(tmp_path, "\n".join(lines) + "\n")
    assert "dòng 6, cột weight" in str(error.value)
    assert "row 6, column weight" in str(error.value)


def test_a_file_not_in_utf8_is_refused(tmp_path):
    data = tmp_path / "responses.csv"
    # Windows-1258 writes Vietnamese with precomposed vowels (ê) and combining tone marks (U+0301).
    data.write_bytes("unit,y\u0301 ki\u00ea\u0301n\nU1,\u0111u\u01a1\u0323c\n".encode("cp1258"))
    method = tmp_path / "method.toml"
    method.write_text(METHOD, encoding="utf-8")
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command(
            "estimate", "--data", str(data), "--method", str(method), "--out", str(tmp_path / "o.json")
        )
