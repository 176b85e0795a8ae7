"""The README's first command ends in ``hailong demo``: it must serve the sign-in page, twice in a row."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager

import pytest

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def demo_database():
    """SQLite in the data folder by default; on a PostgreSQL run, a database of its own."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield None
        return
    import psycopg

    name = f"hailong_demo_test_{os.getpid()}"
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def run_demo_until_login_page(cwd, env) -> str:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "hailong", "demo"],
        cwd=cwd,
        env={**env, "PORT": str(port)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"hailong demo exited early:\n{process.stdout.read()}")
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/accounts/login/", timeout=5
                ) as response:
                    return response.read().decode()
            except OSError:
                time.sleep(1)
        pytest.fail("the demo did not serve the sign-in page within 4 minutes")
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        assert not workers_in(cwd), "stopping the demo stops its task worker"


def workers_in(cwd) -> list[int]:
    """Task workers still running in this directory (Linux /proc), waiting a little for them."""
    deadline = time.monotonic() + 15
    while True:
        found = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    command = f.read()
                directory = os.readlink(f"/proc/{entry}/cwd")
            except OSError:
                continue
            if b"db_worker" in command and directory == str(cwd):
                found.append(int(entry))
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def test_demo_serves_the_sign_in_page_and_can_run_again(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "PORT"}
    }
    with demo_database() as url:
        if url:
            env["DATABASE_URL"] = url
        first = run_demo_until_login_page(tmp_path, env)
        assert "Đăng nhập" in first and 'lang="vi"' in first
        second = run_demo_until_login_page(tmp_path, env)  # idempotent: the same data, no errors
        assert "Đăng nhập" in second
        check = subprocess.run(
            [sys.executable, "-m", "hailong", "units", "export", "--as-of", "2025-07-01"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        rows = check.stdout.splitlines()
        assert sum(1 for r in rows if r.split(",")[2] in {"commune", "ward", "special_zone"}) == 3321
        assert sum(1 for r in rows if r.startswith("48.SNV,")) == 1, "the demo province's departments, once"
    if not url:
        assert (tmp_path / "data" / "hailong.sqlite3").exists()
