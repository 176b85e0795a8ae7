"""The public portal and open data on a published run: page times (p50/p95), sizes, queries.

    .venv/bin/python bench/portal.py --reuse hailong_bench_run_NNNN [--requests 60] [--opendata]
    .venv/bin/python bench/portal.py [--units 300] [--responses 60000] [--requests 60]

``--reuse`` times a database kept by ``bench/estimation_run.py --keep`` (1,000,000 responses over
3,000 communes): it is migrated (new tables only), its latest done official run is published if the
campaign has no live publication (as ``bench/pages.py`` does), and ``ANALYZE`` refreshes the
planner's statistics; nothing else is written and the database is kept. Without ``--reuse`` a
throw-away PostgreSQL database (127.0.0.1:5432, trust auth) is built with the functions of
``bench/estimation_run.py`` (registry, the ``sipas_service`` questionnaire, ``--units`` communes,
``--responses`` approved synthetic responses), one run computed and published, and the database
dropped at the end.

Requests go through Django's test client with the production middleware, in this process (no HTTP
server, no cache in front). Each page is timed ``--requests`` times in two ways:

- *not cached*: Django's cache is emptied before each request, so every request reads the run and
  renders the page (for the unit page, a different unit each time);
- *cached*: the rendered page is in Django's cache (one query: the live publication).

The campaign page is timed on its first page and on a later page of the ranking, and with a search.
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
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--responses", type=int, default=60_000)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--reuse", metavar="DATABASE", help="a kept benchmark database (not dropped)")
    parser.add_argument("--opendata", action="store_true", help="also time the CSV and JSON (slow)")
    args = parser.parse_args()
    name = args.reuse or f"hailong_bench_portal_{os.getpid()}"
    os.environ["ALLOWED_HOSTS"] = "testserver"
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
        from django.db import connection

        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)  # hashed names, as in production
        publication = publish(args)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE indices_estimatevalue, indices_choicesharevalue, indices_publication")
        time_pages(publication, args.requests, opendata=args.opendata or not args.reuse)
    finally:
        if not args.reuse:
            from django.db import connections

            connections.close_all()
            base.drop_database(name)


def publish(args):
    """The campaign's live publication; publishes its latest done official run if there is none."""
    from hailong.accounts.models import User
    from hailong.accounts.roles import Role
    from hailong.accounts.services import role_grant
    from hailong.campaigns.models import Campaign
    from hailong.indices.models import EstimationRun
    from hailong.indices.publication import live_publication, run_publish
    from hailong.indices.services import run_create, run_execute

    if args.reuse:
        campaign = Campaign.objects.get(code="bench-sipas-2026")
    else:
        from hailong.units.services import registry_load

        registry_load()
        campaign, version, unit_ids = base.build_campaign(args.units)
        base.write_responses(campaign, version, unit_ids, args.responses)
        run_execute(run=run_create(campaign=campaign, enqueue=False))
    publication = live_publication(campaign)
    if publication is None:
        run = (
            EstimationRun.objects.filter(campaign=campaign, status="done", official=True)
            .order_by("-finished_at")
            .first()
        )
        manager = User.objects.filter(username="bench-manager").first()
        if manager is None:  # the survey manager bench/pages.py signs in as
            manager = User.objects.create_user(username="bench-manager", password="Bench-2026-pages!")  # noqa: S106
            role_grant(actor=None, user=manager, role=Role.SURVEY_MANAGER, unit=campaign.organiser)
        publication = run_publish(run=run, actor=manager)
        print(f"published run {run.pk} (minimum {publication.min_respondents})")
    return live_publication(campaign)


def time_pages(publication, requests: int, *, opendata: bool) -> None:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from hailong.indices.models import EstimateValue
    from hailong.indices.publication import ranking_page_size, searchable

    run, code = publication.run, publication.campaign.code
    units = list(
        EstimateValue.objects.filter(
            run=run, domain="unit", kind="overall", n__gte=publication.min_respondents
        )
        .order_by("rank", "unit_id")
        .values_list("unit__code", "unit__name")
    )
    step = max(1, len(units) // requests)
    sample = [c for c, _n in units[::step]][:requests]
    later = max(2, len(units) // ranking_page_size() // 2)  # a page in the middle of the ranking
    group = EstimateValue.objects.filter(run=run, domain="unit", kind="overall").values_list(
        "unit_type", flat=True
    )[0]
    campaign_url = reverse("portal:campaign", args=[code])
    word = searchable(units[len(units) // 3][1]).split()[-1]
    pages: list[tuple[str, list[str]]] = [
        ("home", [reverse("portal:home")]),
        ("campaign, first page of the ranking", [campaign_url]),
        (f"campaign, page {later} of the ranking", [f"{campaign_url}?page_{group}={later}"]),
        (f"campaign, search “{word}”", [f"{campaign_url}?q={word}"]),
        ("unit page (a different unit each time)", [reverse("portal:unit", args=[code, c]) for c in sample]),
    ]
    if opendata:
        pages += [
            ("open data CSV (streamed)", [reverse("portal:opendata", args=[code, "csv"])]),
            ("open data JSON (streamed)", [reverse("portal:opendata", args=[code, "json"])]),
        ]
    print(
        f"PostgreSQL {connection.pg_version // 10000}, run {run.pk}: {run.n_responses:,} responses, "
        f"{run.n_units:,} units, {EstimateValue.objects.filter(run=run).count():,} figures; "
        f"publication {publication.pk}, minimum {publication.min_respondents}; load {os.getloadavg()}"
    )
    client = Client()
    client.get(pages[1][1][0])  # warm the process (imports, templates, connection)
    print("| request | cache | requests | p50 ms | p95 ms | max ms | size | queries |")
    print("|---|---|---|---|---|---|---|---|")
    for label, urls in pages:
        streamed = label.startswith("open data")
        modes = ("not cached",) if streamed else ("not cached", "cached")
        for mode in modes:
            count = min(requests, 5) if streamed else requests
            times, size, queries, seen = [], 0, 0, set()
            cache.clear()
            for i in range(count):
                url = urls[i % len(urls)]
                if mode == "not cached":
                    cache.clear()
                elif url not in seen:
                    client.get(url)  # the miss that puts it in the cache
                    seen.add(url)
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = client.get(url)
                    body = b"".join(response.streaming_content) if response.streaming else response.content
                    times.append(1000 * (time.perf_counter() - started))
                assert response.status_code == 200, (url, response.status_code)
                size, queries = max(size, len(body)), max(queries, len(captured.captured_queries))
            if mode == "cached" and len(urls) > 1:
                mode = "cached (each unit's second request)"
            print(
                f"| {label} | {mode} | {count} | {statistics.median(times):.0f} | "
                f"{percentile(times, 95):.0f} | {max(times):.0f} | {size / 1024:,.0f} KB | {queries} |"
            )
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
