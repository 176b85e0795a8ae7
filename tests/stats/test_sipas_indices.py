"""SIPAS indices from answers: each aggregation by hand on small data, domains, and the coded path."""

import numpy as np
import pytest

from hailong.stats import Design, Method, Node, choice_shares, estimate_index, estimate_ratios
from hailong.stats.indices import code_answers
from hailong.stats.synthetic import default_method, item_names, survey

# Four respondents, equal weights. Criterion A: a1, a2; criterion B: b1. "9" is not applicable.
ANSWERS = {
    "a1": ["5", "4", "2", "9"],
    "a2": ["4", "1", "", "5"],
    "b1": ["3", "5", "5", "4"],
    "overall": ["4", "2", "5", "5"],
    "a_general": ["5", "3", "", "4"],
}
NODES = (
    Node(code="A", items=("a1", "a2"), general_item="a_general"),
    Node(code="B", items=("b1",)),
)


def method(aggregation: str) -> Method:
    return Method(
        valid=("1", "2", "3", "4", "5"),
        satisfied=("4", "5"),
        nodes=NODES,
        aggregation=aggregation,
        overall_item="overall" if aggregation == "overall_question" else None,
    )


def figure(result, kind, key=""):
    column = result.column(kind, key)
    return result.figures.estimate[0, column], result.figures.n[0, column]


def test_code_answers_separates_invalid_valid_and_satisfied():
    assert code_answers(["5", "3", "9", "", None, " 4"], ["1", "2", "3", "4", "5"], ["4", "5"]).tolist() == [
        2,
        1,
        0,
        0,
        0,
        0,  # the readers strip spaces; the coder compares as given
    ]
    assert code_answers(np.array([5, 3, 9]), ["1", "2", "3", "4", "5"], ["4", "5"]).tolist() == [2, 1, 0]


def test_item_rates_leave_not_applicable_and_missing_out_of_the_denominator():
    result = estimate_index(Design.build(n=4), ANSWERS, method("item_mean"))
    assert figure(result, "item", "a1") == (pytest.approx(2 / 3), 3)
    assert figure(result, "item", "a2") == (pytest.approx(2 / 3), 3)
    assert figure(result, "item", "b1") == (pytest.approx(3 / 4), 4)


def test_item_mean_averages_items_then_criteria():
    result = estimate_index(Design.build(n=4), ANSWERS, method("item_mean"))
    assert figure(result, "node", "A") == (pytest.approx(2 / 3), 4)
    assert figure(result, "overall") == (pytest.approx((2 / 3 + 3 / 4) / 2), 4)


def test_pooled_shares_all_valid_answers_of_a_criterion():
    result = estimate_index(Design.build(n=4), ANSWERS, method("pooled"))
    assert figure(result, "node", "A")[0] == pytest.approx(4 / 6)
    # overall pools every item (the general and overall questions are not criteria items)
    assert figure(result, "overall")[0] == pytest.approx((2 + 2 + 3) / (3 + 3 + 4))


def test_respondent_mean_takes_each_respondents_share_first():
    result = estimate_index(Design.build(n=4), ANSWERS, method("respondent_mean"))
    # respondents' shares on A: 1, 1/2, 0 (one valid answer, unsatisfied), 1 (a2 only)
    assert figure(result, "node", "A")[0] == pytest.approx((1 + 0.5 + 0 + 1) / 4)


def test_overall_question_uses_the_overall_and_general_questions():
    result = estimate_index(Design.build(n=4), ANSWERS, method("overall_question"))
    assert figure(result, "overall") == (pytest.approx(3 / 4), 4)
    assert figure(result, "node", "A") == (pytest.approx(2 / 3), 3)  # a_general: 5, 3, 4
    assert figure(result, "node", "B")[0] == pytest.approx(3 / 4)  # no general question: its items


def test_weights_change_the_rates():
    design = Design.build(weights=[3, 1, 1, 1])
    result = estimate_index(design, ANSWERS, method("item_mean"))
    assert figure(result, "item", "a1")[0] == pytest.approx(4 / 5)


def test_a_criterion_without_answers_in_a_domain_is_left_out_of_the_mean_there():
    answers = {"a1": ["5", "9", "4"], "a2": ["4", "9", "2"], "b1": ["5", "2", "4"]}
    nodes = (Node(code="A", items=("a1", "a2")), Node(code="B", items=("b1",)))
    m = Method(valid=("1", "2", "3", "4", "5"), satisfied=("4", "5"), nodes=nodes)
    result = estimate_index(Design.build(n=3), answers, m, domains=[0, 1, 0])
    overall = result.column("overall")
    assert np.isnan(result.figures.estimate[1, result.column("node", "A")])
    assert result.figures.estimate[1, overall] == pytest.approx(0.0)  # B only: "2"
    assert result.figures.estimate[0, overall] == pytest.approx((0.75 + 1) / 2)


def test_pillars_aggregate_their_criteria_the_same_way():
    pillar = Node(code="P", children=NODES, level="pillar")
    m = Method(valid=("1", "2", "3", "4", "5"), satisfied=("4", "5"), nodes=(pillar,))
    result = estimate_index(Design.build(n=4), ANSWERS, m)
    assert figure(result, "node", "P")[0] == pytest.approx((2 / 3 + 3 / 4) / 2)
    assert figure(result, "overall")[0] == pytest.approx((2 / 3 + 3 / 4) / 2)


def test_node_standard_errors_are_those_of_the_linear_combination_of_item_rates():
    columns = survey(3000, 12, seed=7)
    m = default_method()
    design = Design.build(weights=columns["weight"], strata=columns["stratum"], clusters=columns["psu"])
    result = estimate_index(design, {name: columns[name] for name in item_names()}, m)
    satisfied = np.column_stack([(columns[name] >= 4) & (columns[name] <= 5) for name in item_names()])
    valid = np.column_stack([(columns[name] >= 1) & (columns[name] <= 5) for name in item_names()])
    combination = np.zeros((1, 22))
    combination[0, :4] = 1 / 4  # criterion E1
    direct = estimate_ratios(design, satisfied, valid, combinations=combination)
    e1 = result.column("node", "E1")
    assert result.figures.estimate[0, e1] == pytest.approx(direct.estimate[0, 0], abs=1e-12)
    assert result.figures.se[0, e1] == pytest.approx(direct.se[0, 0], rel=1e-12)


def test_coded_input_gives_the_same_figures_as_answers():
    columns = survey(2000, 8, seed=3)
    m = default_method()
    design = Design.build(weights=columns["weight"], strata=columns["stratum"], clusters=columns["psu"])
    answers = {name: columns[name].astype(str) for name in item_names()}
    coded = np.column_stack([code_answers(columns[name], m.valid, m.satisfied) for name in item_names()])
    a = estimate_index(design, answers, m, domains=columns["unit"], n_domains=8)
    b = estimate_index(design, None, m, coded=coded, domains=columns["unit"], n_domains=8)
    np.testing.assert_array_equal(a.figures.estimate, b.figures.estimate)
    np.testing.assert_array_equal(a.figures.se, b.figures.se)


def test_choice_shares_for_priority_questions():
    design = Design.build(n=5)
    shares = choice_shares(design, ["e1 e3", "e3", "", "e2 e1", "e3 e1"], ["e1", "e2", "e3"], first_only=True)
    np.testing.assert_allclose(shares.estimate[0], [1 / 4, 1 / 4, 2 / 4])
    multiple = choice_shares(design, ["e1 e3", "e3", "", "e2 e1", "e3 e1"], ["e1", "e2", "e3"], multiple=True)
    np.testing.assert_allclose(multiple.estimate[0], [3 / 4, 1 / 4, 3 / 4])


def test_domains_with_the_same_codes_on_different_rows_are_not_confused():
    """The (domain, PSU) grouping is cached per design: two domain sets whose in-domain codes look
    alike but sit on different rows must still get their own weights and PSUs."""
    design = Design.build(weights=[1, 2, 3, 4], clusters=[1, 1, 2, 2])
    y = np.array([1.0, 0.0, 1.0, 0.0])
    first = estimate_ratios(design, y, np.ones(4), domains=[0, 0, -1, -1], n_domains=1)
    second = estimate_ratios(design, y, np.ones(4), domains=[-1, -1, 0, 0], n_domains=1)
    assert first.estimate[0, 0] == pytest.approx(1 / 3)
    assert second.estimate[0, 0] == pytest.approx(3 / 7)
