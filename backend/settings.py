"""The one settings module. Everything that differs between machines comes from the
environment through the typed readers in ``backend.env``; the README lists each variable."""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from backend.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CUSTOS_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("CUSTOS_DEBUG", False)
_DEFAULT_KEY = "custos-insecure-development-key-change-me"
SECRET_KEY = env_str("CUSTOS_SECRET_KEY", _DEFAULT_KEY)
ALLOWED_HOSTS = env_list("CUSTOS_ALLOWED_HOSTS") or [
    "127.0.0.1",
    "localhost",
    "[::1]",
    "testserver",
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "backend.core",
    "backend.registry",
    "backend.custody",
    "backend.alerts",
    "backend.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "backend.urls"
WSGI_APPLICATION = "backend.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

_database_url = env_str("DATABASE_URL")
CUSTOS_LOCK_TIMEOUT_MS = env_int("CUSTOS_LOCK_TIMEOUT_MS", 5000)
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"].endswith("postgresql"):
        # A scan waits at most this long for a carrier another desk holds, then answers
        # `conflict`; set per connection so ingest spends no round trip on it.
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
            f"-c lock_timeout={CUSTOS_LOCK_TIMEOUT_MS}"
        )
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "custos.sqlite3"),
            "OPTIONS": {
                # IMMEDIATE takes SQLite's write lock at BEGIN: ingest's read-validate-append
                # then cannot interleave with another writer (SQLite has no FOR UPDATE).
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"
# The unit's civil time zone: close of business and calendar days are reckoned in it.
CUSTOS_TIME_ZONE = env_str("CUSTOS_TIME_ZONE", "Asia/Shanghai")

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"

# Custos settings (CONTRACT.md and README).
CUSTOS_UNIT = env_str("CUSTOS_UNIT", "XZ").upper()
CUSTOS_REDIS_URL = env_str("REDIS_URL")
CUSTOS_SWEEP_SECONDS = env_int("CUSTOS_SWEEP_SECONDS", 60)
CUSTOS_ALERT_EMAILS = env_list("CUSTOS_ALERT_EMAILS")
CUSTOS_WEBHOOK_URL = env_str("CUSTOS_WEBHOOK_URL")
CUSTOS_WEBHOOK_SECRET = env_str("CUSTOS_WEBHOOK_SECRET")
CUSTOS_CLOSE_OF_BUSINESS = env_str("CUSTOS_CLOSE_OF_BUSINESS", "18:00")
CUSTOS_TRANSIT_HOURS = env_int("CUSTOS_TRANSIT_HOURS", 72)
CUSTOS_REPAIR_DAYS = env_int("CUSTOS_REPAIR_DAYS", 14)
CUSTOS_DESTRUCTION_DAYS = env_int("CUSTOS_DESTRUCTION_DAYS", 7)
CUSTOS_LOSS_REPORT_HOURS = 24  # Reg Art. 61: a loss is reported within 24 hours.

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "custos@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("CUSTOS_LOG_LEVEL", "INFO")},
}
