from datetime import date

import pytest

from hailong.collection.formspec import form_spec
from hailong.collection.validation import validate_answers
from tests.small_form import VALID

pytestmark = pytest.mark.django_db


def check(version, answers, today=date(2026, 11, 23)):
    return validate_answers(form_spec(version), answers, today=today)


def codes(errors):
    return sorted((e.question, e.code) for e in errors)


def test_valid_answers_are_cleaned(small_version):
    clean, errors = check(small_version, {**VALID, "kenh": ["truc_tiep", "truc_tuyen"], "ngay": "01/11/2026"})
    assert errors == []
    assert clean["so_lan"] == 2  # typed numbers are stored as numbers
    assert clean["ngay"] == "2026-11-01"  # Vietnamese dates are stored as ISO
    assert clean["kenh"] == ["truc_tiep", "truc_tuyen"]


def test_required_choice_type_and_constraint_errors(small_version):
    clean, errors = check(small_version, {"so_lan": "60", "tc1": "7", "gop_y": "no", "ngay": "2027-01-01"})
    assert codes(errors) == [
        ("chung", "required"),
        ("ngay", "constraint"),
        ("so_lan", "constraint"),
        ("tc1", "choice"),
    ]
    message = next(e for e in errors if e.question == "chung").message
    assert (
        message["vi"] == "Câu hỏi này cần được trả lời." and message["en"] == "This question needs an answer."
    )


def test_skip_logic_drops_answers_that_do_not_apply(small_version):
    clean, errors = check(small_version, {**VALID, "ly_do": "xa", "py1": "2"})
    assert errors == []
    assert "ly_do" not in clean, "only asked when more than 3 trips"
    assert "py1" not in clean, "the feedback section applies only after giving feedback"


def test_a_question_that_applies_becomes_required(small_version):
    _clean, errors = check(small_version, {**VALID, "gop_y": "yes"})
    assert codes(errors) == [("py1", "required")]
    clean, errors = check(
        small_version, {**VALID, "gop_y": "yes", "py1": "3", "so_lan": 5, "ly_do": "Thiếu giấy tờ"}
    )
    assert errors == []
    assert clean["py1"] == "3" and clean["ly_do"] == "Thiếu giấy tờ"


def test_unknown_questions_are_refused(small_version):
    _clean, errors = check(small_version, {**VALID, "khong_co": "x"})
    assert codes(errors) == [("khong_co", "unknown")]


def test_ranking_needs_distinct_choices(small_version):
    _clean, errors = check(small_version, {**VALID, "uu_tien": ["truc_tiep", "truc_tiep"]})
    assert codes(errors) == [("uu_tien", "ranking")]
    clean, errors = check(small_version, {**VALID, "uu_tien": ["buu_chinh", "truc_tiep"]})
    assert clean["uu_tien"] == ["buu_chinh", "truc_tiep"]


def test_decimal_comma_and_bad_numbers(small_version):
    _clean, errors = check(small_version, {**VALID, "so_lan": "2,5"})
    assert codes(errors) == [("so_lan", "integer")]
    _clean, errors = check(small_version, {**VALID, "so_lan": "hai"})
    assert codes(errors) == [("so_lan", "integer")]
