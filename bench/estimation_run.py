"""From PostgreSQL to a frozen estimation run: 1,000,000 SIPAS responses over ~3,000 units.

    .venv/bin/python bench/estimation_run.py [--responses 1000000] [--units 3000] [--runs 3] [--keep]

Creates a throw-away PostgreSQL database (127.0.0.1:5432, trust auth), migrates it, loads the
official registry, installs the ``sipas_service`` questionnaire, makes a campaign whose participants
are ``--units`` communes of 2025, and writes ``--responses`` approved responses with synthetic
answers (``hailong.stats.synthetic``: unit quality, respondent mood, "not applicable" and blanks)
with ``COPY``. Then times the platform's own path, ``run_create`` + ``run_execute``: load the
counted responses from PostgreSQL (coded in SQL), estimate every item, criterion and the overall
index with SEs for every unit, unit type and the whole campaign, rank, compare with the campaign
average, and store the frozen run. Median of ``--runs``. The database is dropped at the end unless
``--keep``.
"""

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
import uuid

import numpy as np
import psycopg

PG = "postgres://postgres@127.0.0.1:5432"


def setup_database(name: str) -> None:
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = f"{PG}/{name}"
    os.environ.setdefault("HAILONG_DATA_DIR", tempfile.mkdtemp(prefix="hailong-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hailong.config.settings.local")
    os.environ["DEBUG"] = "false"


def drop_database(name: str) -> None:
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def build_campaign(n_units: int):
    from datetime import date

    from hailong.campaigns.models import CampaignUnit
    from hailong.campaigns.services import campaign_create
    from hailong.methodology.builtin_templates import template_install
    from hailong.units.choices import COMMUNE_TYPES
    from hailong.units.models import Unit

    nation = Unit.objects.get(registry_key="nation:VN")
    version = template_install(key="sipas_service", owner=nation, code="bench-sipas")
    campaign = campaign_create(
        code="bench-sipas-2026",
        name={"vi": "Đo lường hiệu năng", "en": "Benchmark"},
        year=2026,
        version=version,
        organiser=nation,
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
    )
    communes = list(Unit.objects.valid_on(date(2025, 7, 1)).filter(type__in=COMMUNE_TYPES))
    communes = sorted(communes, key=lambda unit: unit.code)[:n_units]
    CampaignUnit.objects.bulk_create(
        CampaignUnit(campaign=campaign, unit=unit, target=300) for unit in communes
    )
    return campaign, version, [unit.pk for unit in communes]


def write_responses(campaign, version, unit_ids: list[int], n: int) -> float:
    """COPY ``n`` approved responses; returns the seconds it took (not part of the benchmark)."""
    from django.db import connection

    from hailong.collection.models import Response
    from hailong.methodology.choices import QuestionKind
    from hailong.stats.synthetic import survey

    started = time.perf_counter()
    questions = list(version.questions.filter(kind=QuestionKind.SATISFACTION).order_by("order"))
    data = survey(n, len(unit_ids), seed=2026)
    items = [key for key in data if key not in ("unit", "stratum", "psu", "weight")]
    # Map the 22 synthetic items onto the template's satisfaction-scale questions (cycling if the
    # template has more), keeping "not applicable" (9) and blanks (no key).
    columns = {q.name: data[items[i % len(items)]] for i, q in enumerate(questions)}
    units = np.asarray(unit_ids)[data["unit"]]
    table = Response._meta.db_table
    fields = [
        "uuid",
        "instance_id",
        "campaign_id",
        "version_id",
        "unit_id",
        "channel",
        "paper_form_number",
        "language",
        "received_at",
        "completed_at",
        "started_at",
        "answers",
        "status",
        "meta",
    ]
    names = list(columns)
    codes = np.column_stack([columns[name] for name in names])
    # Realistic cuts for the breakdowns: channel, procedure field and applicant type vary.
    random = np.random.default_rng(7)
    channels = np.array(["web", "qr", "interviewer", "paper", "invitation"])[
        random.choice(5, size=n, p=[0.35, 0.25, 0.2, 0.15, 0.05])
    ]
    fields_of = np.array(
        ["dat_dai", "xay_dung", "ho_tich", "kinh_doanh", "lao_dong_xa_hoi", "tu_phap", "khac"]
    )[random.integers(0, 7, size=n)]
    applicants = np.where(random.random(n) < 0.85, "ca_nhan", "to_chuc")
    with connection.cursor() as cursor:
        copy_sql = f"COPY {table} ({', '.join(fields)}) FROM STDIN"
        with cursor.cursor.copy(copy_sql) as copy:
            buffer = io.StringIO()
            for row in range(n):
                answers = {name: str(code) for name, code in zip(names, codes[row], strict=True) if code}
                answers.update(
                    {
                        "doi_tuong": applicants[row],
                        "linh_vuc": fields_of[row],
                        "gioi_tinh": "nu",
                        "nhom_tuoi": "36_45",
                    }
                )
                text = json.dumps(answers, separators=(",", ":"))
                buffer.write(
                    f"{uuid.uuid4()}\tbench:{row}\t{campaign.pk}\t{version.pk}\t{units[row]}\t{channels[row]}\t\tvi\t"
                    f"2026-06-01 09:00:00+07\t2026-06-01 09:00:00+07\t2026-06-01 08:50:00+07\t"
                    f"{text}\tapproved\t{{}}\n"
                )
                if row % 20000 == 19999:
                    copy.write(buffer.getvalue())
                    buffer = io.StringIO()
            copy.write(buffer.getvalue())
        cursor.execute(f"ANALYZE {table}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", metavar="DATABASE", help="time runs on a database kept by --keep")
    parser.add_argument(
        "--no-breakdowns",
        action="store_true",
        help="runs without the default breakdowns (channel, field, applicant)",
    )
    args = parser.parse_args()
    name = args.reuse or f"hailong_bench_run_{os.getpid()}"
    if args.reuse:
        os.environ["DATABASE_URL"] = f"{PG}/{name}"
        os.environ.setdefault("HAILONG_DATA_DIR", tempfile.mkdtemp(prefix="hailong-bench-"))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hailong.config.settings.local")
        os.environ["DEBUG"] = "false"
    else:
        setup_database(name)
    try:
        import django

        django.setup()
        from django.core.management import call_command

        from hailong.indices.models import EstimateValue
        from hailong.indices.services import run_create, run_execute
        from hailong.units.services import registry_load

        if args.reuse:
            from hailong.campaigns.models import Campaign

            call_command("migrate", verbosity=0)

            campaign = Campaign.objects.get(code="bench-sipas-2026")
        else:
            call_command("migrate", verbosity=0)
            registry_load()
            campaign, version, unit_ids = build_campaign(args.units)
            loading = write_responses(campaign, version, unit_ids, args.responses)
            print(
                f"setup: {args.responses:,} responses over {len(unit_ids):,} units written in {loading:.0f} s"
            )
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            run = run_create(campaign=campaign, enqueue=False, breakdowns=[] if args.no_breakdowns else None)
            run = run_execute(run=run)
            times.append(time.perf_counter() - started)
            if run.status != "done":
                print(f"run failed: {run.error}", file=sys.stderr)
                sys.exit(1)
            values = EstimateValue.objects.filter(run=run).count()
            print(
                f"run {run.pk}: {times[-1]:.1f} s, {run.n_responses:,} responses, {values:,} figures stored"
            )
        print(
            f"PostgreSQL → frozen run: median {statistics.median(times):.1f} s over {args.runs} runs "
            f"(min {min(times):.1f}, max {max(times):.1f})"
        )
    finally:
        if not (args.keep or args.reuse):
            from django.db import connections

            connections.close_all()
            drop_database(name)


if __name__ == "__main__":
    main()
