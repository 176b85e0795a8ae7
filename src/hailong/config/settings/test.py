"""Settings for the test suite: the same as local, with a fast password hasher.

The database is whatever ``DATABASE_URL`` says (SQLite by default, PostgreSQL in CI's second run).
"""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES

SECRET_KEY = "test-only-secret-key-not-for-production-0123456789abcdef"  # noqa: S105
DEBUG = False
# Argon2 is the production hasher (tests check it); hashing thousands of test users with it would
# only slow the suite down.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="hailong-test-media-"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
AXES_FAILURE_LIMIT = 5
LOGGING = {"version": 1, "disable_existing_loggers": False}
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="hailong-test-static-"))
# Serve static files straight from the apps, as in development, so live-server tests get CSS.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not the in-memory default: concurrent requests then wait on SQLite's lock (the busy
    # timeout) exactly as in production, instead of failing on shared-cache table locks. Each xdist
    # worker gets its own file (pytest-django appends the worker id).
    # The process id keeps two test runs on one machine (two terminals, CI and a developer) apart.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"hailong-test-{os.getpid()}.sqlite3")
    }
