"""Shared fixtures.

The official registry (14,000 units) is loaded once per test database and committed, so ordinary
tests (each in a rolled-back transaction) all see it for free. Tests that need committed data seen
by another thread or process (``transactional_db``: live server, browser) end with the tables
emptied; they build a small world of their own (``small_world``) and are run last on each worker
(see ``pytest_collection_modifyitems``) so the registry stays in place for everything else.
"""

import os
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls tests make around it are
# still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("HAILONG_CHROMIUM", "/usr/bin/chromium")
REPO_ROOT = Path(__file__).resolve().parent.parent
REFORM = date(2025, 7, 1)


def skip_or_fail(reason: str):
    """Skip a test that needs something this machine lacks — except in CI, where all is installed."""
    if os.environ.get("HAILONG_NO_SKIP"):
        pytest.fail(f"{reason} (HAILONG_NO_SKIP is set: CI must have it)")
    pytest.skip(reason)


def pytest_collection_modifyitems(config, items):
    """Tests that empty the database run after the ones that rely on the session's registry."""

    def empties_database(item) -> bool:
        marker = item.get_closest_marker("django_db")
        return bool(marker and marker.kwargs.get("transaction")) or "live_server" in getattr(
            item, "fixturenames", ()
        )

    items.sort(key=empties_database)


@pytest.fixture(autouse=True)
def _language_reset():
    """Each test starts in the default language (Vietnamese): a test that switches to English must not
    change what the next one on the same worker sees."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from hailong.units.services import registry_load

    with django_db_blocker.unblock():
        registry_load()


@pytest.fixture
def registry(db):
    """The full registry. Reloaded (inside this test's transaction) if a transactional test emptied it."""
    from hailong.units.models import Unit
    from hailong.units.services import registry_load

    if not Unit.objects.filter(registry_key="nation:VN").exists() or Unit.objects.count() < 14000:
        registry_load()
    return Unit.objects


@pytest.fixture
def unit(registry) -> Callable[..., object]:
    """``unit("48")`` → the unit with that code on 1 July 2025 (or on ``on``)."""
    from hailong.units.models import Unit

    def get(code: str, on: date = REFORM):
        return Unit.objects.valid_on(on).get(code=code)

    return get


@pytest.fixture
def make_user(db) -> Callable[..., object]:
    """``make_user("analyst", some_unit)`` → an active user holding that role there."""
    from hailong.accounts.models import User
    from hailong.accounts.services import role_grant

    counter = {"n": 0}

    def make(
        role: str | None = None, unit=None, *, username: str | None = None, password: str = "Mat-khau-2026!"
    ):
        counter["n"] += 1
        user = User.objects.create_user(
            username=username or f"user{counter['n']}-{role or 'none'}", password=password
        )
        if role is not None:
            role_grant(actor=None, user=user, role=role, unit=unit)
        return User.objects.get(pk=user.pk)

    return make


@pytest.fixture
def small_world(transactional_db):
    """For tests whose data must be committed: Đà Nẵng (and what it came from) plus the demo seed."""
    from hailong.demo import services as demo

    demo.demo_seed(province_only=True, responses=0)
    return demo


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        skip_or_fail(f"Chromium not found at {CHROMIUM}: browser tests need Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    """A page in a phone-sized viewport (360×740, touch)."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def tmp_data_dir(tmp_path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    yield path
    shutil.rmtree(path, ignore_errors=True)


# A small questionnaire with skip logic and a campaign that uses it (see tests/small_form.py).
from tests.small_form import open_campaign, small_version  # noqa: E402, F401
