"""Pieces both SIPAS templates share: builders, choice lists, the profile and the five elements.

Everything here returns plain definition dictionaries (see ``hailong.methodology.definition``), with
every key a question or section must carry, so a template reads as data and installing it then
reading it back gives the same dictionary.

The element contents follow domain.md §1.2 (the 22 criteria of Decision 2640/QĐ-BNV, itemised from
an UNCONFIRMED recollection) and §1.3/Addendum C2 (what SIPAS 2024 confirms). ``wording`` says which:
``official`` means an official source confirms the *content* of the item (the exact official
sentence is not available); ``default`` means the content and wording are ours.
"""

import json
from dataclasses import dataclass, replace

from hailong.methodology.choices import CriterionLevel, Measure, QuestionKind, WordingSource

OFFICIAL = WordingSource.OFFICIAL.value
DEFAULT = WordingSource.DEFAULT.value

LANGUAGES = {"vi": "Vietnamese (vi)", "en": "English (en)"}

# The 5-point scale: codes 4–5 count as satisfied (or good), 9 is "not applicable" and leaves the
# denominator (domain.md Addendum A, C1 and H1).
SCALE = {"valid": ["1", "2", "3", "4", "5"], "satisfied": ["4", "5"], "not_applicable": ["9"]}
AVAILABLE_AGGREGATIONS = ["item_mean", "pooled", "respondent_mean", "overall_question"]

SATISFACTION_LIST = "hai_long_5"
ASSESSMENT_LIST = "danh_gia_5"
YES_NO_LIST = "yes_no"
YES = "yes"


def t(vi: str, en: str) -> dict:
    """A text in both languages, Vietnamese first."""
    return {"vi": vi, "en": en}


def plain(data):
    """A JSON-only deep copy, sharing nothing with the module's building blocks."""
    return json.loads(json.dumps(data, ensure_ascii=False))


def scoring() -> dict:
    return {
        "scale": {key: list(values) for key, values in SCALE.items()},
        "aggregation": "item_mean",
        "available_aggregations": list(AVAILABLE_AGGREGATIONS),
        "pillar_aggregation": "mean",
    }


def equals(name: str, value: str) -> str:
    """The skip-logic expression "question ``name`` was answered ``value``"."""
    return f"${{{name}}} = '{value}'"


# ---------------------------------------------------------------------------------------------------
# Builders


def _xlsform_type(kind: str, choice_list: str | None) -> str:
    if kind in (QuestionKind.SATISFACTION, QuestionKind.SINGLE, QuestionKind.YES_NO):
        return f"select_one {choice_list}"
    if kind == QuestionKind.MULTIPLE:
        return f"select_multiple {choice_list}"
    if kind == QuestionKind.RANKING:
        return f"rank {choice_list}"
    if kind == QuestionKind.LONG_TEXT:
        return "text"
    return str(kind)


def question(
    name: str,
    kind: str,
    label: dict,
    *,
    hint: dict | None = None,
    required: bool = False,
    required_message: dict | None = None,
    relevant: str = "",
    constraint: str = "",
    constraint_message: dict | None = None,
    calculation: str = "",
    default: str = "",
    appearance: str = "",
    choice_list: str | None = None,
    choice_filter: str = "",
    parameters: dict | None = None,
    criterion: str | None = None,
    measure: str = "",
    wording: str = DEFAULT,
    extra: dict | None = None,
) -> dict:
    """A question dictionary with every key of the definition shape."""
    kind = str(kind)
    if kind == QuestionKind.LONG_TEXT and not appearance:
        appearance = "multiline"
    return {
        "type": "question",
        "name": name,
        "kind": kind,
        "xlsform_type": _xlsform_type(kind, choice_list),
        "label": label,
        "hint": hint or {},
        "required": required,
        "required_message": required_message or {},
        "relevant": relevant,
        "constraint": constraint,
        "constraint_message": constraint_message or {},
        "calculation": calculation,
        "default": default,
        "appearance": appearance,
        "choice_list": choice_list,
        "choice_filter": choice_filter,
        "parameters": parameters or {},
        "criterion": criterion,
        "measure": str(measure),
        "wording": str(wording),
        "extra": extra or {},
    }


def section(name: str, label: dict, items: list[dict], *, relevant: str = "", appearance: str = "") -> dict:
    return {
        "type": "section",
        "name": name,
        "label": label,
        "relevant": relevant,
        "repeat": False,
        "appearance": appearance,
        "extra": {},
        "items": items,
    }


def note(name: str, label: dict) -> dict:
    return question(name, QuestionKind.NOTE, label)


def single(name: str, label: dict, choice_list: str, *, measure: str = Measure.PROFILE, **kwargs) -> dict:
    kwargs.setdefault("required", True)
    return question(name, QuestionKind.SINGLE, label, choice_list=choice_list, measure=measure, **kwargs)


def yes_no(name: str, label: dict, *, measure: str = Measure.PROFILE, **kwargs) -> dict:
    kwargs.setdefault("required", True)
    return question(name, QuestionKind.YES_NO, label, choice_list=YES_NO_LIST, measure=measure, **kwargs)


def satisfaction(
    name: str, label: dict, criterion: str | None, *, measure: str = Measure.SATISFACTION, **kwargs
) -> dict:
    """A 5-point satisfaction item (codes 1–5, 9 = not applicable); mandatory unless said otherwise."""
    kwargs.setdefault("required", True)
    return question(
        name,
        QuestionKind.SATISFACTION,
        label,
        choice_list=SATISFACTION_LIST,
        criterion=criterion,
        measure=measure,
        **kwargs,
    )


def assessment(name: str, label: dict, criterion: str, **kwargs) -> dict:
    """A 5-level perception item (very poor … very good, 9 = not applicable), scored like satisfaction."""
    kwargs.setdefault("required", True)
    return question(
        name,
        QuestionKind.SATISFACTION,
        label,
        choice_list=ASSESSMENT_LIST,
        criterion=criterion,
        measure=Measure.PERCEPTION,
        **kwargs,
    )


def criterion(code: str, level: str, name: dict, parent: str | None = None, wording: str = DEFAULT) -> dict:
    return {
        "code": code,
        "level": str(level),
        "name": name,
        "parent": parent,
        "weight": "1",
        "wording": str(wording),
    }


def choices(*rows: tuple[str, str, str]) -> list[dict]:
    """A choice list from ``(value, Vietnamese label, English label)`` rows."""
    return [{"value": value, "label": t(vi, en), "extra": {}} for value, vi, en in rows]


# ---------------------------------------------------------------------------------------------------
# Choice lists

CHOICE_LISTS: dict[str, list[dict]] = {
    SATISFACTION_LIST: choices(
        ("1", "Rất không hài lòng", "Very dissatisfied"),
        ("2", "Không hài lòng", "Dissatisfied"),
        ("3", "Bình thường", "Neither satisfied nor dissatisfied"),
        ("4", "Hài lòng", "Satisfied"),
        ("5", "Rất hài lòng", "Very satisfied"),
        ("9", "Không áp dụng/không rõ", "Not applicable / don't know"),
    ),
    ASSESSMENT_LIST: choices(
        ("1", "Rất kém", "Very poor"),
        ("2", "Kém", "Poor"),
        ("3", "Trung bình", "Average"),
        ("4", "Tốt", "Good"),
        ("5", "Rất tốt", "Very good"),
        ("9", "Không áp dụng/không rõ", "Not applicable / don't know"),
    ),
    YES_NO_LIST: choices(
        (YES, "Có", "Yes"),
        ("no", "Không", "No"),
    ),
    "muc_do_phien_ha": choices(
        ("none", "Không có", "None"),
        ("some", "Có một số", "Some"),
        ("many", "Nhiều", "Many"),
    ),
    "doi_tuong": choices(
        ("ca_nhan", "Người dân (cá nhân)", "Citizen (individual)"),
        ("to_chuc", "Người đại diện tổ chức, doanh nghiệp", "Representative of an organisation or business"),
    ),
    "gioi_tinh": choices(
        ("nam", "Nam", "Male"),
        ("nu", "Nữ", "Female"),
    ),
    "nhom_tuoi": choices(
        ("18_25", "Từ 18 đến 25 tuổi", "18 to 25"),
        ("26_35", "Từ 26 đến 35 tuổi", "26 to 35"),
        ("36_45", "Từ 36 đến 45 tuổi", "36 to 45"),
        ("46_55", "Từ 46 đến 55 tuổi", "46 to 55"),
        ("56_60", "Từ 56 đến 60 tuổi", "56 to 60"),
        ("tren_60", "Trên 60 tuổi", "Over 60"),
    ),
    "dan_toc": choices(
        ("kinh", "Kinh", "Kinh"),
        ("khac", "Dân tộc khác", "Another ethnic group"),
    ),
    "trinh_do": choices(
        ("tieu_hoc", "Tiểu học trở xuống", "Primary school or less"),
        ("thcs", "Trung học cơ sở", "Lower secondary school"),
        ("thpt", "Trung học phổ thông", "Upper secondary school"),
        ("trung_cap_cao_dang", "Trung cấp, cao đẳng", "Vocational school or college"),
        ("dai_hoc", "Đại học", "University"),
        ("sau_dai_hoc", "Sau đại học", "Postgraduate"),
    ),
    "nghe_nghiep": choices(
        ("nong_lam_ngu", "Nông, lâm, ngư nghiệp", "Farming, forestry or fishing"),
        ("cong_nhan", "Công nhân", "Industrial or construction worker"),
        ("kinh_doanh", "Kinh doanh, buôn bán, dịch vụ", "Business, trade or services"),
        ("cbccvc", "Cán bộ, công chức, viên chức", "Public official or public employee"),
        ("luc_luong_vu_trang", "Lực lượng vũ trang", "Armed forces"),
        ("lao_dong_tu_do", "Lao động tự do", "Self-employed or casual work"),
        ("hoc_sinh_sinh_vien", "Học sinh, sinh viên", "Student"),
        ("huu_tri", "Nghỉ hưu", "Retired"),
        ("noi_tro", "Nội trợ", "Homemaker"),
        ("chua_co_viec", "Chưa có việc làm", "Not working"),
        ("khac", "Khác", "Other"),
    ),
    "linh_vuc": choices(
        ("dat_dai", "Đất đai", "Land"),
        ("xay_dung", "Xây dựng", "Construction"),
        (
            "ho_tich",
            "Hộ tịch (khai sinh, kết hôn, khai tử…)",
            "Civil status (birth, marriage, death registration…)",
        ),
        (
            "kinh_doanh",
            "Kinh doanh (đăng ký doanh nghiệp, hộ kinh doanh…)",
            "Business (registering an enterprise or household business…)",
        ),
        ("lao_dong_xa_hoi", "Lao động – Thương binh và Xã hội", "Labour, war invalids and social affairs"),
        ("tu_phap", "Tư pháp (chứng thực, lý lịch tư pháp…)", "Justice (certification, criminal records…)"),
        ("giao_thong", "Giao thông vận tải", "Transport"),
        ("tai_nguyen_moi_truong", "Tài nguyên – Môi trường", "Natural resources and environment"),
        ("y_te", "Y tế", "Health"),
        ("giao_duc", "Giáo dục", "Education"),
        ("khac", "Khác", "Other"),
    ),
    "hinh_thuc_nop": choices(
        ("truc_tiep", "Nộp trực tiếp tại Bộ phận Một cửa", "In person at the one-stop office"),
        (
            "truc_tuyen",
            "Nộp trực tuyến (qua Cổng Dịch vụ công)",
            "Online (through the public service portal)",
        ),
        ("buu_chinh", "Nộp qua dịch vụ bưu chính", "By post"),
    ),
    "noi_dung_cai_thien": choices(
        (
            "e1",
            "Tiếp cận dịch vụ (nơi tiếp nhận, chỉ dẫn, chỗ ngồi, trang thiết bị)",
            "Access to services (office, directions, seating, equipment)",
        ),
        (
            "e2",
            "Thủ tục hành chính (niêm yết, hồ sơ, phí, lệ phí, thời hạn giải quyết)",
            "Administrative procedures (posting, documents, fees, processing time)",
        ),
        (
            "e3",
            "Công chức trực tiếp giải quyết công việc (thái độ, hướng dẫn)",
            "Civil servants who handle the case (attitude, guidance)",
        ),
        ("e4", "Kết quả giải quyết thủ tục hành chính", "Results of the procedure"),
        (
            "e5",
            "Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị",
            "Receiving and handling comments, complaints and petitions",
        ),
    ),
}


def choice_lists(*names: str) -> dict[str, list[dict]]:
    """The named shared lists (copies, so a template cannot change another's)."""
    return {
        name: [dict(row, label=dict(row["label"]), extra={}) for row in CHOICE_LISTS[name]] for name in names
    }


COMMON_LISTS = (
    SATISFACTION_LIST,
    ASSESSMENT_LIST,
    YES_NO_LIST,
    "muc_do_phien_ha",
    "doi_tuong",
    "gioi_tinh",
    "nhom_tuoi",
    "dan_toc",
    "trinh_do",
    "nghe_nghiep",
    "linh_vuc",
    "hinh_thuc_nop",
    "noi_dung_cai_thien",
)


# ---------------------------------------------------------------------------------------------------
# Respondent profile and the procedure carried out


def profile_section() -> dict:
    return section(
        "thong_tin_nguoi_tra_loi",
        t("Thông tin về người trả lời", "About you"),
        [
            single(
                "doi_tuong",
                t(
                    "Ông/Bà trả lời phiếu này với tư cách nào?",
                    "In what capacity are you answering this survey?",
                ),
                "doi_tuong",
            ),
            single("gioi_tinh", t("Giới tính của Ông/Bà", "Your sex"), "gioi_tinh"),
            single(
                "nhom_tuoi",
                t("Ông/Bà thuộc nhóm tuổi nào?", "Which age group are you in?"),
                "nhom_tuoi",
                hint=t(
                    "Khảo sát dành cho người từ đủ 18 tuổi trở lên.",
                    "The survey is for people aged 18 and over.",
                ),
            ),
            single("dan_toc", t("Dân tộc của Ông/Bà", "Your ethnic group"), "dan_toc"),
            single(
                "trinh_do",
                t("Trình độ học vấn cao nhất của Ông/Bà", "Your highest level of education"),
                "trinh_do",
            ),
            single(
                "nghe_nghiep",
                t("Nghề nghiệp chính hiện nay của Ông/Bà", "Your main occupation"),
                "nghe_nghiep",
            ),
        ],
    )


def procedure_field(**kwargs) -> dict:
    return single(
        "linh_vuc",
        t(
            "Thủ tục hành chính Ông/Bà đã thực hiện thuộc lĩnh vực nào?",
            "Which field did the administrative procedure you carried out belong to?",
        ),
        "linh_vuc",
        hint=t(
            "Nếu đã thực hiện nhiều thủ tục, Ông/Bà chọn thủ tục gần đây nhất.",
            "If you carried out several procedures, choose the most recent one.",
        ),
        **kwargs,
    )


def submission_mode(**kwargs) -> dict:
    return single(
        "hinh_thuc_nop",
        t("Ông/Bà đã nộp hồ sơ theo hình thức nào?", "How did you submit your dossier?"),
        "hinh_thuc_nop",
        **kwargs,
    )


FEEDBACK_QUESTION = "gop_y"


def feedback_given(**kwargs) -> dict:
    """The filter of element E5: only people who gave feedback rate how it was handled."""
    return yes_no(
        FEEDBACK_QUESTION,
        t(
            "Trong quá trình giải quyết thủ tục, Ông/Bà có góp ý, phản ánh, kiến nghị không?",
            "While your procedure was being handled, did you make any comment, complaint or petition?",
        ),
        **kwargs,
    )


# ---------------------------------------------------------------------------------------------------
# The five elements of public administrative services (pillar B)


@dataclass(frozen=True)
class Item:
    """One criterion of an element and its satisfaction question."""

    code: str
    name: dict
    question: dict
    wording: str = DEFAULT
    hint: dict | None = None


@dataclass(frozen=True)
class Element:
    code: str
    section: str
    name: dict
    overall: dict  # the "in general" satisfaction question
    items: tuple[Item, ...]
    perception: tuple[dict, ...] = ()  # ready-made perception questions
    overall_wording: str = DEFAULT
    relevant: str = ""


def satisfied_with(vi: str, en: str) -> dict:
    """Wrap a content statement as “How satisfied are you that …?”."""
    return t(f"Ông/Bà hài lòng như thế nào về việc {vi}?", f"How satisfied are you that {en}?")


def overall_with(vi: str, en: str) -> dict:
    return t(
        f"Nhìn chung, Ông/Bà hài lòng như thế nào về {vi}?", f"Overall, how satisfied are you with {en}?"
    )


ELEMENT_NAMES = {
    "E1": t("Tiếp cận dịch vụ hành chính công", "Access to public administrative services"),
    "E2": t("Thủ tục hành chính", "Administrative procedures"),
    "E3": t("Công chức trực tiếp giải quyết công việc", "Civil servants who handle the case"),
    "E4": t("Kết quả cung ứng dịch vụ hành chính công", "Results of public administrative services"),
    "E5": t(
        "Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị",
        "Receiving and handling comments, complaints and petitions",
    ),
}

# E1 — the three contents SIPAS 2024 confirms (domain.md §1.3, Addendum C2), then our default.
SIGNS = Item(
    "E1.1",
    t(
        "Nơi tiếp nhận và trả kết quả có biển hiệu, chỉ dẫn rõ ràng",
        "The office has clear signs and directions",
    ),
    satisfied_with(
        "nơi tiếp nhận hồ sơ và trả kết quả có biển hiệu, chỉ dẫn rõ ràng",
        "the office receiving dossiers and returning results has clear signs and directions",
    ),
    OFFICIAL,
)
SEATS = Item(
    "E1.2",
    t(
        "Có đủ chỗ ngồi, bàn làm việc, bàn viết",
        "There are enough seats, work desks and writing desks",
    ),
    satisfied_with(
        "nơi tiếp nhận hồ sơ và trả kết quả có đủ chỗ ngồi, bàn làm việc, bàn viết",
        "the office receiving dossiers and returning results has enough seats, work desks and writing desks",
    ),
    OFFICIAL,
)
EQUIPMENT = Item(
    "E1.3",
    t("Trang thiết bị phục vụ đầy đủ, có chất lượng tốt", "Equipment is adequate and of good quality"),
    satisfied_with(
        "trang thiết bị phục vụ người dân, tổ chức đầy đủ, có chất lượng tốt",
        "the equipment serving citizens and organisations is adequate and of good quality",
    ),
    OFFICIAL,
    t(
        "Ví dụ: máy lấy số thứ tự, máy tra cứu thông tin, máy tính, điều hòa, quạt.",
        "For example: queue-ticket machine, information kiosk, computers, air conditioning, fans.",
    ),
)
EQUIPMENT_EASY = Item(
    "E1.4",
    t("Trang thiết bị phục vụ dễ sử dụng", "Equipment is easy to use"),
    satisfied_with(
        "trang thiết bị phục vụ người dân, tổ chức dễ sử dụng",
        "the equipment serving citizens and organisations is easy to use",
    ),
)

ACCESS_PERCEPTION = assessment(
    "e1_nhan_dinh",
    t(
        "Ông/Bà đánh giá như thế nào về cơ sở vật chất, trang thiết bị tại nơi tiếp nhận hồ sơ và trả kết quả?",
        "How would you rate the premises and equipment of the office receiving dossiers and returning results?",
    ),
    "E1",
)

# E2 — the 2640 recollection (5 contents); the 1001 shape has 4 (count confirmed, wording not).
POSTED = Item(
    "E2.1",
    t("Thủ tục hành chính được niêm yết công khai", "The procedure is publicly posted"),
    satisfied_with("thủ tục hành chính được niêm yết công khai", "the procedure is publicly posted"),
)
POSTED_ACCURATE = Item(
    "E2.2",
    t("Thủ tục hành chính được niêm yết chính xác", "The posted procedure is accurate"),
    satisfied_with(
        "thông tin về thủ tục hành chính được niêm yết chính xác",
        "the posted information on the procedure is accurate",
    ),
)
POSTED_FULLY = Item(
    "E2.1",
    t(
        "Thủ tục hành chính được niêm yết công khai, đầy đủ, chính xác",
        "The procedure is posted publicly, completely and accurately",
    ),
    satisfied_with(
        "thủ tục hành chính được niêm yết công khai, đầy đủ, chính xác",
        "the procedure is posted publicly, completely and accurately",
    ),
)
DOSSIER = (
    t("Thành phần hồ sơ phải nộp đúng quy định", "The documents required are as regulated"),
    satisfied_with(
        "thành phần hồ sơ Ông/Bà phải nộp đúng quy định",
        "the documents you had to submit were as regulated",
    ),
)
FEES = (
    t("Phí, lệ phí phải nộp đúng quy định", "Fees and charges are as regulated"),
    satisfied_with(
        "phí, lệ phí Ông/Bà phải nộp đúng quy định",
        "the fees and charges you paid were as regulated",
    ),
)
TIME_LIMIT = (
    t("Thời hạn giải quyết đúng quy định", "The processing time is as regulated"),
    satisfied_with(
        "thủ tục được giải quyết đúng thời hạn quy định",
        "your procedure was handled within the regulated time",
    ),
)

PROCEDURE_PERCEPTION = assessment(
    "e2_nhan_dinh",
    t(
        "Ông/Bà đánh giá như thế nào về mức độ đơn giản, dễ thực hiện của thủ tục hành chính Ông/Bà đã thực hiện?",
        "How would you rate how simple and easy to complete the procedure you carried out was?",
    ),
    "E2",
)

# E3 — the 2640 recollection (6 contents); communication attitude is a confirmed 2640 example.
CIVIL_SERVANT_ITEMS = (
    (
        t("Công chức có thái độ giao tiếp lịch sự", "Civil servants communicate politely"),
        satisfied_with("công chức có thái độ giao tiếp lịch sự", "the civil servants communicated politely"),
    ),
    (
        t("Công chức chú ý lắng nghe ý kiến của người dân, tổ chức", "Civil servants listen attentively"),
        satisfied_with(
            "công chức chú ý lắng nghe ý kiến của Ông/Bà", "the civil servants listened attentively to you"
        ),
    ),
    (
        t(
            "Công chức trả lời, giải thích đầy đủ các ý kiến của người dân, tổ chức",
            "Civil servants answer and explain fully",
        ),
        satisfied_with(
            "công chức trả lời, giải thích đầy đủ các ý kiến của Ông/Bà",
            "the civil servants answered and explained your questions fully",
        ),
    ),
    (
        t(
            "Công chức hướng dẫn kê khai hồ sơ tận tình, chu đáo",
            "Civil servants guide dossier preparation attentively",
        ),
        satisfied_with(
            "công chức hướng dẫn kê khai hồ sơ tận tình, chu đáo",
            "the civil servants guided you through preparing the dossier attentively and thoroughly",
        ),
    ),
    (
        t("Công chức hướng dẫn kê khai hồ sơ dễ hiểu", "Civil servants' guidance is easy to understand"),
        satisfied_with(
            "công chức hướng dẫn kê khai hồ sơ dễ hiểu",
            "the civil servants' guidance on preparing the dossier was easy to understand",
        ),
    ),
    (
        t(
            "Công chức tuân thủ đúng quy định trong giải quyết công việc",
            "Civil servants follow the rules in handling cases",
        ),
        satisfied_with(
            "công chức tuân thủ đúng quy định trong giải quyết công việc",
            "the civil servants followed the rules in handling your case",
        ),
    ),
)

CIVIL_SERVANT_PERCEPTION = (
    assessment(
        "e3_nhan_dinh",
        t(
            "Ông/Bà đánh giá như thế nào về năng lực giải quyết công việc của công chức?",
            "How would you rate the competence of the civil servants who handled your case?",
        ),
        "E3",
    ),
    # Confirmed by SIPAS 2024 (Addendum C2): a 3-option item reported as a distribution.
    question(
        "e3_phien_ha",
        QuestionKind.SINGLE,
        t(
            "Khi giải quyết công việc cho Ông/Bà, có công chức gây phiền hà, sách nhiễu không?",
            "While handling your case, did any civil servant cause you trouble or harass you?",
        ),
        required=True,
        choice_list="muc_do_phien_ha",
        criterion="E3",
        measure=Measure.PERCEPTION,
        wording=OFFICIAL,
    ),
)

# E4 — the 2640 recollection (3 contents).
RESULT_ITEMS = (
    (
        t("Kết quả giải quyết đúng quy định", "The result is as regulated"),
        satisfied_with(
            "kết quả giải quyết thủ tục hành chính Ông/Bà nhận được đúng quy định",
            "the result of the procedure you received was as regulated",
        ),
    ),
    (
        t("Kết quả có thông tin đầy đủ", "The result contains complete information"),
        satisfied_with("kết quả có thông tin đầy đủ", "the result contained complete information"),
    ),
    (
        t("Kết quả có thông tin chính xác", "The result contains accurate information"),
        satisfied_with("kết quả có thông tin chính xác", "the information in the result was accurate"),
    ),
)

RESULT_PERCEPTION = assessment(
    "e4_nhan_dinh",
    t(
        "Ông/Bà đánh giá như thế nào về chất lượng kết quả giải quyết thủ tục hành chính Ông/Bà nhận được?",
        "How would you rate the quality of the result of the procedure you received?",
    ),
    "E4",
)

# E5 — the 2640 recollection (4 contents).
FEEDBACK_ITEMS = (
    (
        t(
            "Cơ quan có bố trí hình thức tiếp nhận góp ý, phản ánh, kiến nghị",
            "The agency provides ways to receive comments, complaints and petitions",
        ),
        satisfied_with(
            "cơ quan có bố trí hình thức tiếp nhận góp ý, phản ánh, kiến nghị",
            "the agency provides ways to receive comments, complaints and petitions",
        ),
    ),
    (
        t(
            "Người dân, tổ chức dễ dàng thực hiện góp ý, phản ánh, kiến nghị",
            "Comments, complaints and petitions are easy to submit",
        ),
        satisfied_with(
            "Ông/Bà dễ dàng thực hiện góp ý, phản ánh, kiến nghị",
            "it was easy for you to submit your comments, complaints or petitions",
        ),
    ),
    (
        t(
            "Cơ quan tiếp nhận, xử lý tích cực góp ý, phản ánh, kiến nghị",
            "The agency receives and handles feedback actively",
        ),
        satisfied_with(
            "cơ quan tiếp nhận, xử lý tích cực góp ý, phản ánh, kiến nghị của Ông/Bà",
            "the agency received and handled your comments, complaints or petitions actively",
        ),
    ),
    (
        t(
            "Cơ quan thông báo kịp thời kết quả xử lý góp ý, phản ánh, kiến nghị",
            "The agency reports the outcome of feedback promptly",
        ),
        satisfied_with(
            "cơ quan thông báo kịp thời cho Ông/Bà kết quả xử lý góp ý, phản ánh, kiến nghị",
            "the agency told you promptly how your comments, complaints or petitions were handled",
        ),
    ),
)

FEEDBACK_PERCEPTION = assessment(
    "e5_nhan_dinh",
    t(
        "Ông/Bà đánh giá như thế nào về việc cơ quan tiếp nhận, xử lý góp ý, phản ánh, kiến nghị của Ông/Bà?",
        "How would you rate the way the agency received and handled your comments, complaints or petitions?",
    ),
    "E5",
)

OVERALLS = {
    "E1": overall_with("việc tiếp cận dịch vụ hành chính công", "access to public administrative services"),
    "E2": overall_with(
        "thủ tục hành chính Ông/Bà đã thực hiện", "the administrative procedure you carried out"
    ),
    "E3": overall_with(
        "công chức trực tiếp giải quyết công việc cho Ông/Bà",
        "the civil servants who handled your case",
    ),
    "E4": overall_with(
        "kết quả giải quyết thủ tục hành chính Ông/Bà nhận được",
        "the result of the procedure you received",
    ),
    "E5": overall_with(
        "việc tiếp nhận, xử lý góp ý, phản ánh, kiến nghị của Ông/Bà",
        "how your comments, complaints or petitions were received and handled",
    ),
}


def numbered(code: str, rows, start: int = 1) -> tuple[Item, ...]:
    """Items ``{code}.{start}``, ``{code}.{start+1}``… from ``(name, question)`` rows."""
    return tuple(Item(f"{code}.{n}", name, label) for n, (name, label) in enumerate(rows, start=start))


def elements(*, variant: str, relevant: str = "", feedback_relevant: str) -> tuple[Element, ...]:
    """The five elements: ``variant`` "2640" (22 criteria, 4+5+6+3+4) or "1001" (3+4+6+3+4).

    "official" marks content an official source confirms for that scheme: for 2640 the examples the
    22-criteria total comes with (waiting seats, equipment, communication attitude); for 1001 the
    three SIPAS 2024 access contents. Both use the three 2024 access contents, which also cover the
    2640 seating and equipment examples. ``relevant`` applies to E1–E4, ``feedback_relevant`` to E5.
    """
    if variant == "2640":
        access = (SIGNS, SEATS, EQUIPMENT, EQUIPMENT_EASY)
        procedures = (POSTED, POSTED_ACCURATE, *numbered("E2", (DOSSIER, FEES, TIME_LIMIT), start=3))
        attitude_wording = OFFICIAL
    elif variant == "1001":
        access = (SIGNS, SEATS, EQUIPMENT)
        procedures = (POSTED_FULLY, *numbered("E2", (DOSSIER, FEES, TIME_LIMIT), start=2))
        attitude_wording = DEFAULT
    else:
        raise ValueError(f"Unknown variant {variant!r}")
    attitude, *civil_servants = numbered("E3", CIVIL_SERVANT_ITEMS)
    civil_servants = (replace(attitude, wording=attitude_wording), *civil_servants)
    return (
        Element(
            "E1",
            "tiep_can",
            ELEMENT_NAMES["E1"],
            OVERALLS["E1"],
            access,
            (ACCESS_PERCEPTION,),
            OFFICIAL,
            relevant,
        ),
        Element(
            "E2",
            "thu_tuc",
            ELEMENT_NAMES["E2"],
            OVERALLS["E2"],
            procedures,
            (PROCEDURE_PERCEPTION,),
            OFFICIAL,
            relevant,
        ),
        Element(
            "E3",
            "cong_chuc",
            ELEMENT_NAMES["E3"],
            OVERALLS["E3"],
            civil_servants,
            CIVIL_SERVANT_PERCEPTION,
            OFFICIAL,
            relevant,
        ),
        Element(
            "E4",
            "ket_qua",
            ELEMENT_NAMES["E4"],
            OVERALLS["E4"],
            numbered("E4", RESULT_ITEMS),
            (RESULT_PERCEPTION,),
            OFFICIAL,
            relevant,
        ),
        # 1383 had four elements, each with its own satisfaction question; the fifth element (2640)
        # gets one by analogy, so its "in general" item is our default.
        Element(
            "E5",
            "phan_anh",
            ELEMENT_NAMES["E5"],
            OVERALLS["E5"],
            numbered("E5", FEEDBACK_ITEMS),
            (FEEDBACK_PERCEPTION,),
            DEFAULT,
            feedback_relevant,
        ),
    )


def element_criteria(items: tuple[Element, ...], parent: str | None = None) -> list[dict]:
    """Criteria rows, depth first: each element, then its criteria."""
    rows: list[dict] = []
    for element in items:
        rows.append(criterion(element.code, CriterionLevel.ELEMENT, element.name, parent, OFFICIAL))
        rows.extend(
            criterion(item.code, CriterionLevel.CRITERION, item.name, element.code, item.wording)
            for item in element.items
        )
    return rows


def element_section(element: Element) -> dict:
    """Perception first, then one satisfaction question per criterion, then the "in general" one."""
    prefix = element.code.lower()
    questions = [
        *(plain(q) for q in element.perception),
        *(
            satisfaction(
                f"{prefix}_{item.code.split('.')[1]}",
                item.question,
                item.code,
                hint=item.hint,
                wording=item.wording,
            )
            for item in element.items
        ),
        satisfaction(
            f"{prefix}_chung",
            element.overall,
            element.code,
            measure=Measure.ELEMENT_OVERALL,
            wording=element.overall_wording,
        ),
    ]
    return section(element.section, element.name, questions, relevant=element.relevant)


# ---------------------------------------------------------------------------------------------------
# Overall satisfaction, expectations, comments


def overall_question() -> dict:
    return satisfaction(
        "hai_long_chung",
        t(
            "Nhìn chung, Ông/Bà hài lòng như thế nào về sự phục vụ của cơ quan hành chính nhà nước?",
            "Overall, how satisfied are you with the service of state administrative agencies?",
        ),
        None,
        measure=Measure.OVERALL,
        wording=OFFICIAL,
    )


def expectations_section() -> dict:
    return section(
        "mong_doi",
        t("Mong đợi của Ông/Bà", "Your expectations"),
        [
            question(
                "uu_tien_cai_thien",
                QuestionKind.RANKING,
                t(
                    "Theo Ông/Bà, cơ quan hành chính cần ưu tiên cải thiện nội dung nào?",
                    "In your view, what should administrative agencies improve first?",
                ),
                hint=t(
                    "Sắp xếp các nội dung theo thứ tự ưu tiên: nội dung cần cải thiện trước nhất đặt ở vị trí đầu tiên.",
                    "Put the contents in order of priority, with what should be improved first at the top.",
                ),
                choice_list="noi_dung_cai_thien",
                measure=Measure.EXPECTATION,
                wording=OFFICIAL,
            ),
        ],
    )


def comments_section() -> dict:
    return section(
        "y_kien",
        t("Ý kiến khác", "Other comments"),
        [
            question(
                "y_kien_khac",
                QuestionKind.LONG_TEXT,
                t(
                    "Ông/Bà có ý kiến nào khác để cơ quan hành chính nhà nước phục vụ người dân, tổ chức tốt hơn không?",
                    "Do you have any other suggestions to help state administrative agencies serve citizens and organisations better?",
                ),
                measure=Measure.COMMENT,
            ),
        ],
    )
