"""Settings come from the environment; production settings pass ``check --deploy`` cleanly."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT


def hailong(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    full_env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "hailong", *args],
        env=full_env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy_with_no_warnings(tmp_path):
    result = hailong(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={
            "DJANGO_SETTINGS_MODULE": "hailong.config.settings.production",
            "SECRET_KEY": "a-long-random-production-secret-key-with-enough-entropy-0123456789",
            "ALLOWED_HOSTS": "hailong.example.gov.vn",
            "DATABASE_URL": "sqlite:///" + str(tmp_path / "db.sqlite3"),
            "HAILONG_DATA_DIR": str(tmp_path),
        },
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = hailong(
        "check",
        env={
            "DJANGO_SETTINGS_MODULE": "hailong.config.settings.production",
            "HAILONG_DATA_DIR": str(tmp_path),
        },
        cwd=tmp_path,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_with_nothing_set_the_database_is_sqlite_in_the_data_folder(tmp_path):
    result = hailong(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.DATABASES['default']['NAME']); print(settings.DEBUG)",
        env={},
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    name, debug = result.stdout.strip().splitlines()[-2:]
    assert Path(name) == tmp_path / "data" / "hailong.sqlite3"
    assert debug == "True"
    assert (tmp_path / "data" / "secret_key").stat().st_mode & 0o077 == 0, "the generated key is private"


def test_database_url_selects_postgresql(tmp_path):
    result = hailong(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; d = settings.DATABASES['default']; print(d['ENGINE'], d['NAME'], d['HOST'])",
        env={"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/hailong"},
        cwd=tmp_path,
    )
    assert result.stdout.split() == ["django.db.backends.postgresql", "hailong", "127.0.0.1"]


@pytest.mark.django_db
def test_migrations_are_complete():
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_the_hailong_command_is_installed():
    assert (Path(sys.executable).parent / "hailong").exists()
    assert (REPO_ROOT / "src" / "hailong" / "config" / "manage.py").exists()


def test_collectstatic_in_production_gathers_the_stylesheet(tmp_path):
    result = hailong(
        "collectstatic",
        "--noinput",
        env={
            "DJANGO_SETTINGS_MODULE": "hailong.config.settings.production",
            "SECRET_KEY": "a-long-random-production-secret-key-with-enough-entropy-0123456789",
            "HAILONG_DATA_DIR": str(tmp_path),
        },
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert list((tmp_path / "static" / "hailong").glob("site.*.css")), "hashed stylesheet for long caching"
