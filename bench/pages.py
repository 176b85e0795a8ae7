"""Response times of the staff dashboard, the unit scorecard and the public portal pages on a
campaign of 1,000,000 responses in PostgreSQL.

    .venv/bin/python bench/pages.py --reuse hailong_bench_run_NNNN [--requests 60]
    .venv/bin/python bench/pages.py [--responses 1000000] [--units 3000] [--keep]

``--reuse`` times a database kept by ``bench/estimation_run.py --keep`` (it is migrated first: the
reports tables and any newer columns are added); without it one is built with that script's
functions (registry, campaign, COPY of synthetic responses, one frozen run) and dropped afterwards
unless ``--keep``. ``--new-run`` computes a fresh run first (with the current estimation: breakdowns
and drivers included).

Requests go through Django's test ``Client`` in this process (the whole stack: middleware, session,
permission check, selectors, templates), signed in as a survey manager of the organiser — and, for
the scorecard, also as a unit officer of one commune. Each page is requested once to warm the
process (the per-run cache; the first request's time is reported as "cold"), then ``--requests``
times; the scorecard cycles through that many different units, so its unit-specific reads are
never cached. p50/p95 in milliseconds.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import estimation_run as base  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=3000)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", metavar="DATABASE")
    parser.add_argument("--new-run", action="store_true", help="compute a fresh run before timing")
    args = parser.parse_args()
    name = args.reuse or f"hailong_bench_pages_{os.getpid()}"
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    if args.reuse:
        os.environ["DATABASE_URL"] = f"{base.PG}/{name}"
        os.environ.setdefault("HAILONG_DATA_DIR", tempfile.mkdtemp(prefix="hailong-bench-"))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hailong.config.settings.local")
        os.environ["DEBUG"] = "false"
    else:
        base.setup_database(name)
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        # Production static files (hashed names), as the pages link them.
        call_command("collectstatic", interactive=False, verbosity=0)
        from hailong.campaigns.models import Campaign
        from hailong.indices.models import EstimationRun
        from hailong.indices.services import run_create, run_execute

        if args.reuse:
            campaign = Campaign.objects.get(code="bench-sipas-2026")
        else:
            from hailong.units.services import registry_load

            registry_load()
            campaign, version, unit_ids = base.build_campaign(args.units)
            seconds = base.write_responses(campaign, version, unit_ids, args.responses)
            print(
                f"setup: {args.responses:,} responses over {len(unit_ids):,} units written in {seconds:.0f} s"
            )
        run = (
            EstimationRun.objects.filter(campaign=campaign, status="done", official=True)
            .order_by("-finished_at")
            .first()
        )
        if run is None or args.new_run:
            started = time.perf_counter()
            run = run_execute(run=run_create(campaign=campaign, enqueue=False))
            print(f"run {run.pk}: {time.perf_counter() - started:.0f} s ({run.status})")
        # Fresh statistics, as autovacuum keeps them in production (a just-migrated or just-loaded
        # table has none, and the planner then picks the wrong index).
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE indices_estimatevalue, indices_choicesharevalue, collection_response")
        time_pages(campaign, run, args.requests)
    finally:
        if not (args.keep or args.reuse):
            from django.db import connections

            connections.close_all()
            base.drop_database(name)


def time_pages(campaign, run, requests: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from hailong.accounts.models import User
    from hailong.accounts.roles import Role
    from hailong.accounts.services import role_grant
    from hailong.indices.models import EstimateValue

    units = list(
        EstimateValue.objects.filter(run=run, domain="unit", kind="overall")
        .order_by("rank", "unit_id")
        .values_list("unit_id", "unit__code")
    )
    step = max(1, len(units) // requests)
    sample = units[::step][:requests]
    manager = User.objects.filter(username="bench-manager").first()
    if manager is None:
        manager = User.objects.create_user(username="bench-manager", password="Bench-2026-pages!")
        role_grant(actor=None, user=manager, role=Role.SURVEY_MANAGER, unit=campaign.organiser)
    officer_unit = sample[len(sample) // 2][0]
    officer = User.objects.filter(username="bench-officer").first()
    if officer is None:
        from hailong.units.models import Unit

        officer = User.objects.create_user(username="bench-officer", password="Bench-2026-pages!")
        role_grant(actor=None, user=officer, role=Role.UNIT_OFFICER, unit=Unit.objects.get(pk=officer_unit))

    staff, unit_officer, public = Client(), Client(), Client()
    staff.force_login(manager)
    unit_officer.force_login(officer)
    pages: list[tuple[str, Client, list[str]]] = [
        ("dashboard", staff, [f"/reports/runs/{run.pk}/"]),
        ("dashboard, breakdown by channel", staff, [f"/reports/runs/{run.pk}/?breakdown=channel"]),
        (
            "scorecard (a different unit each time)",
            staff,
            [f"/reports/runs/{run.pk}/units/{u}/" for u, _c in sample],
        ),
        ("scorecard, unit officer", unit_officer, [f"/reports/runs/{run.pk}/units/{officer_unit}/"]),
    ]
    try:
        from hailong.indices.publication import live_publication, run_publish

        if live_publication(campaign) is None:
            run_publish(run=run, actor=manager)
        pages += [
            ("portal: campaign", public, [reverse("portal:campaign", args=[campaign.code])]),
            (
                "portal: unit (a different unit each time)",
                public,
                [reverse("portal:unit", args=[campaign.code, code]) for _u, code in sample],
            ),
        ]
    except (ImportError, NoReverseMatch) as exc:
        print(f"portal pages not timed: {exc}")

    print(
        f"PostgreSQL {connection.pg_version // 10000}, run {run.pk}: {run.n_responses:,} responses, "
        f"{run.n_units:,} units, {EstimateValue.objects.filter(run=run).count():,} figures"
    )
    print("| page | requests | cold (first) ms | p50 ms | p95 ms | max ms | page size |")
    print("|---|---|---|---|---|---|---|")
    for label, client, urls in pages:
        started = time.perf_counter()
        response = client.get(urls[0])
        cold = 1000 * (time.perf_counter() - started)
        assert response.status_code == 200, (label, response.status_code)
        times = []
        for i in range(requests):
            url = urls[(i + 1) % len(urls)] if len(urls) > 1 else urls[0]
            started = time.perf_counter()
            response = client.get(url)
            times.append(1000 * (time.perf_counter() - started))
            assert response.status_code == 200, (label, url, response.status_code)
        size = len(response.content)
        print(
            f"| {label} | {requests} | {cold:.0f} | {statistics.median(times):.0f} | "
            f"{percentile(times, 95):.0f} | {max(times):.0f} | {size / 1024:.0f} KB |"
        )


if __name__ == "__main__":
    main()
