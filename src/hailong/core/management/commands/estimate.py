"""``hailong estimate --data FILE.csv --method METHOD.toml [--by COLUMN] [--ci normal|t] --out RESULT.json``.

Everything an analyst needs from a CSV of responses, without a database: the design-based index,
criteria and item estimates with standard errors and confidence intervals, overall and per domain.
The method file is described in ``hailong.stats.files`` and the README.
"""

import json
import math
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from hailong.stats.files import FileProblem, estimate_files


class Command(BaseCommand):
    help = "Estimate satisfaction indices (with standard errors) from a CSV of responses and a TOML method."
    # No database and no project state are involved: skip the system checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--data", required=True, type=Path, metavar="FILE.csv", help="responses, one row each"
        )
        parser.add_argument(
            "--method", required=True, type=Path, metavar="METHOD.toml", help="design and index method"
        )
        parser.add_argument(
            "--by",
            action="append",
            default=[],
            metavar="COLUMN",
            help="also estimate for every value of COLUMN",
        )
        parser.add_argument(
            "--ci", choices=("normal", "t"), default="normal", help="interval: normal or t (design df)"
        )
        parser.add_argument("--level", type=float, default=0.95, help="confidence level (default 0.95)")
        parser.add_argument(
            "--out", required=True, type=Path, metavar="RESULT.json", help="where to write the result"
        )

    def handle(self, *args, data, method, by, ci, level, out, **options):
        if not 0 < level < 1:
            raise CommandError("--level phải nằm giữa 0 và 1 / --level must be between 0 and 1")
        started = time.perf_counter()
        try:
            result = estimate_files(data, method, by=by, ci=ci, level=level)
        except FileProblem as problem:
            raise CommandError(str(problem)) from None
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, ensure_ascii=False, indent=1, allow_nan=False), encoding="utf-8")
        overall = result["overall"]
        estimate = overall["estimate"]
        shown = (
            "—"
            if estimate is None or math.isnan(estimate)
            else f"{100 * estimate:.2f}".replace(".", ",") + "%"
        )
        domains = sum(len(values) for values in result["by"].values())
        self.stdout.write(
            f"{result['rows']} dòng, chỉ số chung {shown}, {domains} miền → {out} "
            f"({time.perf_counter() - started:.1f} s) / "
            f"{result['rows']} rows, overall index {shown}, {domains} domains → {out}"
        )
