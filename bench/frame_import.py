"""Import a 1,000,000-row sample frame and draw a stratified sample of 10,000, on PostgreSQL.

    .venv/bin/python bench/frame_import.py [--rows 1000000] [--sample 10000] [--runs 3]

Needs PostgreSQL at 127.0.0.1:5432 (trust auth, user postgres): a throw-away database is created,
migrated, given the demo province (Đà Nẵng, code 48) and its demo campaign, and dropped at the end.
The frame is a realistic CSV (UTF-8) of completed dossiers: Vietnamese names, mobile phones, half of
them with an e-mail, addresses, the province's departments and communes as handling units (a few
large, many small), 10 procedure fields, citizens and organisations. Each run imports it through the
real services (``frame_create`` + ``frame_import``, the task's code) and draws a stratified sample
(unit × applicant type, proportional allocation of the total, 2 reserves per stratum) with
``sample_plan`` + ``sample_draw``. The target is at most 60 s for the two together on a 2-core
machine; the script prints the median of the runs.
"""

import argparse
import contextlib
import csv
import os
import platform
import random
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import psycopg

PG = "postgres://postgres@127.0.0.1:5432"
DATABASE = f"hailong_bench_frames_{os.getpid()}"
DATA_DIR = tempfile.mkdtemp(prefix="hailong-bench-frames-")
ROOT = Path(__file__).resolve().parent.parent

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
    "An",
    "Bình",
    "Châu",
    "Dũng",
    "Hà",
    "Hải",
    "Hùng",
    "Lan",
    "Linh",
    "Mai",
    "Nam",
    "Phúc",
    "Quân",
    "Trang",
    "Tuấn",
    "Yến",
]
STREETS = [
    "Trần Phú",
    "Lê Duẩn",
    "Nguyễn Văn Linh",
    "Hùng Vương",
    "Bạch Đằng",
    "Điện Biên Phủ",
    "Ông Ích Khiêm",
]
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


def _backend_cpu() -> dict[int, float]:
    """User + system CPU seconds of each PostgreSQL backend of this benchmark's database (/proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if not command.startswith("postgres:") or DATABASE not in command:
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    return found


class DatabaseCpu:
    """CPU used by the database's backends while a block runs, sampled every 0.2 s so that the
    writer thread's backend (opened and closed during the import) is counted too."""

    def __enter__(self):
        self.first = _backend_cpu()
        self.last = dict(self.first)
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def _sample(self) -> None:
        while self.running:
            for pid, seconds in _backend_cpu().items():
                self.first.setdefault(pid, 0.0)
                self.last[pid] = seconds
            time.sleep(0.2)

    def __exit__(self, *exc) -> None:
        self.running = False
        self.thread.join()
        self.last.update(_backend_cpu())
        self.seconds = sum(self.last[pid] - self.first.get(pid, 0.0) for pid in self.last)


def reset_peak_memory() -> None:
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def peak_memory_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def generate(path: Path, rows: int, unit_codes: list[str]) -> None:
    rng = random.Random(2026)
    # A few large units (the city's service centre, big wards), many small ones: Zipf-like sizes.
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(unit_codes))]
    units = rng.choices(unit_codes, weights=weights, k=rows)
    start = date(2026, 1, 2)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(
            [
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
        )
        batch = []
        for i in range(rows):
            field, procedures = FIELDS[i % 10 if rng.random() < 0.3 else rng.randrange(10)]
            received = start + timedelta(days=rng.randrange(300))
            returned = received + timedelta(days=rng.randrange(25))
            citizen = rng.random() < 0.85
            name = (
                f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
                if citizen
                else f"Công ty TNHH {rng.choice(GIVEN)} {rng.choice(STREETS)}"
            )
            batch.append(
                (
                    f"H48.{i:08d}",
                    rng.choice(procedures),
                    field,
                    units[i],
                    received.strftime("%d/%m/%Y"),
                    returned.strftime("%d/%m/%Y"),
                    "Công dân" if citizen else "Tổ chức",
                    name,
                    f"0{rng.choice('3579')}{rng.randrange(10**8):08d}",
                    f"nguoidan{i}@example.vn" if rng.random() < 0.5 else "",
                    f"{rng.randrange(1, 400)} {rng.choice(STREETS)}, Đà Nẵng",
                )
            )
            if len(batch) == 10_000:
                writer.writerows(batch)
                batch.clear()
        writer.writerows(batch)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--batch", type=int, default=None, help="rows per write batch (default: the service's)"
    )
    args = parser.parse_args()

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {DATABASE}")
    os.environ.update(
        {
            "DATABASE_URL": f"{PG}/{DATABASE}",
            "HAILONG_DATA_DIR": DATA_DIR,
            "DJANGO_SETTINGS_MODULE": "hailong.config.settings.local",
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
        }
    )
    try:
        run(args)
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        shutil.rmtree(DATA_DIR, ignore_errors=True)


def run(args) -> None:
    import django

    django.setup()
    from django.core.files import File
    from django.core.management import call_command
    from django.db import connection

    from hailong.campaigns.models import Campaign
    from hailong.demo import services as demo
    from hailong.sampling.models import Frame, SampledPerson
    from hailong.sampling.services import BATCH_ROWS, frame_create, frame_import, sample_draw, sample_plan
    from hailong.sampling.writers import frame_rows_delete
    from hailong.units.models import Unit

    print("preparing: migrate, the demo province and campaign…", flush=True)
    call_command("migrate", verbosity=0)
    demo.demo_seed(province_only=True, responses=0)
    campaign = Campaign.objects.get(code=demo.DEMO_CAMPAIGN_CODE)
    units = list(
        Unit.objects.filter(path__startswith=campaign.organiser.path)
        .valid_on(campaign.starts_on)
        .filter(
            type__in=["department", "sector_agency", "one_stop_office", "ward", "commune", "special_zone"]
        )
        .order_by("code")
        .values_list("code", flat=True)
    )
    csv_path = Path(DATA_DIR) / "khung-mau-1-trieu.csv"
    began = time.perf_counter()
    generate(csv_path, args.rows, units)
    generated = time.perf_counter() - began
    size_mb = csv_path.stat().st_size / 1e6
    print(
        f"frame: {args.rows:,} rows, {len(units)} units, {size_mb:.0f} MB CSV, generated in {generated:.1f} s",
        flush=True,
    )

    results = []
    for number in range(1, args.runs + 1):
        for frame in Frame.objects.filter(campaign=campaign):
            SampledPerson.objects.filter(sample__frame=frame).delete()
            frame.samples.all().delete()
            frame_rows_delete(frame.pk)
            frame.delete()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE sampling_framerecord")
            cursor.execute("VACUUM ANALYZE sampling_framecontact")
        reset_peak_memory()
        start, python_before = time.perf_counter(), own_cpu()
        with DatabaseCpu() as database:
            with csv_path.open("rb") as handle:
                frame = frame_create(
                    campaign=campaign, upload=File(handle, name=csv_path.name), enqueue=False
                )
            frame = frame_import(frame=frame, batch_size=args.batch or BATCH_ROWS)
        imported = time.perf_counter() - start
        python_cpu, database_used, peak = own_cpu() - python_before, database.seconds, peak_memory_mb()
        assert frame.status == "ready", frame.errors_preview
        assert frame.rows_imported == args.rows, frame.rows_imported
        start = time.perf_counter()
        sample = sample_plan(
            frame=frame,
            name="bench",
            strata_by=["unit", "applicant_type"],
            allocation_method="proportional",
            parameters={"total": args.sample},
            reserve_per_stratum=2,
            seed=2026,
        )
        sample = sample_draw(sample=sample)
        drawn = time.perf_counter() - start
        people = sample.people.filter(is_reserve=False).count()
        assert people == args.sample, people
        result = {"import_s": imported, "sample_s": drawn, "total_s": imported + drawn}
        results.append(result)
        print(
            f"run {number}: import {imported:.1f} s ({args.rows / imported:,.0f} rows/s; CPU: Python "
            f"{python_cpu:.1f} s, PostgreSQL {database_used:.1f} s; peak memory {peak:.0f} MB), "
            f"plan + draw {drawn:.2f} s ({len(sample.allocation)} strata), total {imported + drawn:.1f} s",
            flush=True,
        )
    median = {key: statistics.median(r[key] for r in results) for key in results[0]}
    print(
        f"median of {args.runs} runs: import {median['import_s']:.1f} s, plan + draw {median['sample_s']:.2f} s, "
        f"total {median['total_s']:.1f} s (target ≤ 60 s) — {args.rows:,} rows, sample {args.sample:,}; "
        f"PostgreSQL {connection.pg_version // 10000}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )


if __name__ == "__main__":
    sys.exit(main())
