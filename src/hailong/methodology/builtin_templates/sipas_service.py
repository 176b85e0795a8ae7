"""Template ``sipas_service``: the service-user survey a province runs at its one-stop offices.

Respondents are people and organisations who completed an administrative procedure and received the
result (domain.md §1.2, §1.6; Hội An 2024 in §1.3). The five elements E1–E5 of Decision 2640/QĐ-BNV
sit at the top of the criteria tree (no pillar: the survey measures services only), with the same
codes as pillar B of ``sipas_household`` so element results compare across the two.
"""

from hailong.methodology.builtin_templates.common import (
    COMMON_LISTS,
    FEEDBACK_QUESTION,
    LANGUAGES,
    YES,
    choice_lists,
    comments_section,
    element_criteria,
    element_section,
    elements,
    equals,
    expectations_section,
    feedback_given,
    note,
    overall_question,
    plain,
    procedure_field,
    profile_section,
    question,
    scoring,
    section,
    submission_mode,
    t,
)
from hailong.methodology.choices import Measure, QuestionKind

KEY = "sipas_service"

TITLE = t(
    "Khảo sát sự hài lòng của người dân, tổ chức đối với sự phục vụ của cơ quan hành chính nhà nước (SIPAS) – người sử dụng dịch vụ",
    "Satisfaction of citizens and organisations with the service of state administrative agencies (SIPAS) – service users",
)

DESCRIPTION = t(
    "Phiếu dành cho người dân, tổ chức đã thực hiện thủ tục hành chính và nhận kết quả tại Bộ phận Một cửa: "
    "5 yếu tố, 22 tiêu chí theo Quyết định 2640/QĐ-BNV, câu hỏi hài lòng chung của từng yếu tố và câu hỏi hài lòng chung.",
    "For citizens and organisations who completed an administrative procedure and received the result at a "
    "one-stop office: 5 elements and 22 criteria after Decision 2640/QĐ-BNV, an in-general question per "
    "element and one overall-satisfaction question.",
)

TRIPS = "so_lan_di_lai"

NOTES = """\
Mẫu phiếu dựng sẵn của hệ thống: khảo sát sự hài lòng của người dân, tổ chức đã thực hiện thủ tục hành chính và nhận kết quả tại Bộ phận Một cửa.

Căn cứ phương pháp:
- Quyết định 1383/QĐ-BNV ngày 28/12/2012: chỉ số hài lòng là tỷ lệ người trả lời chọn "Hài lòng" hoặc "Rất hài lòng" trên số người trả lời câu hỏi, nhân 100; chỉ số chung (SIPAS) tính trên một câu hỏi hài lòng chung riêng, chỉ số thành phần tính trên câu hỏi hài lòng chung của từng yếu tố; chỉ số nhận định tính theo tỷ lệ "Tốt" và "Rất tốt" (mã 4–5).
- Quyết định 2640/QĐ-BNV ngày 10/10/2017 (giai đoạn 2017–2020): 5 yếu tố, 22 tiêu chí; ba nhóm nội dung đo lường: nhận định, sự hài lòng, sự mong đợi.
- Quyết định 1001/QĐ-BNV ngày 11/12/2023 (giai đoạn 2023–2026): giữ 5 yếu tố cung ứng dịch vụ hành chính công; thang đo 5 mức.

Nội dung "chính thức" (official) là nội dung được nguồn chính thức xác nhận; câu chữ do hệ thống soạn vì không có bản văn của phiếu chính thức. Gồm: tên 5 yếu tố; 3 nội dung tiếp cận dịch vụ của SIPAS 2024 (E1.1 biển hiệu, chỉ dẫn rõ ràng; E1.2 đủ chỗ ngồi, bàn làm việc, bàn viết; E1.3 trang thiết bị đầy đủ, chất lượng tốt — E1.2 và E1.3 cũng là ví dụ được xác nhận trong 22 tiêu chí của Quyết định 2640); E3.1 thái độ giao tiếp của công chức (ví dụ được xác nhận trong 22 tiêu chí); câu hỏi công chức gây phiền hà, sách nhiễu với 3 phương án (SIPAS 2024, báo cáo theo phân bố); câu hỏi hài lòng chung của các yếu tố E1–E4 và câu hỏi hài lòng chung (Quyết định 1383); câu hỏi ưu tiên cải thiện (nhóm nội dung mong đợi).
Nội dung "mặc định" (default) do hệ thống đề xuất, có thể sửa trong bản nháp mới: cách phân bổ 22 tiêu chí (4+5+6+3+4) và nội dung các tiêu chí còn lại (chưa được xác nhận); E1.4 "trang thiết bị dễ sử dụng" thay cho "trang thiết bị hiện đại" trong danh sách chưa xác nhận, để đưa nội dung biển hiệu, chỉ dẫn đã xác nhận vào mà vẫn giữ 22 tiêu chí; câu hỏi nhận định của từng yếu tố; câu hỏi hài lòng chung của yếu tố E5; thông tin người trả lời và thủ tục đã thực hiện; ý kiến khác.

Cấu trúc: 5 yếu tố E1–E5 ở cấp cao nhất, không có trụ cột (phiếu chỉ đo dịch vụ hành chính công); mã yếu tố, tiêu chí như trụ cột PB của mẫu hộ gia đình. Yếu tố E5 chỉ hỏi người trả lời "Có" ở câu gop_y. Người phải đi lại trên 3 lần được hỏi thêm lý do (không bắt buộc).
Cách tính mặc định (item_mean): tỷ lệ mã 4–5 trên các câu trả lời hợp lệ mã 1–5 (mã 9 "Không áp dụng/không rõ" không tính vào mẫu số) → trung bình các tiêu chí của yếu tố → trung bình 5 yếu tố. Cách tính đúng Quyết định 1383 là overall_question (tỷ lệ hài lòng của câu hỏi hài lòng chung và của câu hỏi hài lòng chung từng yếu tố); pooled và respondent_mean cũng được hỗ trợ. Quy tắc tỷ lệ mã 4–5 cho Quyết định 2640 và 1001 chưa được xác nhận bằng văn bản đọc được.

---

Built-in template: satisfaction of citizens and organisations who completed an administrative procedure and received the result at a one-stop office.

Method basis:
- Decision 1383/QĐ-BNV of 28/12/2012: a satisfaction index is the share of respondents answering "satisfied" or "very satisfied" among those who answered the question, times 100; the headline index (SIPAS) is computed on one separate overall question and each component index on that element's own satisfaction question; perception (quality) indices count "good" and "very good" (codes 4–5).
- Decision 2640/QĐ-BNV of 10/10/2017 (2017–2020): 5 elements, 22 criteria; three content families: perception, satisfaction, expectation.
- Decision 1001/QĐ-BNV of 11/12/2023 (2023–2026): keeps the 5 service elements; 5-level scale.

"official" marks content an official source confirms; the wording is ours, as the text of the official form is not available. It covers: the names of the 5 elements; the 3 SIPAS 2024 access contents (E1.1 clear signs and directions; E1.2 enough seats, work desks and writing desks; E1.3 adequate, good-quality equipment — E1.2 and E1.3 are also confirmed examples of the 22 criteria of Decision 2640); E3.1 civil servants' communication attitude (a confirmed example of the 22); the 3-option harassment item (SIPAS 2024, reported as a distribution); the in-general questions of elements E1–E4 and the overall question (Decision 1383); the improvement-priority question (the expectation family).
"default" marks our proposal, editable in a new draft: the 4+5+6+3+4 allocation of the 22 criteria and the remaining criteria (unconfirmed); E1.4 "equipment is easy to use" instead of "equipment is modern" from the unconfirmed list, so that the confirmed signs-and-directions content fits while keeping 22 criteria; the perception question of each element; the in-general question of E5; the respondent and procedure profile; the open comment.

Structure: elements E1–E5 at the top of the criteria tree with no pillar (the survey measures services only); element and criterion codes match pillar PB of the household template. Element E5 is asked only of respondents answering "yes" to gop_y. Respondents who travelled more than 3 times are asked why (optional).
Default aggregation (item_mean): share of codes 4–5 among valid answers 1–5 (code 9 "not applicable / don't know" leaves the denominator) → mean of an element's criteria → mean of the 5 elements. The Decision 1383 rule is overall_question (the top-2 share of the overall question and of each element's in-general question); pooled and respondent_mean are also offered. The top-2 rule itself is not confirmed in any readable text of Decisions 2640 or 1001.
"""

ELEMENTS = elements(variant="2640", feedback_relevant=equals(FEEDBACK_QUESTION, YES))


def _procedure_section() -> dict:
    return section(
        "thong_tin_thu_tuc",
        t(
            "Thông tin về thủ tục hành chính Ông/Bà đã thực hiện",
            "The administrative procedure you carried out",
        ),
        [
            procedure_field(),
            submission_mode(),
            question(
                TRIPS,
                QuestionKind.INTEGER,
                t(
                    "Để hoàn thành thủ tục này, Ông/Bà đã phải đi lại cơ quan giải quyết bao nhiêu lần?",
                    "How many times did you have to travel to the agency to complete this procedure?",
                ),
                hint=t(
                    "Tính cả lần nộp hồ sơ và lần nhận kết quả; ghi 0 nếu Ông/Bà không phải đến cơ quan lần nào.",
                    "Count the visits to submit the dossier and to collect the result; enter 0 if you never had to go.",
                ),
                required=True,
                constraint=". >= 0 and . <= 50",
                constraint_message=t(
                    "Số lần đi lại phải là số nguyên từ 0 đến 50.",
                    "The number of trips must be a whole number from 0 to 50.",
                ),
                measure=Measure.PROFILE,
            ),
            question(
                "ly_do_di_lai",
                QuestionKind.LONG_TEXT,
                t("Vì sao Ông/Bà phải đi lại nhiều lần?", "Why did you have to travel so many times?"),
                relevant=f"${{{TRIPS}}} > 3",
                measure=Measure.OTHER,
            ),
            feedback_given(),
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
        "criteria": element_criteria(ELEMENTS),
        "choice_lists": choice_lists(*COMMON_LISTS),
        "items": [
            note(
                "gioi_thieu",
                t(
                    "Kính chào Ông/Bà! Nhằm đánh giá khách quan chất lượng phục vụ của cơ quan hành chính nhà nước trong giải quyết thủ tục hành chính, "
                    "từ đó cải thiện, nâng cao chất lượng phục vụ người dân, tổ chức, chúng tôi trân trọng đề nghị Ông/Bà cho biết ý kiến "
                    "về lần giải quyết thủ tục hành chính gần đây nhất mà Ông/Bà đã nộp hồ sơ và nhận kết quả. "
                    "Phiếu khảo sát không ghi tên người trả lời; mọi thông tin Ông/Bà cung cấp được giữ bí mật và chỉ dùng để tổng hợp, thống kê. "
                    "Việc trả lời mất khoảng 10 phút. Xin trân trọng cảm ơn sự hợp tác của Ông/Bà!",
                    "Welcome! To assess objectively how state administrative agencies serve people when handling administrative procedures, "
                    "and so to improve that service, we kindly ask for your views on the most recent administrative procedure "
                    "for which you submitted a dossier and received the result. "
                    "The survey is anonymous: everything you tell us is kept confidential and used only for statistics. "
                    "It takes about 10 minutes. Thank you very much for your help!",
                ),
            ),
            profile_section(),
            _procedure_section(),
            *(element_section(element) for element in ELEMENTS),
            section("danh_gia_chung", t("Đánh giá chung", "Overall assessment"), [overall_question()]),
            expectations_section(),
            comments_section(),
        ],
    }


DEFINITION = plain(_definition())
