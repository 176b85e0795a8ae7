"""The checks as pure functions: hand-built rows in, findings out (no database)."""

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from django.utils.translation import override
from scipy import stats

from hailong.methodology.builtin_templates import TEMPLATES
from hailong.methodology.builtin_templates.common import CHOICE_LISTS
from hailong.quality.checks import (
    DEFAULT_PROFILE_RULES,
    Context,
    Row,
    Thresholds,
    answers_design_effect,
    check_duplicate_dossiers,
    check_duplicate_phones,
    check_interviewers,
    check_period,
    check_profiles,
    check_speeders,
    check_straight_lining,
    chi_square_test,
    expected_counts,
    normalise_dossier,
    normalise_phone,
    robust_z,
    run_checks,
    validate_profile_rules,
)
from hailong.quality.choices import FlagKind, Severity

ITEMS = tuple(f"s{i}" for i in range(1, 13))
CONTEXT = Context(
    starts_on=date(2026, 9, 1), ends_on=date(2026, 11, 30), scale_items=ITEMS, satisfaction_items=ITEMS
)
T0 = datetime(2026, 10, 1, 3, 0, tzinfo=UTC)


def row(id_, *, minutes=12.0, answers=None, **fields):
    completed = fields.pop("completed_at", T0)
    return Row(
        id=id_,
        started_at=completed - timedelta(minutes=minutes) if minutes is not None else None,
        completed_at=completed,
        received_at=completed,
        answers=answers if answers is not None else {name: str(1 + (i % 5)) for i, name in enumerate(ITEMS)},
        **fields,
    )


def text(message, language="en"):
    with override(language):
        return str(message)


# ---------------------------------------------------------------------------------------------------
# Normalising


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0905 123 456", "0905123456"),
        ("+84 905 123 456", "0905123456"),
        ("+84-905-123-456", "0905123456"),
        ("84905123456", "0905123456"),
        ("0084 905 123 456", "0905123456"),
        ("(0236) 3822 123", "02363822123"),
        ("+84 236 3822 123", "02363822123"),
        ("12345", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_phone_numbers_are_digits_with_the_national_prefix(raw, expected):
    assert normalise_phone(raw) == expected


def test_dossier_codes_compare_without_case_or_spaces():
    assert normalise_dossier(" hs-001 ") == normalise_dossier("HS-001") == "HS-001"
    assert normalise_dossier("000.00.12.H17 - 250101") == "000.00.12.H17-250101"
    assert normalise_dossier(None) == ""


# ---------------------------------------------------------------------------------------------------
# Duplicates


def test_duplicate_dossiers_flag_every_response_of_a_group_with_the_others():
    rows = [
        row(1, dossier_codes=("HS-1",)),
        row(2, dossier_codes=("HS-1",)),
        row(3, dossier_codes=("HS-1", "HS-2")),
        row(4, dossier_codes=("HS-2",)),
        row(5, dossier_codes=("HS-3",)),
        row(6),
    ]
    findings = {f.response_id: f for f in check_duplicate_dossiers(rows)}
    assert set(findings) == {1, 2, 3, 4}
    assert findings[1].detail == {"dossier_codes": ["HS-1"], "others": [2, 3]}
    assert findings[3].detail == {"dossier_codes": ["HS-1", "HS-2"], "others": [1, 2, 4]}
    assert findings[1].severity == Severity.HIGH and findings[1].kind == FlagKind.DUPLICATE_DOSSIER
    assert text(findings[1].message) == "Dossier HS-1 appears on 3 responses."


def test_duplicate_phones_never_put_the_number_in_the_flag():
    rows = [row(1, phone="0905123456"), row(2, phone="0905123456"), row(3, phone="0905999999"), row(4)]
    findings = check_duplicate_phones(rows)
    assert [(f.response_id, f.detail) for f in findings] == [(1, {"others": [2]}), (2, {"others": [1]})]
    assert "0905" not in text(findings[0].message) and "0905" not in str(findings[0].detail)
    assert text(findings[0].message) == "The same phone number is on 2 responses."


# ---------------------------------------------------------------------------------------------------
# Speeders


def test_speeders_are_far_below_the_median():
    rows = [row(i, minutes=12 + (i % 5)) for i in range(1, 21)]  # median 14 minutes
    rows += [row(21, minutes=4.5), row(22, minutes=4.8), row(23, minutes=5)]  # limit 14/3 ≈ 4.67
    findings = check_speeders(rows, Thresholds())
    assert [f.response_id for f in findings] == [21]
    detail = findings[0].detail
    assert detail["median_seconds"] == 14 * 60 and detail["limit_seconds"] == pytest.approx(280, abs=0.1)
    assert text(findings[0].message) == (
        "Answered in 4.5 minutes; the campaign's median is 14.0 minutes (limit 4.7 minutes)."
    )
    assert text(findings[0].message, "vi") == (
        "Trả lời trong 4,5 phút; trung vị của đợt khảo sát là 14,0 phút (ngưỡng 4,7 phút)."
    )


def test_speeders_need_a_median_from_enough_timed_responses():
    rows = [row(i, minutes=12) for i in range(1, 19)] + [row(19, minutes=1)]
    assert check_speeders(rows, Thresholds()) == [], "19 timed responses: no median yet"
    assert [f.response_id for f in check_speeders(rows, Thresholds(speeder_min_responses=19))] == [19]
    # Paper forms and responses without a start take no part; a negative duration is unknown.
    untimed = [row(100 + i, minutes=None) for i in range(5)] + [row(200, minutes=1, channel="paper")]
    untimed += [row(201, minutes=-5)]
    assert check_speeders(rows + untimed, Thresholds()) == []


def test_speeder_ratio_comes_from_the_thresholds():
    rows = [row(i, minutes=12) for i in range(1, 21)] + [row(21, minutes=5)]
    assert check_speeders(rows, Thresholds()) == []
    assert [f.response_id for f in check_speeders(rows, Thresholds(speeder_ratio=0.5))] == [21]


# ---------------------------------------------------------------------------------------------------
# Straight-lining


def test_straight_lining_needs_enough_identical_valid_answers():
    same = dict.fromkeys(ITEMS, "5")
    with_na = {**dict.fromkeys(ITEMS[:10], "3"), ITEMS[10]: "9", ITEMS[11]: "9"}
    few = dict.fromkeys(ITEMS[:9], "4")
    varied = {**same, ITEMS[0]: "4"}
    rows = [row(1, answers=same), row(2, answers=with_na), row(3, answers=few), row(4, answers=varied)]
    findings = {f.response_id: f for f in check_straight_lining(rows, CONTEXT, Thresholds())}
    assert set(findings) == {1, 2}, "not applicable (9) is not an answer; 9 answers are too few"
    assert findings[1].detail == {"value": "5", "answers": 12, "min_items": 10}
    assert text(findings[1].message) == "All 12 satisfaction-scale answers are “5”."
    assert {
        f.response_id for f in check_straight_lining(rows, CONTEXT, Thresholds(straight_min_items=11))
    } == {1}
    assert {
        f.response_id for f in check_straight_lining(rows, CONTEXT, Thresholds(straight_min_items=9))
    } == {
        1,
        2,
        3,
    }


# ---------------------------------------------------------------------------------------------------
# Period


def test_answers_outside_the_period_use_the_local_day_and_the_grace():
    def at(y, m, d, h=10):
        return datetime(y, m, d, h, tzinfo=UTC)

    rows = [
        row(1, completed_at=at(2026, 8, 31)),
        row(2, completed_at=at(2026, 9, 1)),
        row(3, completed_at=at(2026, 11, 30)),
        row(4, completed_at=at(2026, 12, 2)),
        row(5, completed_at=at(2026, 12, 2), channel="paper"),
        # 31/08 20:00 UTC is already 01/09 in Hà Nội (UTC+7).
        row(6, completed_at=at(2026, 8, 31, 20)),
    ]
    hanoi = Context(
        starts_on=date(2026, 9, 1),
        ends_on=date(2026, 11, 30),
        local_date=lambda moment: (moment + timedelta(hours=7)).date(),
    )
    findings = {f.response_id: f for f in check_period(rows, hanoi, Thresholds())}
    assert set(findings) == {1, 4, 5}
    assert findings[1].detail["days_outside"] == 1 and findings[4].detail["days_outside"] == 2
    assert findings[4].severity == Severity.MEDIUM and findings[5].severity == Severity.LOW, (
        "paper: typing day"
    )
    assert (
        text(findings[1].message)
        == "Completed on 31/08/2026, before the collection period began on 01/09/2026."
    )
    assert (
        text(findings[4].message, "vi")
        == "Hoàn thành ngày 02/12/2026, sau khi đợt thu thập kết thúc ngày 30/11/2026."
    )
    assert {f.response_id for f in check_period(rows, hanoi, Thresholds(period_grace_days=1))} == {4, 5}
    # No completion time: the time it was received counts.
    late = Row(id=7, received_at=at(2026, 12, 5))
    assert check_period([late], hanoi, Thresholds())[0].detail["timestamp"] == "received_at"


# ---------------------------------------------------------------------------------------------------
# Profiles


def test_profile_rules_are_data_with_answers_and_facts():
    rows = [
        row(1, answers={"nghe_nghiep": "huu_tri", "nhom_tuoi": "18_25"}),
        row(2, answers={"nghe_nghiep": "huu_tri", "nhom_tuoi": "tren_60"}),
        row(3, answers={"nghe_nghiep": "hoc_sinh_sinh_vien", "nhom_tuoi": "tren_60", "doi_tuong": "ca_nhan"}),
        row(4, answers={"doi_tuong": "ca_nhan"}, applicant_type="organisation"),
        row(5, answers={"doi_tuong": "to_chuc"}),
    ]
    findings = {f.response_id: f for f in check_profiles(rows, CONTEXT, Thresholds())}
    assert set(findings) == {1, 3, 4}
    assert findings[1].detail["rules"] == ["retired_18_25"]
    assert text(findings[1].message) == "Impossible profile: Retired but aged 18 to 25."
    assert (
        text(findings[1].message, "vi")
        == "Thông tin người trả lời bất hợp lý: Nghỉ hưu nhưng từ 18 đến 25 tuổi."
    )
    assert findings[4].severity == Severity.LOW
    household = Context(starts_on=CONTEXT.starts_on, ends_on=CONTEXT.ends_on, template="sipas_household")
    assert [f.detail["rules"] for f in check_profiles(rows, household, Thresholds())][-1] == [
        "organisation_in_household_survey"
    ]
    custom = (
        {
            "code": "many",
            "label": {"vi": "Nhiều", "en": "Many"},
            "when": {"kenh": ["a", "b"], "@channel": ["web"]},
            "severity": "high",
        },
    )
    rows = [row(8, answers={"kenh": ["b", "c"]}), row(9, answers={"kenh": ["c"]}), row(10, answers={})]
    findings = check_profiles(rows, CONTEXT, Thresholds(profile_rules=custom))
    assert [(f.response_id, f.severity) for f in findings] == [(8, Severity.HIGH)], (
        "a multiple choice overlaps"
    )


def test_default_profile_rules_use_the_sipas_templates_questions_and_values():
    assert validate_profile_rules(list(DEFAULT_PROFILE_RULES)) == []
    names = {
        item["name"]
        for template in TEMPLATES.values()
        for block in template.definition["items"]
        for item in ([block] if block["type"] == "question" else block["items"])
        if item["type"] == "question"
    }
    lists = {
        name: {c["value"] for c in CHOICE_LISTS[name]} for name in ("doi_tuong", "nhom_tuoi", "nghe_nghiep")
    }
    for rule in DEFAULT_PROFILE_RULES:
        for name, values in rule["when"].items():
            if name.startswith("@"):
                continue
            assert name in names, name
            assert set(values) <= lists[name], (name, values)
    assert "sipas_household" in TEMPLATES


def test_invalid_profile_rules_are_explained():
    problems = validate_profile_rules(
        [
            {"code": "a", "label": "A", "when": {"x": ["1"]}},
            {"code": "a", "label": "", "when": {}},
            {"code": "", "label": {"vi": "B"}, "when": {"@nowhere": ["1"], "y": "2"}, "severity": "extreme"},
            "nonsense",
        ]
    )
    messages = [text(p) for p in problems]
    assert messages == [
        "Rule 2: the code a is used twice.",
        "Rule 2: “label” is missing.",
        "Rule 2: “when” must name at least one question.",
        "Rule 3: “code” is missing.",
        "Rule 3: @nowhere is unknown; use @template, @applicant_type, @channel.",
        "Rule 3: the values of y must be a list of texts.",
        "Rule 3: severity must be low, medium or high.",
        "Rule 4: must be an object.",
    ]
    assert text(validate_profile_rules({"a": 1})[0]) == "The rules must be a list."


# ---------------------------------------------------------------------------------------------------
# Interviewers


def test_robust_z_is_the_modified_z_score_with_a_fallback():
    values = [10.0, 11.0, 12.0, 13.0, 30.0]
    # median 12, MAD 1: 0.6745 × (x − 12)
    assert robust_z(values) == pytest.approx([-1.349, -0.6745, 0, 0.6745, 12.141])
    # More than half equal: MAD 0, the mean absolute deviation (4 / 5 = 0.8) stands in.
    assert robust_z([5, 5, 5, 5, 9]) == pytest.approx([0, 0, 0, 0, 4 / (1.253314 * 0.8)])
    assert list(robust_z([3, 3, 3])) == [0, 0, 0]


def test_chi_square_statistic_matches_scipy_and_the_correction_divides_it():
    observed = np.array([10.0, 20.0, 30.0, 0.0])
    expected = np.array([20.0, 20.0, 20.0, 0.0])
    statistic, df, p, corrected = chi_square_test(observed, expected)
    reference = stats.chisquare(observed[:3], expected[:3])
    assert (
        statistic == pytest.approx(reference.statistic) and df == 2 and p == pytest.approx(reference.pvalue)
    )
    assert corrected == statistic
    statistic2, _df, p2, corrected2 = chi_square_test(observed, expected, design_effect=4)
    assert statistic2 == statistic and corrected2 == pytest.approx(statistic / 4)
    assert p2 == pytest.approx(stats.chi2.sf(statistic / 4, 2))
    assert chi_square_test(np.array([1.0, 0]), np.array([1.0, 0])) is None


def test_design_effect_of_answers_clustered_in_responses():
    # Every response gives one code to all its 10 answers: as if there were only one answer each
    # (deff = m = 10, times the n / (n − G) factor).
    rng = np.random.default_rng(1)
    groups = []
    for _g in range(4):
        counts = np.zeros((50, 5))
        counts[np.arange(50), rng.integers(0, 5, 50)] = 10
        groups.append(counts)
    assert answers_design_effect(groups) == pytest.approx(10 * 200 / 196, rel=0.01)
    # Independent answers: about 1.
    independent = [rng.multinomial(10, [0.2] * 5, size=50).astype(float) for _g in range(4)]
    assert answers_design_effect(independent) == pytest.approx(1.0, abs=0.15)
    assert answers_design_effect([]) == 1.0


def test_expected_counts_follow_the_others_in_the_same_units():
    own = {"a": np.array([0.0, 10.0]), "b": np.array([10.0, 0.0])}
    others = {"a": np.array([0.0, 1000.0]), "b": np.array([1000.0, 0.0])}
    assert expected_counts(own, others, prior_answers=0) == pytest.approx([10, 10])
    # A unit nobody else worked in: the others' shares over the whole campaign.
    assert expected_counts({"c": np.array([4.0, 0.0])}, others, prior_answers=0) == pytest.approx([2, 2])


def interviewer_rows(*, interviewers=6, per=12, cheat=None, minutes=12.0):
    rng = np.random.default_rng(5)
    rows, n = [], 0
    for interviewer in range(1, interviewers + 1):
        for _i in range(per):
            n += 1
            mood = rng.normal(3.8, 0.5)
            answers = {name: str(int(np.clip(round(mood + rng.normal(0, 0.6)), 1, 5))) for name in ITEMS}
            duration = minutes + rng.normal(0, 1.5)
            if interviewer == cheat:
                answers = dict.fromkeys(ITEMS, "5")
            rows.append(row(n, minutes=duration, answers=answers, interviewer=interviewer, unit=n % 3))
    return rows


def test_an_interviewer_whose_answers_are_all_five_is_flagged_on_every_response():
    rows = interviewer_rows(cheat=4)
    context = Context(**{**CONTEXT.__dict__, "interviewer_names": {4: "Lý Văn Điều Tra"}})
    findings = check_interviewers(rows, context, Thresholds())
    assert {f.response_id for f in findings} == {r.id for r in rows if r.interviewer == 4}
    detail = findings[0].detail
    # Twelve honest responses each spread the interviewers' shares too much for the share to stand
    # out (z ≈ 2.2); the distribution of the answers does.
    assert detail["reasons"] == ["distribution"]
    assert detail["mean_satisfied_share"] == 1.0 and 2 < detail["z_share"] < 3.5
    assert detail["design_effect"] > 1 and detail["chi2_corrected"] == pytest.approx(
        detail["chi2"] / detail["design_effect"], rel=1e-3
    )
    assert detail["p"] < 0.001 and detail["interviewers_compared"] == 6 and detail["responses"] == 12
    assert detail["answer_counts"] == {"1": 0, "2": 0, "3": 0, "4": 0, "5": 144}
    message = text(findings[0].message)
    assert message.startswith(
        "Interviewer Lý Văn Điều Tra: answers distributed unlike the other interviewers' (χ² "
    )
    assert message.endswith(", 3 df, p < 0.001).")
    # With a lower z limit the share counts too, and both reasons are told.
    both = [
        f
        for f in check_interviewers(rows, context, Thresholds(interviewer_z=2))
        if f.detail["interviewer"] == 4
    ]
    assert both[0].detail["reasons"] == ["share", "distribution"]
    assert text(both[0].message).startswith(
        "Interviewer Lý Văn Điều Tra: satisfied share 100.0% against 74.7% (robust z 2.2); answers"
    )
    assert {f.severity for f in findings} == {Severity.HIGH}
    # Honest interviewers alone: nothing.
    assert check_interviewers(interviewer_rows(), context, Thresholds()) == []


def test_a_fast_interviewer_is_flagged_by_the_median_duration():
    rows = interviewer_rows()
    rows = [
        Row(**{**r.__dict__, "started_at": r.completed_at - timedelta(minutes=2)})
        if r.interviewer == 2
        else r
        for r in rows
    ]
    findings = check_interviewers(rows, CONTEXT, Thresholds())
    assert {f.response_id for f in findings} == {r.id for r in rows if r.interviewer == 2}
    assert findings[0].detail["reasons"] == ["duration"] and findings[0].detail["z_duration"] < -3.5


def test_interviewer_checks_need_enough_interviewers_and_responses():
    assert check_interviewers(interviewer_rows(interviewers=4, cheat=1), CONTEXT, Thresholds()) == []
    assert check_interviewers(interviewer_rows(per=9, cheat=1), CONTEXT, Thresholds()) == []
    assert check_interviewers(
        interviewer_rows(per=9, cheat=1), CONTEXT, Thresholds(interviewer_min_responses=9)
    )
    # A stricter limit lets the cheat's share through but not the distribution test.
    strict = Thresholds(interviewer_z=100, interviewer_p_value=1e-300)
    assert check_interviewers(interviewer_rows(cheat=1), CONTEXT, strict) == []


def test_run_checks_runs_only_the_enabled_kinds():
    rows = [row(1, phone="0905123456"), row(2, phone="0905123456", answers=dict.fromkeys(ITEMS, "5"))]
    assert {f.kind for f in run_checks(rows, CONTEXT, Thresholds())} == {
        FlagKind.DUPLICATE_PHONE,
        FlagKind.STRAIGHT_LINING,
    }
    only = Thresholds(kinds=frozenset({FlagKind.STRAIGHT_LINING}))
    assert [(f.response_id, f.kind) for f in run_checks(rows, CONTEXT, only)] == [
        (2, FlagKind.STRAIGHT_LINING)
    ]
