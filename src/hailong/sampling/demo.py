"""Demo data of the sampling app: a realistic frame of completed dossiers and a drawn sample.

``demo_sampling_seed(campaign)`` is called by the demo seed (``hailong demo``) with the demo
campaign. It is idempotent: the frame and the sample are recognised by their names and made once.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterator
from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile

from hailong.campaigns.models import Campaign
from hailong.sampling.choices import AllocationMethod, FrameStatus, SampleStatus, SelectionMethod
from hailong.sampling.models import Frame, Sample
from hailong.sampling.services import COLLECTING, frame_create, frame_import, sample_draw, sample_plan

DEMO_FRAME_NAME = "Hồ sơ đã trả kết quả 01/2026–08/2026 (dữ liệu mẫu)"
DEMO_SAMPLE_NAME = "Mẫu khảo sát 2026 (dữ liệu mẫu)"
DEMO_SEED = 2026
DEMO_DOSSIERS = 3000
DEMO_SAMPLE_SIZE = 400
DEMO_RESERVE = 3

HEADER = [
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
FAMILY = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
]
MIDDLE = ["Văn", "Thị", "Minh", "Ngọc", "Đức", "Thanh", "Quốc", "Hữu", "Thu", "Xuân"]
GIVEN = [
    "An", "Bình", "Châu", "Dũng", "Hà", "Hải", "Hùng", "Lan", "Linh", "Mai", "Nam", "Phúc", "Quân",
    "Trang", "Tuấn", "Yến",
]  # fmt: skip
STREETS = [
    "Trần Phú",
    "Lê Duẩn",
    "Nguyễn Văn Linh",
    "Hùng Vương",
    "Bạch Đằng",
    "Điện Biên Phủ",
    "Ông Ích Khiêm",
]
# Ten procedure fields of a one-stop office, with typical procedures.
FIELDS = [
    ("Hộ tịch", ["Đăng ký khai sinh", "Đăng ký kết hôn", "Trích lục hộ tịch"]),
    ("Chứng thực", ["Chứng thực bản sao từ bản chính", "Chứng thực chữ ký"]),
    ("Đất đai", ["Đăng ký biến động đất đai", "Cấp Giấy chứng nhận quyền sử dụng đất"]),
    ("Xây dựng", ["Cấp giấy phép xây dựng nhà ở riêng lẻ"]),
    ("Đăng ký kinh doanh", ["Đăng ký thành lập hộ kinh doanh", "Thay đổi nội dung đăng ký doanh nghiệp"]),
    ("Lao động - Thương binh và Xã hội", ["Trợ cấp xã hội hằng tháng"]),
    ("Giáo dục và Đào tạo", ["Chuyển trường cho học sinh"]),
    ("Y tế", ["Cấp chứng chỉ hành nghề"]),
    ("Giao thông vận tải", ["Cấp đổi giấy phép lái xe"]),
    ("Tài nguyên và Môi trường", ["Đăng ký kế hoạch bảo vệ môi trường"]),
]


def synthetic_dossiers(
    rng: random.Random, unit_codes: list[str], n: int, *, first: date, days: int, prefix: str = "DN"
) -> Iterator[list[str]]:
    """``n`` synthetic completed dossiers (rows in ``HEADER`` order): a few large units and many
    small ones, 85 % citizens, half with an e-mail. Names and phones are made up."""
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(unit_codes))]
    units = rng.choices(unit_codes, weights=weights, k=n)
    for i in range(n):
        field, procedures = FIELDS[rng.randrange(len(FIELDS))]
        received = first + timedelta(days=rng.randrange(days))
        returned = received + timedelta(days=rng.randrange(20))
        citizen = rng.random() < 0.85
        name = (
            f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
            if citizen
            else f"Công ty TNHH {rng.choice(GIVEN)} {rng.choice(STREETS)}"
        )
        yield [
            f"{prefix}.{i + 1:07d}",
            rng.choice(procedures),
            field,
            units[i],
            received.strftime("%d/%m/%Y"),
            returned.strftime("%d/%m/%Y"),
            "Công dân" if citizen else "Tổ chức",
            name,
            f"0{rng.choice('3579')}{rng.randrange(10**8):08d}",
            f"nguoidan{i + 1}@example.vn" if rng.random() < 0.5 else "",
            f"{rng.randrange(1, 400)} {rng.choice(STREETS)}, Đà Nẵng",
        ]


def demo_sampling_seed(
    campaign: Campaign, *, dossiers: int = DEMO_DOSSIERS, sample_size: int = DEMO_SAMPLE_SIZE
) -> Sample | None:
    """A frame of ``dossiers`` completed dossiers over the campaign's participating units (imported
    through the real import) and a stratified sample by unit (proportional allocation of
    ``sample_size`` with at least 5 per unit, 3 reserves per unit, seed 2026). Returns the drawn
    sample; ``None`` when the campaign has no participating unit or is closed (no personal data may
    be added then). Running it again changes nothing."""
    sample = Sample.objects.filter(
        campaign=campaign, name=DEMO_SAMPLE_NAME, status=SampleStatus.DRAWN
    ).first()
    if sample is not None:
        return sample
    codes = sorted(campaign.participants.values_list("unit__code", flat=True))
    if not codes or campaign.status not in COLLECTING:
        return None
    frame = Frame.objects.filter(campaign=campaign, name=DEMO_FRAME_NAME, status=FrameStatus.READY).first()
    if frame is None:
        rng = random.Random(DEMO_SEED)  # noqa: S311 - reproducible demo data, not a secret
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(HEADER)
        first = date(campaign.year, 1, 2)
        days = max(1, min((campaign.starts_on - first).days - 20, 220))
        writer.writerows(
            synthetic_dossiers(rng, codes, dossiers, first=first, days=days, prefix=f"H{campaign.pk}")
        )
        frame = frame_create(
            campaign=campaign,
            upload=SimpleUploadedFile("ho-so-da-giai-quyet-demo.csv", buffer.getvalue().encode("utf-8")),
            name=DEMO_FRAME_NAME,
            enqueue=False,
        )
        frame = frame_import(frame=frame, today=max(campaign.starts_on, date.today()))  # noqa: DTZ011
        if frame.status != FrameStatus.READY:
            return None
    sample = Sample.objects.filter(campaign=campaign, name=DEMO_SAMPLE_NAME).first()
    if sample is None:
        sample = sample_plan(
            frame=frame,
            name=DEMO_SAMPLE_NAME,
            strata_by=["unit"],
            method=SelectionMethod.STRATIFIED,
            allocation_method=AllocationMethod.PROPORTIONAL,
            parameters={"total": min(sample_size, frame.rows_imported), "minimum": 5},
            reserve_per_stratum=DEMO_RESERVE,
            seed=DEMO_SEED,
        )
    return sample_draw(sample=sample)
