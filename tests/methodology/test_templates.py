import re
import unicodedata
from collections import Counter

import pytest

from hailong.methodology import services
from hailong.methodology.builtin_templates import TEMPLATES, Template, template_install
from hailong.methodology.choices import (
    CHOICE_KINDS,
    CriterionLevel,
    Measure,
    QuestionKind,
    VersionSource,
    VersionStatus,
    WordingSource,
)
from hailong.methodology.definition import (
    QUESTION_FIELDS,
    SECTION_FIELDS,
    iter_questions,
    iter_sections,
    version_definition,
)
from hailong.methodology.expressions import compile_expression, evaluate, references

KEYS = sorted(TEMPLATES)
XML_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
ELEMENTS = ["E1", "E2", "E3", "E4", "E5"]
# Criteria per element: Decision 2640's 22 (4+5+6+3+4) for service users; the 1001 household
# shape has the 3 confirmed access contents and 4 procedure contents (3+4+6+3+4).
CRITERIA_PER_ELEMENT = {
    "sipas_service": {"E1": 4, "E2": 5, "E3": 6, "E4": 3, "E5": 4},
    "sipas_household": {"E1": 3, "E2": 4, "E3": 6, "E4": 3, "E5": 4},
}
POLICY_GROUPS = [f"P{n}" for n in range(1, 10)]


def definition(key: str) -> dict:
    return TEMPLATES[key].definition


def questions(key: str) -> list[dict]:
    return list(iter_questions(definition(key)["items"]))


def by_measure(key: str, measure: str) -> list[dict]:
    return [q for q in questions(key) if q["measure"] == measure]


def with_ancestors(items: list[dict], ancestors: tuple = ()):
    """(question, the sections it sits in, outermost first), in form order."""
    for item in items:
        if item["type"] == "section":
            yield from with_ancestors(item["items"], (*ancestors, item))
        else:
            yield item, ancestors


def conditions(key: str) -> dict[str, list[str]]:
    """Question name → every ``relevant`` expression that must hold for it to be asked."""
    return {
        q["name"]: [s["relevant"] for s in ancestors if s["relevant"]]
        + ([q["relevant"]] if q["relevant"] else [])
        for q, ancestors in with_ancestors(definition(key)["items"])
    }


def asked(key: str, name: str, answers: dict) -> bool:
    return all(evaluate(compile_expression(expr), answers) for expr in conditions(key)[name])


def texts(key: str):
    """(where, text dict) for every bilingual text of a definition."""
    d = definition(key)
    yield "title", d["title"]
    for c in d["criteria"]:
        yield f"criterion {c['code']}", c["name"]
    for list_name, rows in d["choice_lists"].items():
        for row in rows:
            yield f"choice {list_name}/{row['value']}", row["label"]
    for s in iter_sections(d["items"]):
        yield f"section {s['name']}", s["label"]
    for q in iter_questions(d["items"]):
        yield f"label {q['name']}", q["label"]
        for field in ("hint", "constraint_message", "required_message"):
            if q[field]:
                yield f"{field} {q['name']}", q[field]


# ---------------------------------------------------------------------------------------------------
# Registry and validity


def test_registry():
    assert KEYS == ["sipas_household", "sipas_service"]
    for key, template in TEMPLATES.items():
        assert isinstance(template, Template)
        assert template.key == key
        assert template.definition["form_id"] == key
        assert template.title == template.definition["title"]
        assert template.description["vi"]
        assert template.description["en"]


@pytest.mark.parametrize("key", KEYS)
def test_definition_has_no_problems(key):
    assert services.definition_problems(definition(key)) == []


@pytest.mark.parametrize("key", KEYS)
def test_top_level_settings(key):
    d = definition(key)
    assert d["form_version"] == ""
    assert d["default_language"] == "vi"
    assert d["languages"] == {"vi": "Vietnamese (vi)", "en": "English (en)"}
    assert d["settings"] == {}
    assert d["scoring"] == {
        "scale": {"valid": ["1", "2", "3", "4", "5"], "satisfied": ["4", "5"], "not_applicable": ["9"]},
        "aggregation": "item_mean",
        "available_aggregations": ["item_mean", "pooled", "respondent_mean", "overall_question"],
        "pillar_aggregation": "mean",
    }
    notes = d["notes"]
    for basis in ("1383/QĐ-BNV", "2640/QĐ-BNV", "1001/QĐ-BNV", "official", "default"):
        assert basis in notes
    vietnamese, english = notes.split("\n---\n")
    assert "Căn cứ" in vietnamese
    assert "Method basis" in english


@pytest.mark.parametrize("key", KEYS)
def test_every_item_has_every_key(key):
    d = definition(key)
    question_keys = {"type", *QUESTION_FIELDS, "choice_list", "criterion"}
    section_keys = {"type", *SECTION_FIELDS, "items"}
    for q in iter_questions(d["items"]):
        assert set(q) == question_keys, q["name"]
        assert q["kind"] in QuestionKind.values
        assert q["measure"] in {"", *Measure.values}
        assert isinstance(q["required"], bool)
    for s in iter_sections(d["items"]):
        assert set(s) == section_keys, s["name"]
        assert s["repeat"] is False
    for c in d["criteria"]:
        assert set(c) == {"code", "level", "name", "parent", "weight", "wording"}
        assert c["level"] in CriterionLevel.values
        assert c["weight"] == "1"
    for rows in d["choice_lists"].values():
        for row in rows:
            assert set(row) == {"value", "label", "extra"}
            assert row["extra"] == {}


@pytest.mark.parametrize("key", KEYS)
def test_names_are_xml_names_and_unique(key):
    d = definition(key)
    names = [item["name"] for item in [*iter_sections(d["items"]), *iter_questions(d["items"])]]
    assert all(XML_NAME.match(name) for name in names), [n for n in names if not XML_NAME.match(n)]
    assert len(names) == len(set(names)), [n for n, c in Counter(names).items() if c > 1]
    # Every question sits in a section, except the introduction note.
    top = [item for item in d["items"] if item["type"] == "question"]
    assert [q["name"] for q in top] == ["gioi_thieu"]
    assert top[0]["kind"] == QuestionKind.NOTE


@pytest.mark.parametrize("key", KEYS)
def test_texts_are_bilingual(key):
    seen = 0
    for where, text in texts(key):
        seen += 1
        assert set(text) == {"vi", "en"}, where
        assert text["vi"].strip(), where
        assert text["en"].strip(), where
        assert unicodedata.is_normalized("NFC", text["vi"]), where
        assert text["vi"] != text["en"] or text["vi"] == "Kinh", where
    assert seen > 100
    # Vietnamese is written with its diacritics.
    for q in questions(key):
        assert not q["label"]["vi"].isascii(), q["name"]


@pytest.mark.parametrize("key", KEYS)
def test_choice_lists(key):
    d = definition(key)
    lists = d["choice_lists"]
    used = {q["choice_list"] for q in questions(key) if q["choice_list"]}
    assert used == set(lists)  # every list used exists, and none is left over
    for q in questions(key):
        assert (q["kind"] in CHOICE_KINDS) == bool(q["choice_list"]), q["name"]
        if q["choice_list"]:
            assert q["xlsform_type"].split()[-1] == q["choice_list"]
    for rows in lists.values():
        values = [row["value"] for row in rows]
        assert len(values) == len(set(values))
    assert [r["value"] for r in lists["hai_long_5"]] == ["1", "2", "3", "4", "5", "9"]
    assert [r["label"]["vi"] for r in lists["hai_long_5"]] == [
        "Rất không hài lòng",
        "Không hài lòng",
        "Bình thường",
        "Hài lòng",
        "Rất hài lòng",
        "Không áp dụng/không rõ",
    ]
    assert [r["value"] for r in lists["danh_gia_5"]] == ["1", "2", "3", "4", "5", "9"]
    assert [r["label"]["vi"] for r in lists["danh_gia_5"]][:5] == [
        "Rất kém",
        "Kém",
        "Trung bình",
        "Tốt",
        "Rất tốt",
    ]
    assert [(r["value"], r["label"]["vi"]) for r in lists["yes_no"]] == [("yes", "Có"), ("no", "Không")]
    assert [r["label"]["vi"] for r in lists["muc_do_phien_ha"]] == ["Không có", "Có một số", "Nhiều"]
    assert [r["value"] for r in lists["noi_dung_cai_thien"]] == ["e1", "e2", "e3", "e4", "e5"]
    assert [r["value"] for r in lists["nhom_tuoi"]] == [
        "18_25",
        "26_35",
        "36_45",
        "46_55",
        "56_60",
        "tren_60",
    ]


@pytest.mark.parametrize("key", KEYS)
def test_wording_values(key):
    d = definition(key)
    allowed = {WordingSource.OFFICIAL, WordingSource.DEFAULT}
    assert {c["wording"] for c in d["criteria"]} <= allowed
    assert {q["wording"] for q in questions(key)} <= allowed
    official = {c["code"] for c in d["criteria"] if c["wording"] == WordingSource.OFFICIAL}
    # The SIPAS 2024 access contents are confirmed; the 22-criteria itemisation is not.
    assert {"E1", "E2", "E3", "E4", "E5", "E1.1", "E1.2", "E1.3"} <= official
    assert not {"E2.1", "E2.2", "E2.3", "E2.4", "E3.2", "E4.1", "E5.1", "E5.4"} & official
    # A satisfaction question about a criterion carries the criterion's wording status.
    criteria = {c["code"]: c for c in d["criteria"]}
    for q in by_measure(key, Measure.SATISFACTION):
        if criteria[q["criterion"]]["level"] == CriterionLevel.CRITERION:
            assert q["wording"] == criteria[q["criterion"]]["wording"], q["name"]


# ---------------------------------------------------------------------------------------------------
# Structure


@pytest.mark.parametrize("key", KEYS)
def test_five_elements_with_their_criteria(key):
    d = definition(key)
    criteria = {c["code"]: c for c in d["criteria"]}
    elements = [
        c for c in d["criteria"] if c["level"] == CriterionLevel.ELEMENT and c["code"].startswith("E")
    ]
    assert [c["code"] for c in elements] == ELEMENTS
    assert [c["name"]["vi"] for c in elements] == [
        "Tiếp cận dịch vụ hành chính công",
        "Thủ tục hành chính",
        "Công chức trực tiếp giải quyết công việc",
        "Kết quả cung ứng dịch vụ hành chính công",
        "Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị",
    ]
    children = Counter(c["parent"] for c in d["criteria"] if c["level"] == CriterionLevel.CRITERION)
    assert dict(children) == CRITERIA_PER_ELEMENT[key]
    for code, count in CRITERIA_PER_ELEMENT[key].items():
        codes = [c["code"] for c in d["criteria"] if c["parent"] == code]
        assert codes == [f"{code}.{n}" for n in range(1, count + 1)]
    # Parents come before their children, and exist.
    seen: set[str] = set()
    for c in d["criteria"]:
        assert c["parent"] is None or c["parent"] in seen
        seen.add(c["code"])
    if key == "sipas_service":
        assert sum(CRITERIA_PER_ELEMENT[key].values()) == 22
        assert all(criteria[e]["parent"] is None for e in ELEMENTS)
    else:
        assert all(criteria[e]["parent"] == "PB" for e in ELEMENTS)


@pytest.mark.parametrize("key", KEYS)
def test_one_satisfaction_question_per_criterion(key):
    d = definition(key)
    leaves = [c["code"] for c in d["criteria"] if c["level"] == CriterionLevel.CRITERION]
    asked_about = [q["criterion"] for q in by_measure(key, Measure.SATISFACTION)]
    policy = POLICY_GROUPS if key == "sipas_household" else []
    assert sorted(asked_about) == sorted(leaves + policy)
    for q in by_measure(key, Measure.SATISFACTION):
        assert q["kind"] == QuestionKind.SATISFACTION
        assert q["choice_list"] == "hai_long_5"
        assert q["required"] is True


@pytest.mark.parametrize("key", KEYS)
def test_satisfaction_and_perception_questions_have_a_criterion(key):
    codes = {c["code"] for c in definition(key)["criteria"]}
    scored = [q for q in questions(key) if q["measure"] in (Measure.SATISFACTION, Measure.PERCEPTION)]
    assert scored
    for q in scored:
        assert q["criterion"] in codes, q["name"]
    for q in questions(key):
        if q["measure"] in (Measure.PROFILE, Measure.COMMENT, Measure.OVERALL, ""):
            assert q["criterion"] is None, q["name"]


@pytest.mark.parametrize("key", KEYS)
def test_perception_questions(key):
    perception = by_measure(key, Measure.PERCEPTION)
    five_level = [q for q in perception if q["kind"] == QuestionKind.SATISFACTION]
    # One assessment item per element: a handful, not one per criterion.
    assert sorted(q["criterion"] for q in five_level) == ELEMENTS
    assert all(q["choice_list"] == "danh_gia_5" for q in five_level)
    (harassment,) = [q for q in perception if q["kind"] == QuestionKind.SINGLE]
    assert harassment["choice_list"] == "muc_do_phien_ha"
    assert harassment["criterion"] == "E3"
    assert harassment["wording"] == WordingSource.OFFICIAL
    if key == "sipas_household":
        interest = [q for q in perception if q["kind"] == QuestionKind.YES_NO]
        assert [q["criterion"] for q in interest] == POLICY_GROUPS


@pytest.mark.parametrize("key", KEYS)
def test_exactly_one_overall_question(key):
    (overall,) = by_measure(key, Measure.OVERALL)
    assert overall["label"]["vi"] == (
        "Nhìn chung, Ông/Bà hài lòng như thế nào về sự phục vụ của cơ quan hành chính nhà nước?"
    )
    assert overall["required"] is True
    assert overall["relevant"] == ""
    assert overall["choice_list"] == "hai_long_5"
    assert asked(key, overall["name"], {})


@pytest.mark.parametrize("key", KEYS)
def test_one_in_general_question_per_element_and_pillar(key):
    general = by_measure(key, Measure.ELEMENT_OVERALL)
    expected = ELEMENTS + (["PA", "PB"] if key == "sipas_household" else [])
    assert sorted(q["criterion"] for q in general) == sorted(expected)
    for q in general:
        assert q["label"]["vi"].startswith("Nhìn chung, Ông/Bà hài lòng như thế nào về ")
        assert q["choice_list"] == "hai_long_5"
        assert q["required"] is True
    # Each element's in-general question closes that element's section.
    sections = {s["name"]: s for s in iter_sections(definition(key)["items"])}
    for q, ancestors in with_ancestors(definition(key)["items"]):
        if q in general and q["criterion"].startswith("E"):
            assert ancestors[-1]["items"][-1] is q
            assert sections[ancestors[-1]["name"]]["label"] == next(
                c["name"] for c in definition(key)["criteria"] if c["code"] == q["criterion"]
            )


@pytest.mark.parametrize("key", KEYS)
def test_e5_is_asked_only_after_feedback(key):
    d = definition(key)
    feedback = next(q for q in questions(key) if q["name"] == "gop_y")
    assert feedback["kind"] == QuestionKind.YES_NO
    assert feedback["label"]["vi"] == (
        "Trong quá trình giải quyết thủ tục, Ông/Bà có góp ý, phản ánh, kiến nghị không?"
    )
    (section,) = [
        s for s in iter_sections(d["items"]) if s["label"]["vi"].startswith("Tiếp nhận, xử lý góp ý")
    ]
    expected = {
        "sipas_service": "${gop_y} = 'yes'",
        "sipas_household": "${da_giao_dich} = 'yes' and ${gop_y} = 'yes'",
    }
    assert section["relevant"] == expected[key]
    e5 = {c["code"] for c in d["criteria"] if c["code"] == "E5" or c["parent"] == "E5"}
    e5_questions = [q for q in questions(key) if q["criterion"] in e5]
    assert len(e5_questions) == 4 + 1 + 1  # criteria, perception, in general
    assert {q["name"] for q in e5_questions} == {q["name"] for q in section["items"]}
    answers = {"gop_y": "yes", "da_giao_dich": "yes"}
    for q in e5_questions:
        assert any("${gop_y} = 'yes'" in expr for expr in conditions(key)[q["name"]])
        assert asked(key, q["name"], answers)
        assert not asked(key, q["name"], {**answers, "gop_y": "no"})
        assert not asked(key, q["name"], {"da_giao_dich": "yes"})
        assert q["required"] is True  # mandatory only when asked
    # Nothing outside E5 depends on the feedback answer.
    others = [q for q in questions(key) if q["criterion"] not in e5]
    assert all(asked(key, q["name"], {"gop_y": "no"}) for q in others if not conditions(key)[q["name"]])


def test_service_trips_and_reason():
    d = definition("sipas_service")
    qs = {q["name"]: q for q in questions("sipas_service")}
    trips = qs["so_lan_di_lai"]
    assert trips["kind"] == QuestionKind.INTEGER
    assert trips["constraint"] == ". >= 0 and . <= 50"
    constraint = compile_expression(trips["constraint"])
    assert evaluate(constraint, {}, 0)
    assert evaluate(constraint, {}, 50)
    assert not evaluate(constraint, {}, 51)
    assert not evaluate(constraint, {}, -1)
    reason = qs["ly_do_di_lai"]
    assert reason["kind"] == QuestionKind.LONG_TEXT
    assert reason["required"] is False
    assert references(compile_expression(reason["relevant"])) == {"so_lan_di_lai"}
    assert asked("sipas_service", "ly_do_di_lai", {"so_lan_di_lai": 4})
    assert not asked("sipas_service", "ly_do_di_lai", {"so_lan_di_lai": 3})
    assert not asked("sipas_service", "ly_do_di_lai", {})
    # The service profile: who answered and the procedure they carried out.
    profile = [q["name"] for q in by_measure("sipas_service", Measure.PROFILE)]
    assert profile == [
        "doi_tuong",
        "gioi_tinh",
        "nhom_tuoi",
        "dan_toc",
        "trinh_do",
        "nghe_nghiep",
        "linh_vuc",
        "hinh_thuc_nop",
        "so_lan_di_lai",
        "gop_y",
    ]
    assert [r["value"] for r in d["choice_lists"]["hinh_thuc_nop"]] == [
        "truc_tiep",
        "truc_tuyen",
        "buu_chinh",
    ]
    assert len(d["choice_lists"]["linh_vuc"]) == 11
    assert not any(c["level"] == CriterionLevel.PILLAR for c in d["criteria"])


def test_household_policy_pillar():
    d = definition("sipas_household")
    criteria = {c["code"]: c for c in d["criteria"]}
    assert [c["code"] for c in d["criteria"] if c["level"] == CriterionLevel.PILLAR] == ["PA", "PB"]
    assert [c["code"] for c in d["criteria"] if c["parent"] == "PA"] == POLICY_GROUPS
    assert [c["code"] for c in d["criteria"] if c["parent"] == "PB"] == ELEMENTS
    assert criteria["P6"]["name"] == {
        "vi": "Bảo đảm trật tự, an toàn xã hội",
        "en": "Social order and safety",
    }
    assert all(criteria[p]["wording"] == WordingSource.OFFICIAL for p in ["PA", "PB", *POLICY_GROUPS])
    qs = {q["name"]: q for q in questions("sipas_household")}
    for code in POLICY_GROUPS:
        interest = qs[f"{code.lower()}_quan_tam"]
        satisfied = qs[f"{code.lower()}_hai_long"]
        assert interest["kind"] == QuestionKind.YES_NO
        assert (interest["criterion"], interest["measure"]) == (code, Measure.PERCEPTION)
        assert (satisfied["criterion"], satisfied["measure"]) == (code, Measure.SATISFACTION)
        assert asked("sipas_household", satisfied["name"], {interest["name"]: "yes"})
        assert not asked("sipas_household", satisfied["name"], {interest["name"]: "no"})
    # Willingness to give policy opinions, then the channels.
    willing, channels = qs["san_sang_gop_y"], qs["kenh_gop_y"]
    assert willing["kind"] == QuestionKind.YES_NO
    assert channels["kind"] == QuestionKind.MULTIPLE
    assert {r["value"] for r in d["choice_lists"][channels["choice_list"]]} >= {"van_ban", "truc_tuyen"}
    assert asked("sipas_household", "kenh_gop_y", {"san_sang_gop_y": "yes"})
    assert not asked("sipas_household", "kenh_gop_y", {"san_sang_gop_y": "no"})


def test_household_services_pillar_only_for_people_who_dealt_with_an_agency():
    d = definition("sipas_household")
    pb = {c["code"] for c in d["criteria"] if c["code"] == "PB" or c["parent"] in ("PB", *ELEMENTS)}
    pillar_b = [q for q in questions("sipas_household") if q["criterion"] in pb]
    assert len(pillar_b) == 20 + 5 + 1 + 5 + 1  # criteria, perception, harassment, in general ×5, PB
    for q in pillar_b:
        assert not asked("sipas_household", q["name"], {"da_giao_dich": "no", "gop_y": "yes"}), q["name"]
        assert asked("sipas_household", q["name"], {"da_giao_dich": "yes", "gop_y": "yes"}), q["name"]
    for name in ("linh_vuc", "hinh_thuc_nop", "gop_y"):
        assert not asked("sipas_household", name, {"da_giao_dich": "no"})
    # Pillar A, the overall question and the expectations are asked of everybody.
    for name in ("p1_quan_tam", "pa_chung", "hai_long_chung", "uu_tien_cai_thien", "san_sang_gop_y"):
        assert asked("sipas_household", name, {"da_giao_dich": "no"})


@pytest.mark.parametrize("key", KEYS)
def test_expectation_and_comment(key):
    (ranking,) = [q for q in questions(key) if q["kind"] == QuestionKind.RANKING]
    assert ranking["measure"] == Measure.EXPECTATION
    assert ranking["label"]["vi"] == "Theo Ông/Bà, cơ quan hành chính cần ưu tiên cải thiện nội dung nào?"
    assert ranking["choice_list"] == "noi_dung_cai_thien"
    (comment,) = by_measure(key, Measure.COMMENT)
    assert comment["kind"] == QuestionKind.LONG_TEXT
    assert comment["required"] is False
    intro = questions(key)[0]
    assert intro["kind"] == QuestionKind.NOTE
    assert "10 phút" in intro["label"]["vi"]
    assert "không ghi tên" in intro["label"]["vi"]
    assert "cảm ơn" in intro["label"]["vi"]


@pytest.mark.parametrize("key", KEYS)
def test_profile(key):
    profile = by_measure(key, Measure.PROFILE)
    names = [q["name"] for q in profile]
    assert names[:6] == ["doi_tuong", "gioi_tinh", "nhom_tuoi", "dan_toc", "trinh_do", "nghe_nghiep"]
    assert all(q["required"] for q in profile)
    age = next(q for q in profile if q["name"] == "nhom_tuoi")
    assert age["kind"] == QuestionKind.SINGLE
    assert age["constraint"] == ""
    assert "18" in age["hint"]["vi"]


# ---------------------------------------------------------------------------------------------------
# Installation


@pytest.mark.django_db
@pytest.mark.parametrize("key", KEYS)
def test_install_publishes_the_definition(key, unit):
    owner = unit("48")
    version = template_install(key=key, owner=owner)
    assert version.status == VersionStatus.PUBLISHED
    assert version.source == VersionSource.TEMPLATE
    assert version.number == 1
    assert version.fingerprint
    assert version.form_version
    questionnaire = version.questionnaire
    assert (questionnaire.code, questionnaire.template_key, questionnaire.owner) == (key, key, owner)
    assert questionnaire.title == TEMPLATES[key].title
    stored = version_definition(version)
    assert stored["form_version"] == version.form_version
    assert {**stored, "form_version": ""} == TEMPLATES[key].definition


@pytest.mark.django_db
def test_install_makes_codes_unique_and_can_leave_a_draft(unit):
    owner = unit("48")
    first = template_install(key="sipas_service", owner=owner)
    second = template_install(key="sipas_service", owner=owner, publish=False)
    third = template_install(key="sipas_service", owner=owner)
    assert [v.questionnaire.code for v in (first, second, third)] == [
        "sipas_service",
        "sipas_service-2",
        "sipas_service-3",
    ]
    assert second.status == VersionStatus.DRAFT
    assert second.fingerprint == ""
    assert version_definition(second) == TEMPLATES["sipas_service"].definition
    own = template_install(key="sipas_household", owner=owner, code="da-nang-ho-gia-dinh")
    assert own.questionnaire.code == "da-nang-ho-gia-dinh"
    assert own.questionnaire.template_key == "sipas_household"
    again = template_install(key="sipas_household", owner=owner, code="da-nang-ho-gia-dinh")
    assert again.questionnaire.code == "da-nang-ho-gia-dinh-2"


@pytest.mark.django_db
def test_install_refuses_an_unknown_template(unit):
    with pytest.raises(ValueError, match="Unknown questionnaire template"):
        template_install(key="sipas_unknown", owner=unit("48"))


def test_install_does_not_share_the_template_dictionaries():
    # Installing deep-copies, and the two templates share no mutable piece with each other.
    service, household = definition("sipas_service"), definition("sipas_household")
    ids_service = {id(x) for x in _walk(service)}
    assert not ids_service & {id(x) for x in _walk(household)}


def _walk(value):
    if isinstance(value, dict):
        yield value
        for v in value.values():
            yield from _walk(v)
    elif isinstance(value, list):
        yield value
        for v in value:
            yield from _walk(v)
