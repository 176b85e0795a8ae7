"""Time loading the official unit registry into an empty database, and reloading it unchanged.

Usage: .venv/bin/python bench/registry_load.py [--runs 3]
Uses DATABASE_URL if set (a database you can empty), else SQLite in a temporary folder.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("HAILONG_DATA_DIR", tempfile.mkdtemp(prefix="hailong-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hailong.config.settings.local")
os.environ["DEBUG"] = "false"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from hailong.units.models import Unit, UnitLineage  # noqa: E402
from hailong.units.registry import read_registry  # noqa: E402
from hailong.units.services import registry_load  # noqa: E402


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    read_times, load_times, reload_times = [], [], []
    for _ in range(args.runs):
        UnitLineage.objects.all().delete()
        Unit.objects.update(parent=None)
        Unit.objects.all().delete()
        start = time.perf_counter()
        registry = read_registry()
        read_times.append(time.perf_counter() - start)
        load_times.append(timed(lambda r=registry: registry_load(registry=r)))
        reload_times.append(timed(lambda r=registry: registry_load(registry=r)))
    units, links = Unit.objects.count(), UnitLineage.objects.count()
    print(f"database: {connection.vendor}; {units} units, {links} lineage links; median of {args.runs} runs")
    print(f"read packages : {statistics.median(read_times):6.2f} s")
    print(f"load (empty)  : {statistics.median(load_times):6.2f} s")
    print(f"reload (same) : {statistics.median(reload_times):6.2f} s")


if __name__ == "__main__":
    sys.exit(main())
