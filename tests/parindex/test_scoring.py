"""The PAR INDEX arithmetic, pure: methods, caps, penalties, thresholds, rescaling, groups, ranks."""

import pytest

from hailong.parindex import scoring
from hailong.parindex.scoring import Node, competition_ranks, compute, group, leaf_points, survey_points


def test_yes_no_and_levels():
    assert leaf_points("yes_no", 4, 1) == 4
    assert leaf_points("yes_no", 4, 0) == 0
    assert leaf_points("levels", 15, 1, {"levels": [0, 0.5, 1]}) == 7.5
    with pytest.raises(scoring.ScoringError):
        leaf_points("levels", 15, 3, {"levels": [0, 0.5, 1]})


def test_proportion_thresholds_take_the_highest_reached():
    config = {"thresholds": [[90, 0.6], [95, 0.8], [100, 1]]}
    assert leaf_points("proportion", 25, 89.9, config) == 0
    assert leaf_points("proportion", 25, 90, config) == 15
    assert leaf_points("proportion", 25, 99.99, config) == 20
    assert leaf_points("proportion", 25, 100, config) == 25


def test_formula_and_manual_are_capped_at_the_maximum_and_zero():
    assert leaf_points("formula", 10, 15, {"target": 30}) == 5
    assert leaf_points("formula", 10, 60, {"target": 30}) == 10
    assert leaf_points("manual", 10, 12) == 10
    assert leaf_points("manual", 10, -3) == 0
    assert leaf_points("manual", 10, None) is None


def test_penalties_are_deducted_after_the_cap_and_never_below_zero():
    assert leaf_points("manual", 4, 9, deductions=[1]) == 3
    assert leaf_points("yes_no", 4, 0, deductions=[1]) == 0
    assert leaf_points("yes_no", 4, 1, deductions=[0.5, 1]) == 2.5


def test_survey_conversion_rules():
    assert survey_points(85.15, 30) == 25.55
    assert survey_points(None, 30) is None
    assert survey_points(120, 30) == 30
    rule = {"kind": "thresholds", "thresholds": [[80, 0.8], [90, 1]]}
    assert survey_points(85, 30, rule) == 24
    assert survey_points(79, 30, rule) == 0


def _tree():
    return [
        Node("1", 20, children=[Node("1.1", 10), Node("1.2", 10)]),
        # A criterion whose parts may add up to more than its cap (bonus options): capped at 10.
        Node("2", 10, children=[Node("2.1", 8), Node("2.2", 8)]),
        Node("3", 70, children=[Node("3.1", 40, "survey"), Node("3.2", 30)]),
    ]


def test_totals_cap_each_level_and_give_component_indices():
    totals = compute(_tree(), {"1.1": 10, "1.2": 5, "2.1": 8, "2.2": 8, "3.1": 36, "3.2": 30})
    assert totals.points["2"] == 10  # 16 capped at 10
    assert totals.total == 15 + 10 + 66
    assert totals.max_total == 100
    assert totals.index == 91
    assert totals.survey_present
    assert totals.fields == {"1": 75.0, "2": 100.0, "3": pytest.approx(94.29)}


def test_survey_points_absent_rescale_the_index_without_them():
    totals = compute(_tree(), {"1.1": 10, "1.2": 5, "2.1": 8, "2.2": 8, "3.1": None, "3.2": 30})
    assert not totals.survey_present
    assert totals.max_total == 60
    assert totals.total == 55
    assert totals.index == pytest.approx(91.67)
    assert totals.fields["3"] == 100.0


def test_groups_and_configurable_bands():
    assert [group(x) for x in (95, 90, 89.99, 80, 75, 69.9)] == ["A", "A", "B", "B", "C", "D"]
    assert group(None) == ""
    assert group(72, [["Tốt", 85], ["Khá", 70]], below="Trung bình") == "Khá"


def test_competition_ranks_share_ties_and_skip():
    assert competition_ranks({"a": 90, "b": 85, "c": 85, "d": 70}) == {"a": 1, "b": 2, "c": 2, "d": 4}
