"""The statistics core on a province-sized survey, and R's ``survey`` on the same data.

    .venv/bin/python bench/estimation.py [--rows 1000000] [--units 3000] [--runs 5] [--r-domains 10]

Data (``hailong.stats.synthetic``): ``--rows`` respondents in ``--units`` units, each unit a stratum
with 10 clusters (PSUs), unequal weights, 22 five-point items in 5 criteria with "not applicable"
and blanks. Timed, data in memory: the design and every item, criterion and overall estimate with
its standard error for every unit and for the whole population (``estimate_index``, item_mean),
plus their confidence intervals. Median of ``--runs``, after one untimed warm-up run.

With R and the ``survey`` package installed, the same estimates are timed in R on the same data
(written to a temporary CSV): the whole-population figures in full (22 ``svyratio`` with covariance,
``svycontrast`` for criteria and overall), and ``svyby`` for ``--r-domains`` units, extrapolated
linearly to all units (each ``svyby`` domain costs a pass over the whole design in R). The
Python and R numbers of the common figures are compared as a check.
"""

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from hailong.stats import Design, estimate_index
from hailong.stats.indices import code_answers
from hailong.stats.synthetic import CRITERIA_SIZES, default_method, item_names, survey, write_csv

R_SCRIPT = Path(__file__).with_name("estimation.R")


def python_runs(columns, units: int, runs: int):
    method = default_method()
    coded = np.column_stack(
        [code_answers(columns[name], method.valid, method.satisfied) for name in item_names()]
    )
    times, unit_times = [], []
    # One untimed run first: the first allocation of these arrays (gigabytes) pays the page faults.
    for run in range(runs + 1):
        started = time.perf_counter()
        design = Design.build(weights=columns["weight"], strata=columns["stratum"], clusters=columns["psu"])
        by_unit = estimate_index(design, None, method, coded=coded, domains=columns["unit"], n_domains=units)
        by_unit.figures.interval(proportion=True)
        unit_time = time.perf_counter() - started
        whole = estimate_index(design, None, method, coded=coded)
        whole.figures.interval(proportion=True)
        if run:
            unit_times.append(unit_time)
            times.append(time.perf_counter() - started)
    return times, unit_times, by_unit, whole


def r_run(columns, r_domains: int) -> dict | None:
    if shutil.which("Rscript") is None:
        print("Rscript not found: R timing skipped", file=sys.stderr)
        return None
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "survey.csv"
        write_csv(data, columns)
        out = Path(folder) / "r.json"
        sizes = ",".join(str(s) for s in CRITERIA_SIZES)
        subprocess.run(["Rscript", str(R_SCRIPT), str(data), str(out), str(r_domains), sizes], check=True)
        return json.loads(out.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--r-domains", type=int, default=10, help="units svyby is timed on in R (0: no R)")
    args = parser.parse_args()

    columns = survey(args.rows, args.units)
    times, unit_times, by_unit, whole = python_runs(columns, args.units, args.runs)
    figures = by_unit.figures
    print(
        f"python: {args.rows:,} rows, {args.units:,} units, {figures.estimate.shape[1]} figures per domain "
        f"({len(item_names())} items, {len(CRITERIA_SIZES)} criteria, overall), median of {args.runs} runs: "
        f"design + every unit {statistics.median(unit_times):.2f} s "
        f"(min {min(unit_times):.2f}, max {max(unit_times):.2f}); "
        f"+ the whole population {statistics.median(times):.2f} s (min {min(times):.2f}, max {max(times):.2f})"
    )
    if args.r_domains <= 0:
        return
    r = r_run(columns, args.r_domains)
    if r is None:
        return
    # Check: the whole-population overall and the first units' overall index agree.
    overall = whole.column("overall")
    gap = abs(whole.figures.estimate[0, overall] - r["overall_estimate"])
    se_gap = abs(whole.figures.se[0, overall] / r["overall_se"] - 1)
    unit_gap = max(
        abs(figures.estimate[int(unit), overall] - value)
        for unit, value in zip(r["domain_units"], r["domain_overall"], strict=True)
    )
    r_total = r["whole_seconds"] + r["per_domain_seconds"] * args.units
    python = statistics.median(times)
    print(
        f"R survey: whole population {r['whole_seconds']:.1f} s; svyby {r['per_domain_seconds']:.2f} s per unit "
        f"(measured on {args.r_domains}); all {args.units:,} units ≈ {r_total:,.0f} s "
        f"→ R / Python ≈ {r_total / python:,.0f}×"
    )
    print(
        f"agreement: overall |Δ| {gap:.1e}, SE relative {se_gap:.1e}; units' overall |Δ| max {unit_gap:.1e}"
    )


if __name__ == "__main__":
    main()
