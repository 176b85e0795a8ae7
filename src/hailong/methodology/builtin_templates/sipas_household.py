"""Template ``sipas_household``: the household survey used nationally since 2022 (Decision 1001/QĐ-BNV).

Two pillars (domain.md §1.3): PA, satisfaction with formulating and implementing public policies,
over the 9 policy groups of SIPAS 2023; PB, satisfaction with public administrative services, over
the same five elements E1–E5 as ``sipas_service``. Pillar B is asked only of respondents who carried
out an administrative procedure in the last 12 months (E5 only of those who also gave feedback); the headline is the mean of the two pillars
(Addendum C3).
"""

from hailong.methodology.builtin_templates.common import (
    COMMON_LISTS,
    FEEDBACK_QUESTION,
    LANGUAGES,
    OFFICIAL,
    YES,
    choice_lists,
    choices,
    comments_section,
    criterion,
    element_criteria,
    element_section,
    elements,
    equals,
    expectations_section,
    feedback_given,
    note,
    overall_question,
    overall_with,
    plain,
    procedure_field,
    profile_section,
    question,
    satisfaction,
    scoring,
    section,
    submission_mode,
    t,
    yes_no,
)
from hailong.methodology.choices import CriterionLevel, Measure, QuestionKind

KEY = "sipas_household"

TITLE = t(
    "Khảo sát sự hài lòng của người dân đối với sự phục vụ của cơ quan hành chính nhà nước (SIPAS) – hộ gia đình",
    "Citizens' satisfaction with the service of state administrative agencies (SIPAS) – household survey",
)

DESCRIPTION = t(
    "Phiếu khảo sát hộ gia đình theo Quyết định 1001/QĐ-BNV: trụ cột A – sự hài lòng về xây dựng, tổ chức thực hiện "
    "chính sách (9 nhóm chính sách) và trụ cột B – sự hài lòng về cung ứng dịch vụ hành chính công (5 yếu tố).",
    "Household survey after Decision 1001/QĐ-BNV: pillar A, satisfaction with formulating and implementing public "
    "policies (9 policy groups), and pillar B, satisfaction with public administrative services (5 elements).",
)

PILLAR_A = "PA"
PILLAR_B = "PB"
DEALT = "da_giao_dich"
WILLING = "san_sang_gop_y"

# The 9 policy groups of SIPAS 2023 (domain.md §1.3): code, Vietnamese name, English name.
POLICY_GROUPS = (
    ("P1", "Phát triển kinh tế", "Economic development"),
    ("P2", "Khám bệnh, chữa bệnh", "Medical examination and treatment"),
    ("P3", "Giáo dục phổ thông", "General (school) education"),
    ("P4", "Cung cấp nước sạch sinh hoạt", "Domestic water supply"),
    ("P5", "Cung cấp điện sinh hoạt", "Household electricity supply"),
    ("P6", "Bảo đảm trật tự, an toàn xã hội", "Social order and safety"),
    ("P7", "Giao thông đường bộ", "Road traffic"),
    ("P8", "An sinh xã hội", "Social security and welfare"),
    ("P9", "Cải cách hành chính nhà nước", "State administrative reform"),
)

CHANNELS = "kenh_gop_y"

NOTES = """\
Mẫu phiếu dựng sẵn của hệ thống: khảo sát hộ gia đình về sự hài lòng của người dân đối với sự phục vụ của cơ quan hành chính nhà nước, theo thiết kế SIPAS từ năm 2022.

Căn cứ phương pháp:
- Quyết định 1001/QĐ-BNV ngày 11/12/2023 (giai đoạn 2023–2026): khảo sát hộ gia đình; hai trụ cột: A – sự hài lòng về xây dựng, tổ chức thực hiện chính sách (9 nhóm chính sách năm 2023) và B – sự hài lòng về cung ứng dịch vụ hành chính công (5 yếu tố); thang đo 5 mức; người trả lời từ 18 tuổi trở lên.
- Quyết định 2640/QĐ-BNV ngày 10/10/2017: 5 yếu tố và ba nhóm nội dung đo lường (nhận định, sự hài lòng, sự mong đợi).
- Quyết định 1383/QĐ-BNV ngày 28/12/2012: chỉ số hài lòng là tỷ lệ "Hài lòng" và "Rất hài lòng" trên số người trả lời câu hỏi; chỉ số chung tính trên một câu hỏi hài lòng chung riêng; chỉ số nhận định tính theo tỷ lệ mã 4–5.

Nội dung "chính thức" (official) là nội dung được nguồn chính thức xác nhận; câu chữ do hệ thống soạn vì không có bản văn của phiếu chính thức. Gồm: hai trụ cột và tên 9 nhóm chính sách; câu hỏi quan tâm đến từng nhóm chính sách và câu hỏi hài lòng về từng nhóm chính sách; câu hỏi sẵn sàng góp ý chính sách và hình thức góp ý (hai hình thức được xác nhận: góp ý bằng văn bản, phiếu gửi đến hộ gia đình, cơ quan; góp ý trực tuyến — các hình thức khác là mặc định); tên 5 yếu tố; 3 nội dung tiếp cận dịch vụ của SIPAS 2024 (E1.1 biển hiệu, chỉ dẫn rõ ràng; E1.2 đủ chỗ ngồi, bàn làm việc, bàn viết; E1.3 trang thiết bị đầy đủ, chất lượng tốt) cùng câu hỏi hài lòng chung về tiếp cận dịch vụ; câu hỏi công chức gây phiền hà, sách nhiễu với 3 phương án (báo cáo theo phân bố); câu hỏi hài lòng chung của các yếu tố E1–E4 và câu hỏi hài lòng chung (Quyết định 1383); câu hỏi ưu tiên cải thiện (nhóm nội dung mong đợi).
Nội dung "mặc định" (default) do hệ thống đề xuất, có thể sửa trong bản nháp mới: nội dung 4 tiêu chí thủ tục hành chính (SIPAS 2024 xác nhận có 4 nội dung nhưng chưa đọc được câu chữ); các tiêu chí của yếu tố E3, E4, E5 (theo danh sách 22 tiêu chí của Quyết định 2640, chưa được xác nhận, cũng chưa xác nhận cho Quyết định 1001); câu hỏi nhận định của từng yếu tố; câu hỏi hài lòng chung của E5 và của từng trụ cột; câu hỏi sàng lọc da_giao_dich (đã thực hiện thủ tục hành chính trong 12 tháng qua); việc chỉ hỏi mức độ hài lòng về nhóm chính sách khi người trả lời có quan tâm; thông tin người trả lời; ý kiến khác.

Cấu trúc: trụ cột PA gồm P1–P9; trụ cột PB gồm E1–E5 (3+4+6+3+4 = 20 tiêu chí). Trụ cột B chỉ hỏi người trả lời "Có" ở câu da_giao_dich; yếu tố E5 chỉ hỏi người trả lời "Có" ở câu gop_y.
Cách tính mặc định (item_mean): tỷ lệ mã 4–5 trên các câu trả lời hợp lệ mã 1–5 (mã 9 "Không áp dụng/không rõ" không tính vào mẫu số) → trung bình các tiêu chí → trung bình các yếu tố, nhóm chính sách → trụ cột; chỉ số SIPAS của tỉnh = trung bình hai trụ cột (pillar_aggregation "mean"; khớp số liệu Hà Nội 2024 và cả nước 2022). Có thể chọn overall_question (câu hỏi hài lòng chung, như Quyết định 1383), pooled hoặc respondent_mean. Công thức chính xác của Quyết định 1001 chưa được xác nhận.

---

Built-in template: household survey of citizens' satisfaction with the service of state administrative agencies, in the SIPAS design used since 2022.

Method basis:
- Decision 1001/QĐ-BNV of 11/12/2023 (2023–2026): household survey; two pillars: A, satisfaction with formulating and implementing public policies (9 policy groups in 2023), and B, satisfaction with public administrative services (5 elements); 5-level scale; respondents aged 18 and over.
- Decision 2640/QĐ-BNV of 10/10/2017: the 5 elements and three content families (perception, satisfaction, expectation).
- Decision 1383/QĐ-BNV of 28/12/2012: a satisfaction index is the share of "satisfied" and "very satisfied" among those who answered; the headline index is computed on one separate overall question; perception indices count codes 4–5.

"official" marks content an official source confirms; the wording is ours, as the text of the official form is not available. It covers: the two pillars and the names of the 9 policy groups; interest in each policy group and satisfaction with each group; willingness to give policy opinions and the channel (two channels confirmed: written comments or forms sent to households or agencies, and online — the other channels are our default); the names of the 5 elements; the 3 SIPAS 2024 access contents (E1.1 clear signs and directions; E1.2 enough seats, work desks and writing desks; E1.3 adequate, good-quality equipment) with the access-in-general question; the 3-option harassment item (reported as a distribution); the in-general questions of elements E1–E4 and the overall question (Decision 1383); the improvement-priority question (the expectation family).
"default" marks our proposal, editable in a new draft: the 4 administrative-procedure criteria (SIPAS 2024 confirms there are 4 but their wording was not readable); the criteria of E3, E4 and E5 (from the unconfirmed 22-criteria list of Decision 2640, unconfirmed for Decision 1001 too); the perception question of each element; the in-general questions of E5 and of each pillar; the screening question da_giao_dich (carried out a procedure in the last 12 months); asking satisfaction with a policy group only of those interested in it; the respondent profile; the open comment.

Structure: pillar PA holds P1–P9; pillar PB holds E1–E5 (3+4+6+3+4 = 20 criteria). Pillar B is asked only of respondents answering "yes" to da_giao_dich; element E5 only of those answering "yes" to gop_y.
Default aggregation (item_mean): share of codes 4–5 among valid answers 1–5 (code 9 "not applicable / don't know" leaves the denominator) → mean of criteria → mean of elements or policy groups → pillar; a province's SIPAS = mean of the two pillars (pillar_aggregation "mean"; fits Hanoi 2024 and the national 2022 figures). overall_question (the overall question, as in Decision 1383), pooled and respondent_mean are also offered. The exact formula of Decision 1001 is unconfirmed.
"""

# E5 repeats the pillar-B filter so that a stale "yes" to gop_y never opens it on its own.
ELEMENTS = elements(
    variant="1001",
    relevant=equals(DEALT, YES),
    feedback_relevant=f"{equals(DEALT, YES)} and {equals(FEEDBACK_QUESTION, YES)}",
)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _criteria() -> list[dict]:
    return [
        criterion(
            PILLAR_A,
            CriterionLevel.PILLAR,
            t(
                "Xây dựng, tổ chức thực hiện chính sách",
                "Formulating and implementing public policies",
            ),
            wording=OFFICIAL,
        ),
        *(
            criterion(code, CriterionLevel.ELEMENT, t(vi, en), PILLAR_A, OFFICIAL)
            for code, vi, en in POLICY_GROUPS
        ),
        criterion(
            PILLAR_B,
            CriterionLevel.PILLAR,
            t("Cung ứng dịch vụ hành chính công", "Provision of public administrative services"),
            wording=OFFICIAL,
        ),
        *element_criteria(ELEMENTS, PILLAR_B),
    ]


def _policy_questions(code: str, vi: str, en: str) -> list[dict]:
    prefix = code.lower()
    interest = f"{prefix}_quan_tam"
    topic_vi = f"chính sách về {_lower_first(vi)}"
    topic_en = f"policies on {_lower_first(en)}"
    return [
        yes_no(
            interest,
            t(f"Ông/Bà có quan tâm đến {topic_vi} không?", f"Are you interested in {topic_en}?"),
            criterion=code,
            measure=Measure.PERCEPTION,
            wording=OFFICIAL,
        ),
        satisfaction(
            f"{prefix}_hai_long",
            t(
                f"Ông/Bà hài lòng như thế nào về việc xây dựng, tổ chức thực hiện {topic_vi} tại địa phương?",
                f"How satisfied are you with how {topic_en} are formulated and implemented in your locality?",
            ),
            code,
            relevant=equals(interest, YES),
            wording=OFFICIAL,
        ),
    ]


def _policy_section() -> dict:
    return section(
        "chinh_sach",
        t(
            "Sự hài lòng về xây dựng, tổ chức thực hiện chính sách",
            "Satisfaction with how public policies are formulated and implemented",
        ),
        [
            *(q for code, vi, en in POLICY_GROUPS for q in _policy_questions(code, vi, en)),
            satisfaction(
                "pa_chung",
                overall_with(
                    "việc xây dựng, tổ chức thực hiện chính sách tại địa phương",
                    "how public policies are formulated and implemented in your locality",
                ),
                PILLAR_A,
                measure=Measure.ELEMENT_OVERALL,
            ),
        ],
    )


def _participation_section() -> dict:
    return section(
        "tham_gia_chinh_sach",
        t("Tham gia góp ý chính sách", "Taking part in policy-making"),
        [
            yes_no(
                WILLING,
                t(
                    "Ông/Bà có sẵn sàng tham gia góp ý vào việc xây dựng, tổ chức thực hiện chính sách của Nhà nước không?",
                    "Are you willing to give your opinion on how state policies are formulated and implemented?",
                ),
                criterion=PILLAR_A,
                measure=Measure.EXPECTATION,
                wording=OFFICIAL,
            ),
            question(
                CHANNELS,
                QuestionKind.MULTIPLE,
                t(
                    "Ông/Bà muốn góp ý về chính sách qua những hình thức nào?",
                    "Through which channels would you like to give your opinion on policies?",
                ),
                hint=t("Có thể chọn nhiều phương án.", "You may choose more than one."),
                required=True,
                relevant=equals(WILLING, YES),
                choice_list=CHANNELS,
                criterion=PILLAR_A,
                measure=Measure.EXPECTATION,
                wording=OFFICIAL,
            ),
        ],
    )


def _dealings_section() -> dict:
    dealt = equals(DEALT, YES)
    return section(
        "giao_dich",
        t("Giao dịch với cơ quan hành chính nhà nước", "Dealings with state administrative agencies"),
        [
            yes_no(
                DEALT,
                t(
                    "Trong 12 tháng qua, Ông/Bà có trực tiếp thực hiện thủ tục hành chính tại cơ quan hành chính nhà nước không?",
                    "In the last 12 months, did you yourself carry out an administrative procedure with a state administrative agency?",
                ),
                hint=t(
                    "Nếu trả lời “Có”, Ông/Bà cho biết ý kiến về thủ tục gần đây nhất.",
                    "If yes, please answer about the most recent procedure.",
                ),
            ),
            procedure_field(relevant=dealt),
            submission_mode(relevant=dealt),
            feedback_given(relevant=dealt),
        ],
    )


def _overall_section() -> dict:
    return section(
        "danh_gia_chung",
        t("Đánh giá chung", "Overall assessment"),
        [
            satisfaction(
                "pb_chung",
                overall_with(
                    "việc cung ứng dịch vụ hành chính công tại địa phương",
                    "the provision of public administrative services in your locality",
                ),
                PILLAR_B,
                measure=Measure.ELEMENT_OVERALL,
                relevant=equals(DEALT, YES),
            ),
            overall_question(),
        ],
    )


def _definition() -> dict:
    return {
        "form_id": KEY,
        "form_version": "",
        "title": TITLE,
        "default_language": "vi",
        "languages": LANGUAGES,
        "scoring": scoring(),
        "settings": {},
        "notes": NOTES,
        "criteria": _criteria(),
        "choice_lists": {
            **choice_lists(*COMMON_LISTS),
            CHANNELS: choices(
                (
                    "van_ban",
                    "Góp ý bằng văn bản, phiếu lấy ý kiến gửi đến hộ gia đình hoặc cơ quan",
                    "Written comments or opinion forms sent to households or agencies",
                ),
                (
                    "truc_tuyen",
                    "Góp ý trực tuyến (cổng thông tin điện tử, ứng dụng, mạng xã hội)",
                    "Online (government portals, apps, social media)",
                ),
                ("hop_dan", "Qua cuộc họp thôn, tổ dân phố", "At village or residential-group meetings"),
                (
                    "mat_tran_doan_the",
                    "Qua Mặt trận Tổ quốc và các đoàn thể",
                    "Through the Fatherland Front and mass organisations",
                ),
                (
                    "dai_bieu",
                    "Qua đại biểu Quốc hội, đại biểu Hội đồng nhân dân",
                    "Through National Assembly or People's Council deputies",
                ),
                (
                    "bao_chi",
                    "Qua báo chí, phát thanh, truyền hình",
                    "Through newspapers, radio or television",
                ),
                ("khac", "Hình thức khác", "Other"),
            ),
        },
        "items": [
            note(
                "gioi_thieu",
                t(
                    "Kính chào Ông/Bà! Nhằm đo lường sự hài lòng của người dân đối với việc xây dựng, tổ chức thực hiện chính sách "
                    "và việc cung ứng dịch vụ hành chính công của cơ quan hành chính nhà nước, từ đó cải thiện, nâng cao chất lượng phục vụ, "
                    "chúng tôi trân trọng đề nghị Ông/Bà cho biết ý kiến qua phiếu khảo sát này. "
                    "Phiếu khảo sát không ghi tên người trả lời; mọi thông tin Ông/Bà cung cấp được giữ bí mật và chỉ dùng để tổng hợp, thống kê. "
                    "Việc trả lời mất khoảng 10 phút. Xin trân trọng cảm ơn sự hợp tác của Ông/Bà!",
                    "Welcome! To measure how satisfied people are with the way state administrative agencies formulate and implement "
                    "policies and provide public administrative services, and so to improve that service, we kindly ask for your views in this survey. "
                    "The survey is anonymous: everything you tell us is kept confidential and used only for statistics. "
                    "It takes about 10 minutes. Thank you very much for your help!",
                ),
            ),
            profile_section(),
            _policy_section(),
            _participation_section(),
            _dealings_section(),
            *(element_section(element) for element in ELEMENTS),
            _overall_section(),
            expectations_section(),
            comments_section(),
        ],
    }


DEFINITION = plain(_definition())
