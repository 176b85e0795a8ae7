"""Settings shared by every environment, read from environment variables.

| variable | meaning | default |
|---|---|---|
| ``HAILONG_DATA_DIR`` | folder for the embedded database, secret key, uploads, collected static files | ``./data`` |
| ``DATABASE_URL`` | e.g. ``postgres://user@127.0.0.1:5432/hailong`` | SQLite file in the data folder |
| ``SECRET_KEY`` | Django secret key | generated once into the data folder (local only) |
| ``DEBUG`` | ``true``/``false`` | per settings module |
| ``ALLOWED_HOSTS`` | comma-separated host names | ``127.0.0.1,localhost`` |
| ``CSRF_TRUSTED_ORIGINS`` | comma-separated origins behind a proxy | empty |
| ``TIME_ZONE`` | | ``Asia/Ho_Chi_Minh`` |
| ``HAILONG_LOGIN_FAILURE_LIMIT`` | failed sign-ins before a lockout | ``5`` |
| ``HAILONG_LOCKOUT_MINUTES`` | lockout length | ``15`` |
| ``HAILONG_PUBLISH_MIN_RESPONDENTS`` | default minimum of valid respondents per published figure (smaller cells are suppressed on the portal and in open data) | ``30`` |
"""

import secrets
from datetime import timedelta
from pathlib import Path

import environ

env = environ.Env()

PACKAGE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = Path(env.str("HAILONG_DATA_DIR", default=str(Path.cwd() / "data"))).resolve()


def _secret_key_from_data_dir() -> str:
    """Keep one random key per installation so sessions survive restarts without any setup."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "hailong.core",
    "hailong.units",
    "hailong.accounts",
    "hailong.audit",
    "hailong.methodology",
    "hailong.campaigns",
    "hailong.collection",
    "hailong.sampling",
    "hailong.fieldwork",
    "hailong.quality",
    "hailong.indices",
    "hailong.parindex",
    "hailong.portal",
    "hailong.reports",
    "hailong.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "hailong.core.middleware.VietnameseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Axes must come last: it turns a locked-out request into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hailong.config.urls"
WSGI_APPLICATION = "hailong.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "hailong.accounts.context_processors.navigation",
            ],
            "builtins": ["hailong.core.templatetags.hailong"],
        },
    }
]

DATABASES = {
    "default": env.db_url(
        "DATABASE_URL",
        default=f"sqlite:///{DATA_DIR / 'hailong.sqlite3'}",
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the task worker writes; the busy timeout waits instead of
    # failing when both write at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    # Axes first, so a locked-out account is refused before its password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "hailong.accounts.backends.ScopedRoleBackend",
]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Published results suppress every figure with fewer valid respondents than this (the manager may
# raise or lower it per publication): a proportion's standard error on n < 30 is too wide to rank on.
HAILONG_PUBLISH_MIN_RESPONDENTS = env.int("HAILONG_PUBLISH_MIN_RESPONDENTS", default=30)

AXES_FAILURE_LIMIT = env.int("HAILONG_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("HAILONG_LOCKOUT_MINUTES", default=15))
# Lock the pair (account, address): a guesser is stopped without letting anyone lock a colleague out
# from another machine.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/lockout.html"
AXES_VERBOSE = False

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Ho_Chi_Minh")
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["hailong.config.formats"]
LANGUAGE_COOKIE_NAME = "hailong_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("HAILONG_MEDIA_DIR", default=str(DATA_DIR / "media")))

# Outgoing e-mail (fieldwork reminders, volunteers' password links). Without EMAIL_HOST the messages
# are printed to the console, so nothing is sent by accident from a demo.
EMAIL_HOST = env.str("EMAIL_HOST", default="")
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Hài Lòng <no-reply@localhost>")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

SECRET_KEY = env.str("SECRET_KEY", default="")
