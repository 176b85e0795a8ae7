"""Frames written as real files (CSV in several encodings, XLSX) and imported through the service."""

import csv
import io
import random
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hailong.sampling.services import frame_create, frame_import

HEADER_VI = [
    "Mã hồ sơ",
    "Thủ tục",
    "Lĩnh vực",
    "Đơn vị giải quyết",
    "Ngày tiếp nhận",
    "Ngày trả kết quả",
    "Đối tượng",
    "Họ tên",
    "Số điện thoại",
    "Email",
    "Địa chỉ",
]
HEADER_EN = [
    "dossier_code",
    "procedure",
    "procedure_field",
    "unit",
    "received",
    "returned",
    "applicant_type",
    "name",
    "phone",
    "email",
    "address",
]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Võ", "Đặng", "Bùi"]
GIVEN = ["Văn An", "Thị Bình", "Minh Châu", "Quốc Dũng", "Thị Hà", "Đức Huy", "Ngọc Lan", "Văn Nam"]
FIELDS = ["Hộ tịch", "Đất đai", "Xây dựng", "Chứng thực"]


def frame_rows(n, *, units=("20242", "20209"), seed=1, start=1, types=("Công dân", "Tổ chức")):
    """``n`` realistic rows (Vietnamese header order) of completed dossiers."""
    rng = random.Random(seed)
    rows = []
    for i in range(start, start + n):
        received = date(2026, 1, 5) + timedelta(days=rng.randint(0, 200))
        returned = received + timedelta(days=rng.randint(0, 20))
        family, given = rng.choice(FAMILY), rng.choice(GIVEN)
        rows.append(
            [
                f"HS-{i:06d}",
                f"Thủ tục {rng.randint(1, 30)}",
                rng.choice(FIELDS),
                units[i % len(units)],
                received.strftime("%d/%m/%Y"),
                returned.strftime("%d/%m/%Y"),
                types[0] if rng.random() < 0.8 else types[1],
                f"{family} {given}",
                f"09{rng.randint(10_000_000, 99_999_999)}",
                f"nguoi{i}@example.vn" if rng.random() < 0.5 else "",
                f"{rng.randint(1, 200)} Trần Phú, Đà Nẵng",
            ]
        )
    return rows


def csv_bytes(rows, header=HEADER_VI, *, encoding="utf-8", delimiter=","):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def import_bytes(campaign, data: bytes, filename="khung_mau.csv", *, skip=False, actor=None, **kwargs):
    frame = frame_create(
        campaign=campaign,
        upload=SimpleUploadedFile(filename, data),
        skip_invalid_rows=skip,
        actor=actor,
        enqueue=False,
    )
    return frame_import(frame=frame, **kwargs)


@pytest.fixture
def english():
    """Messages in English, to compare with the texts written in the code."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def campaign(open_campaign):
    """An open campaign of Đà Nẵng (organiser 48) with wards 20242 and 20209 taking part."""
    return open_campaign


# ------------------------------------------------------------------------------------------------
# Legacy Vietnamese encodings, to write the files older software still produces
# ------------------------------------------------------------------------------------------------
TONES = {"\u0300": "huyen", "\u0301": "sac", "\u0309": "hoi", "\u0303": "nga", "\u0323": "nang"}


def to_cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Windows writes it: â ê ô ă ơ ư đ precomposed, tones combining."""
    import unicodedata

    out = []
    for char in text:
        parts = unicodedata.normalize("NFD", char)
        shape = "".join(m for m in parts[1:] if m in "\u0302\u0306\u031b")
        tones = "".join(m for m in parts[1:] if m not in shape)
        out.append(unicodedata.normalize("NFC", parts[0] + shape) + tones if len(parts) > 1 else char)
    return "".join(out).encode("cp1258")


# TCVN3 (ABC): one byte per lower-case Vietnamese letter (the capitals of the "H" fonts share them).
_TCVN3_LOWER = {
    "à": 0xB5, "ả": 0xB6, "ã": 0xB7, "á": 0xB8, "ạ": 0xB9,
    "ă": 0xA8, "ằ": 0xBB, "ẳ": 0xBC, "ẵ": 0xBD, "ắ": 0xBE, "ặ": 0xC6,
    "â": 0xA9, "ầ": 0xC7, "ẩ": 0xC8, "ẫ": 0xC9, "ấ": 0xCA, "ậ": 0xCB,
    "đ": 0xAE,
    "è": 0xCC, "ẻ": 0xCE, "ẽ": 0xCF, "é": 0xD0, "ẹ": 0xD1,
    "ê": 0xAA, "ề": 0xD2, "ể": 0xD3, "ễ": 0xD4, "ế": 0xD5, "ệ": 0xD6,
    "ì": 0xD7, "ỉ": 0xD8, "ĩ": 0xDC, "í": 0xDD, "ị": 0xDE,
    "ò": 0xDF, "ỏ": 0xE1, "õ": 0xE2, "ó": 0xE3, "ọ": 0xE4,
    "ô": 0xAB, "ồ": 0xE5, "ổ": 0xE6, "ỗ": 0xE7, "ố": 0xE8, "ộ": 0xE9,
    "ơ": 0xAC, "ờ": 0xEA, "ở": 0xEB, "ỡ": 0xEC, "ớ": 0xED, "ợ": 0xEE,
    "ù": 0xEF, "ủ": 0xF1, "ũ": 0xF2, "ú": 0xF3, "ụ": 0xF4,
    "ư": 0xAD, "ừ": 0xF5, "ử": 0xF6, "ữ": 0xF7, "ứ": 0xF8, "ự": 0xF9,
    "ỳ": 0xFA, "ỷ": 0xFB, "ỹ": 0xFC, "ý": 0xFD, "ỵ": 0xFE,
}  # fmt: skip
_TCVN3_UPPER = {"Ă": 0xA1, "Â": 0xA2, "Ê": 0xA3, "Ô": 0xA4, "Ơ": 0xA5, "Ư": 0xA6, "Đ": 0xA7}


def to_tcvn3(text: str) -> bytes:
    out = bytearray()
    for char in text:
        if char.isascii():
            out += char.encode()
        elif char in _TCVN3_UPPER:
            out.append(_TCVN3_UPPER[char])
        else:
            out.append(_TCVN3_LOWER[char.lower()])
    return bytes(out)


# VNI: the base letter, then one or two mark bytes (lower case shown; capitals use the capital marks).
_VNI_MARKS = {
    "\u0302": "â",
    "\u0306": "ê",
    "\u031b": None,
    "\u0300": "ø",
    "\u0301": "ù",
    "\u0309": "û",
    "\u0303": "õ",
    "\u0323": "ï",
}
_VNI_HAT_TONE = {"\u0301": "á", "\u0300": "à", "\u0309": "å", "\u0303": "ã", "\u0323": "ä"}
_VNI_BREVE_TONE = {"\u0301": "é", "\u0300": "è", "\u0309": "ú", "\u0303": "ü", "\u0323": "ë"}


def to_vni(text: str) -> bytes:
    import unicodedata

    out = []
    for char in text:
        if char in "đĐ":
            out.append("ñ" if char == "đ" else "Ñ")
            continue
        parts = unicodedata.normalize("NFD", char)
        base, marks = parts[0], parts[1:]
        if "\u031b" in marks:  # horn: ơ = ô, ư = ö in VNI
            base = {"o": "ô", "u": "ö", "O": "Ô", "U": "Ö"}[base]
            marks = marks.replace("\u031b", "")
        tone = next((m for m in marks if m in _VNI_HAT_TONE), None)
        if "\u0302" in marks:
            out.append(base + (_VNI_HAT_TONE[tone] if tone else "â"))
        elif "\u0306" in marks:
            out.append(base + (_VNI_BREVE_TONE[tone] if tone else "ê"))
        elif tone:
            out.append(base + _VNI_MARKS[tone])
        else:
            out.append(base)
    return "".join(out).encode("cp1252")
