"""Submissions per second over real HTTP, on a production-like server (gunicorn + PostgreSQL).

    .venv/bin/python bench/submissions.py [--seconds 30] [--workers 4] [--connections 32] [--runs 3]

Needs PostgreSQL at 127.0.0.1:5432 (trust auth; a throw-away database is created and dropped) and
`wrk` (Debian package `wrk`) as the load generator: a C program, so the client takes little of the
machine's CPU from the server it measures. Every request is a complete SIPAS response (about 40
answers) with its own instance id, posted to the public JSON endpoint of a unit's link, validated
and stored; the script then checks that the database holds exactly as many new responses as wrk
saw accepted.
"""

import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PG = "postgres://postgres@127.0.0.1:5432"

LUA = r"""
local counter = 0
local thread_id = 0
local threads = {}
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  math.randomseed(os.time() + tid * 7919)
  prefix = string.format("bench-%d-%d-", tid, math.random(1, 1e9))
end
request = function()
  counter = counter + 1
  local body = string.gsub(template, "INSTANCE", prefix .. counter)
  return wrk.format("POST", path, {["Content-Type"] = "application/json"}, body)
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env_for(database: str, data_dir: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}},
        "DJANGO_SETTINGS_MODULE": "hailong.config.settings.production",
        "DATABASE_URL": f"{PG}/{database}",
        "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "HAILONG_DATA_DIR": data_dir,
        "LOG_LEVEL": "WARNING",
    }


def cpu_seconds(pattern: str) -> dict[int, float]:
    """User + system CPU time, per process id, of the processes whose command line has ``pattern``."""
    tick = os.sysconf("SC_CLK_TCK")
    times = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if pattern not in command:
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return times


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    # Processes that ended meanwhile (an autovacuum worker, say) are left out rather than counted
    # negative; new ones count whole.
    return sum(t - before.get(pid, 0.0) for pid, t in after.items())


def hailong(*args: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "hailong", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument(
        "--threads", type=int, default=4, help="threads per gunicorn worker (gthread when > 1)"
    )
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")

    database = f"hailong_bench_{os.getpid()}"
    data_dir = tempfile.mkdtemp(prefix="hailong-bench-")
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {database}")
    env = env_for(database, data_dir)
    server = None
    try:
        print("preparing: migrate, registry of the demo province, demo campaign…", flush=True)
        hailong("demo", "--no-serve", "--province-only", env=env)
        hailong("collectstatic", "--noinput", env=env)
        token, answers = json.loads(
            hailong(
                "shell",
                "--no-imports",
                "-c",
                "import json, random\n"
                "from hailong.collection.models import PublicLink\n"
                "from hailong.collection.formspec import form_spec\n"
                "from hailong.demo.responses import synthetic_answers, unit_profile\n"
                "link = PublicLink.objects.filter(unit__code='20242', service_point__isnull=True).get()\n"
                "spec = form_spec(link.campaign.version)\n"
                "rng = random.Random(7)\n"
                "print(json.dumps([link.token, synthetic_answers(spec, unit_profile(rng, ['E1','E2','E3','E4','E5']), rng, {})]))",
                env=env,
            )
            .strip()
            .splitlines()[-1]
        )
        body = json.dumps(
            {"instance_id": "INSTANCE", "answers": answers, "language": "vi"}, ensure_ascii=False
        )
        port = free_port()
        command = [
            str(Path(sys.executable).parent / "gunicorn"),
            "hailong.config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
        ]
        if args.threads > 1:
            command += ["--worker-class", "gthread", "--threads", str(args.threads)]
        server = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"{url}/accounts/login/", timeout=5) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        script = Path(data_dir) / "post.lua"
        script.write_text(
            f"path = {json.dumps('/s/' + token + '/submit')}\ntemplate = {json.dumps(body, ensure_ascii=False)}\n"
            + LUA,
            encoding="utf-8",
        )
        count = "SELECT count(*) FROM collection_response"
        # Warm up: every worker compiles the form once and opens its database connection.
        subprocess.run(
            ["wrk", "-t1", f"-c{args.connections}", "-d3s", "-s", str(script), url],
            capture_output=True,
            check=True,
        )
        results = []
        for run in range(1, args.runs + 1):
            with psycopg.connect(f"{PG}/{database}") as conn:
                before = conn.execute(count).fetchone()[0]
            web_before, db_before = cpu_seconds("gunicorn"), cpu_seconds("postgres:")
            output = subprocess.run(
                [
                    "wrk",
                    "-t2",
                    f"-c{args.connections}",
                    f"-d{args.seconds}s",
                    "--latency",
                    "-s",
                    str(script),
                    url,
                ],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            web_used = cpu_used(web_before, cpu_seconds("gunicorn"))
            db_used = cpu_used(db_before, cpu_seconds("postgres:"))
            with psycopg.connect(f"{PG}/{database}") as conn:
                stored = conn.execute(count).fetchone()[0] - before
            requests = int(re.search(r"(\d+) requests in", output).group(1))
            errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
            latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", output, re.M))
            result = {
                "accepted_per_s": stored / args.seconds,
                "requests": requests,
                "stored": stored,
                "non_2xx": int(errors.group(1)) if errors else 0,
                "p50": latency.get("50"),
                "p99": latency.get("99"),
                # Server CPU (web workers + PostgreSQL) per stored submission: steadier than
                # throughput on a shared virtual machine, and what capacity planning needs.
                "server_cpu_ms": round(1000 * (web_used + db_used) / max(stored, 1), 2),
                "web_cpu_ms": round(1000 * web_used / max(stored, 1), 2),
                "db_cpu_ms": round(1000 * db_used / max(stored, 1), 2),
            }
            results.append(result)
            print(f"run {run}: {json.dumps(result)}", flush=True)
        print(
            f"median accepted submissions/s: {statistics.median(r['accepted_per_s'] for r in results):.0f}; "
            f"p50 {statistics.median(_ms(r['p50']) for r in results):.1f} ms; "
            f"p99 {statistics.median(_ms(r['p99']) for r in results):.1f} ms; "
            f"server CPU {statistics.median(r['server_cpu_ms'] for r in results):.2f} ms per submission "
            f"(gunicorn {args.workers} workers × {args.threads} threads, wrk 2 threads × {args.connections} connections, "
            f"{args.seconds} s × {args.runs} runs)"
        )
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=40)
            except subprocess.TimeoutExpired:
                server.kill()
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        shutil.rmtree(data_dir, ignore_errors=True)


def _ms(text: str | None) -> float:
    if not text:
        return float("nan")
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


if __name__ == "__main__":
    random.seed(0)
    main()
