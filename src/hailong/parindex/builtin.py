"""Built-in criteria sets, as far as domain.md confirms them (docs/parindex.md).

- ``876-ministry`` / ``876-province``: the field structure of Decision 876/QĐ-BNV (2022–2030). The
  field names and criterion/sub-criterion counts of ministries are confirmed; the per-field maxima
  (Bảng 2) are not public, so each field's maximum here is a placeholder marked ``unconfirmed``
  (to be edited, or replaced by importing the official table) — proportional to its confirmed
  sub-criteria count for ministries, the 2948 table's split for provinces.
- ``2948-province``: the pre-2020 provincial set (Decision 2948/QĐ-BNV), whose field maxima are
  confirmed (8 fields, 100 points).
- ``demo``: a small set for provincial departments with every scoring method (the demo and tests).
"""

from hailong.parindex import scoring
from hailong.parindex.definition import Row

MINISTRY_876 = [
    # name, criteria, sub-criteria (confirmed)
    ("Công tác chỉ đạo, điều hành cải cách hành chính", 7, 6),
    ("Cải cách thể chế", 9, 15),
    ("Cải cách thủ tục hành chính", 6, 19),
    ("Cải cách tổ chức bộ máy hành chính nhà nước", 4, 14),
    ("Cải cách chế độ công vụ", 6, 16),
    ("Cải cách tài chính công", 3, 13),
    ("Xây dựng và phát triển Chính phủ điện tử, Chính phủ số", 3, 14),
]

PROVINCE_2948 = [
    ("Công tác chỉ đạo, điều hành cải cách hành chính", 10),
    ("Xây dựng và tổ chức thực hiện văn bản quy phạm pháp luật tại tỉnh", 10),
    ("Cải cách thủ tục hành chính", 14.5),
    ("Cải cách tổ chức bộ máy hành chính nhà nước", 11),
    ("Xây dựng và nâng cao chất lượng đội ngũ cán bộ, công chức, viên chức", 16),
    ("Cải cách tài chính công", 7),
    ("Hiện đại hóa hành chính", 16),
    ("Tác động của cải cách hành chính đến người dân, tổ chức và phát triển kinh tế - xã hội của tỉnh", 15.5),
]

PROVINCE_876_FIELDS = [
    "Công tác chỉ đạo, điều hành cải cách hành chính",
    "Cải cách thể chế",
    "Cải cách thủ tục hành chính",
    "Cải cách tổ chức bộ máy hành chính nhà nước",
    "Cải cách chế độ công vụ",
    "Cải cách tài chính công",
    "Xây dựng và phát triển chính quyền điện tử, chính quyền số",
    "Tác động của cải cách hành chính đến người dân, tổ chức và phát triển kinh tế - xã hội (tên chưa xác nhận)",
]


def _ministry_876() -> list[Row]:
    total_subs = sum(s for _n, _c, s in MINISTRY_876)
    rows, used = [], 0.0
    for i, (name, criteria, subs) in enumerate(MINISTRY_876, start=1):
        points = round(100 * subs / total_subs, 2) if i < len(MINISTRY_876) else round(100 - used, 2)
        used += points
        rows.append(
            Row(
                code=str(i),
                name=name,
                max_points=points,
                evidence=f"{criteria} tiêu chí, {subs} tiêu chí thành phần (QĐ 876/QĐ-BNV)",
                unconfirmed=True,
            )
        )
    return rows


def _province(fields: list[str], unconfirmed: bool) -> list[Row]:
    return [
        Row(code=str(i), name=name, max_points=points, unconfirmed=unconfirmed)
        for i, (name, (_old, points)) in enumerate(zip(fields, PROVINCE_2948, strict=True), start=1)
    ]


def demo_rows() -> list[Row]:
    R = Row
    return [
        R("1", "Công tác chỉ đạo, điều hành cải cách hành chính", 20),
        R("1.1", "Kế hoạch cải cách hành chính năm", 10),
        R(
            "1.1.1",
            "Ban hành kế hoạch cải cách hành chính năm đúng thời hạn",
            4,
            scoring.YES_NO,
            evidence="Quyết định ban hành kế hoạch",
            penalties=[{"code": "p1", "points": 1.0, "label": "Kế hoạch ban hành muộn"}],
        ),
        R(
            "1.1.2",
            "Mức độ hoàn thành kế hoạch cải cách hành chính (%)",
            6,
            scoring.PROPORTION,
            {"thresholds": [[50, 0.5], [80, 0.8], [100, 1]]},
            evidence="Báo cáo kết quả thực hiện kế hoạch",
        ),
        R("1.2", "Kiểm tra công tác cải cách hành chính", 10),
        R(
            "1.2.1",
            "Tỷ lệ đơn vị trực thuộc được kiểm tra trong năm (%, chỉ tiêu 30%)",
            10,
            scoring.FORMULA,
            {"target": 30},
            evidence="Kế hoạch và báo cáo kiểm tra",
        ),
        R("2", "Cải cách thủ tục hành chính", 40),
        R("2.1", "Công khai thủ tục hành chính", 15),
        R(
            "2.1.1",
            "Mức độ công khai thủ tục hành chính (không / một phần / đầy đủ)",
            15,
            scoring.LEVELS,
            {"levels": [0, 0.5, 1]},
            evidence="Ảnh chụp, đường dẫn trang công khai",
        ),
        R("2.2", "Giải quyết hồ sơ thủ tục hành chính", 25),
        R(
            "2.2.1",
            "Tỷ lệ hồ sơ giải quyết đúng hạn (%)",
            25,
            scoring.PROPORTION,
            {"thresholds": [[90, 0.6], [95, 0.8], [100, 1]]},
            evidence="Số liệu từ hệ thống thông tin giải quyết thủ tục hành chính",
        ),
        R("3", "Sự hài lòng và đánh giá của người dân, công chức", 40),
        R("3.1", "Sự hài lòng của người dân, tổ chức", 30),
        R("3.1.1", "Chỉ số hài lòng về sự phục vụ hành chính (SIPAS)", 30, scoring.SURVEY),
        R("3.2", "Đánh giá của công chức, lãnh đạo", 10),
        R("3.2.1", "Đánh giá của lãnh đạo, công chức về công tác cải cách hành chính", 10, scoring.MANUAL),
    ]


BUILTIN = {
    "876-ministry": ("Bộ chỉ số CCHC cấp bộ (QĐ 876/QĐ-BNV)", "ministry", "876/QĐ-BNV", _ministry_876),
    "876-province": (
        "Bộ chỉ số CCHC cấp tỉnh (QĐ 876/QĐ-BNV)",
        "province",
        "876/QĐ-BNV",
        lambda: _province(PROVINCE_876_FIELDS, True),
    ),
    "2948-province": (
        "Bộ chỉ số CCHC cấp tỉnh (QĐ 2948/QĐ-BNV)",
        "province",
        "2948/QĐ-BNV",
        lambda: _province([n for n, _p in PROVINCE_2948], False),
    ),
    "demo": ("Bộ chỉ số CCHC sở, ban, ngành (mẫu)", "department", "Mẫu trình diễn", demo_rows),
}
