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
    # Listed so the API docs use ninja's bundled Swagger UI, not a CDN (air-gapped sites).
    "ninja",
    "backend.core",
    "backend.registry",
    "backend.custody",
    "backend.alerts",
    "backend.classification",
    "backend.inventory",
    "backend.meetings",
    "backend.carryouts",
    "backend.campaigns",
    "backend.registers",
    "backend.printing",
    "backend.security",
    "backend.imports",
    "backend.inspection",
    "backend.backups",
    "backend.api",
    "django_htmx",
    "backend.desk",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "backend.security.hardening.SecurityHeadersMiddleware",  # CSP (docs/security.md)
    # Serves /static/ from gunicorn too (custos serve); air-gapped desks have no CDN.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages and the API part here: each runs only the stack below that it needs
    # (backend/middleware.py).
    "backend.middleware.SplitStack",
]
PAGE_MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "backend.desk.middleware.ChineseFirstMiddleware",  # zh-hans unless English chosen
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Idle timeout, departed people, the second factor (docs/security.md).
    "backend.security.middleware.SessionGuardMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]
# The API authenticates every request by bearer token: no session, cookie or CSRF token.
API_MIDDLEWARE = [
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Django's and ninja's own 404/405 answers in CONTRACT.md's JSON error shape.
    "backend.api.middleware.ErrorShapeMiddleware",
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
# The unit's civil time zone: close of business and calendar days (a departure date, the
# day a secrecy period ends, "today" in every service) are reckoned in it. The database
# keeps UTC either way (USE_TZ).
CUSTOS_TIME_ZONE = env_str("CUSTOS_TIME_ZONE", "Asia/Shanghai")
TIME_ZONE = CUSTOS_TIME_ZONE

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# The web pages (backend/desk): files are found in the apps' static/ folders without a
# collectstatic step, so `make run` serves them on a fresh machine.
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns when it is missing
LOCALE_PATHS = [BASE_DIR / "backend" / "locale"]
LOGIN_URL = "/"
LOGIN_REDIRECT_URL = "/home/"

# Custos settings (CONTRACT.md and README).
CUSTOS_UNIT = env_str("CUSTOS_UNIT", "XZ").upper()
# Private keys (checkpoint signing, backup encryption) live in files in this folder, never
# in the database (backend/keys.py).
CUSTOS_KEY_DIR = Path(env_str("CUSTOS_KEY_DIR", str(VAR_DIR / "keys")))
# Backups (README "Backup, restore, drill"): beat's nightly backups go into this folder,
# the newest CUSTOS_BACKUP_KEEP are kept; a backup older than CUSTOS_BACKUP_MAX_AGE_HOURS
# (or none at all) opens a `backup_failed` case.
CUSTOS_BACKUP_DIR = Path(env_str("CUSTOS_BACKUP_DIR", str(VAR_DIR / "backups")))
CUSTOS_BACKUP_KEEP = env_int("CUSTOS_BACKUP_KEEP", 14)
CUSTOS_BACKUP_MAX_AGE_HOURS = env_int("CUSTOS_BACKUP_MAX_AGE_HOURS", 26)
# The digest of the signed checkpoints: sha256, or sm3 for a unit held to 国密 algorithms.
# Fixed by the first checkpoint; a later change is refused (backend/custody/statements.py).
CUSTOS_LEDGER_HASH = env_str("CUSTOS_LEDGER_HASH", "sha256").lower()
CUSTOS_REDIS_URL = env_str("REDIS_URL")
CUSTOS_SWEEP_SECONDS = env_int("CUSTOS_SWEEP_SECONDS", 60)
# How often the committee dashboard's tiles ask for fresh counts (they also refresh at once
# after an acknowledgement on the page).
CUSTOS_DASHBOARD_POLL_SECONDS = env_int("CUSTOS_DASHBOARD_POLL_SECONDS", 30)
# The unit's name as labels, certificates and registers print it (CUSTOS_UNIT stays the
# code prefix); empty: they print the prefix (backend.registry.texts.unit_name).
CUSTOS_UNIT_NAME = env_str("CUSTOS_UNIT_NAME", "")
CUSTOS_ALERT_EMAILS = env_list("CUSTOS_ALERT_EMAILS")
CUSTOS_WEBHOOK_URL = env_str("CUSTOS_WEBHOOK_URL")
CUSTOS_WEBHOOK_SECRET = env_str("CUSTOS_WEBHOOK_SECRET")
# The supervising office (上级保密行政管理部门) that receives every signed checkpoint, if any.
CUSTOS_SUPERVISOR_URL = env_str("CUSTOS_SUPERVISOR_URL")
CUSTOS_CLOSE_OF_BUSINESS = env_str("CUSTOS_CLOSE_OF_BUSINESS", "18:00")
CUSTOS_TRANSIT_HOURS = env_int("CUSTOS_TRANSIT_HOURS", 72)
CUSTOS_REPAIR_DAYS = env_int("CUSTOS_REPAIR_DAYS", 14)
# A register exported from the pages is deleted from the server this long after it was
# written (it is a copy of classified records; download it, then start another).
CUSTOS_EXPORT_KEEP_HOURS = env_int("CUSTOS_EXPORT_KEEP_HOURS", 24)
CUSTOS_DESTRUCTION_DAYS = env_int("CUSTOS_DESTRUCTION_DAYS", 7)
CUSTOS_LOSS_REPORT_HOURS = 24  # Reg Art. 61: a loss is reported within 24 hours.
# Labels (docs/labels.md): whether carrier labels may show the title (a title can itself
# be secret: default off), and the label printers as name=raw://host:9100?dpi=203&size=50x30
# or name=cups://queue?format=pdf, comma-separated; the unit's name is CUSTOS_UNIT_NAME above.
CUSTOS_LABEL_TITLES = env_bool("CUSTOS_LABEL_TITLES", False)
CUSTOS_PRINTERS = env_list("CUSTOS_PRINTERS")
# Alerts (docs/alerts.md): reminders while a case is unresolved, escalation of a case
# nobody acknowledged, the outbox sender's catch-up pass, retry backoff and claim lease.
CUSTOS_REMIND_SECONDS = env_int("CUSTOS_REMIND_SECONDS", 4 * 3600)
CUSTOS_ESCALATE_SECONDS = env_int("CUSTOS_ESCALATE_SECONDS", 24 * 3600)
CUSTOS_COMMITTEE_CHAIR_EMAIL = env_str("CUSTOS_COMMITTEE_CHAIR_EMAIL")
CUSTOS_DELIVERY_SECONDS = env_int("CUSTOS_DELIVERY_SECONDS", 30)
CUSTOS_DELIVERY_BACKOFF_SECONDS = env_int("CUSTOS_DELIVERY_BACKOFF_SECONDS", 30)
CUSTOS_DELIVERY_BACKOFF_MAX_SECONDS = env_int("CUSTOS_DELIVERY_BACKOFF_MAX_SECONDS", 3600)
CUSTOS_DELIVERY_LEASE_SECONDS = env_int("CUSTOS_DELIVERY_LEASE_SECONDS", 300)
CUSTOS_SWEEP_BATCH = env_int("CUSTOS_SWEEP_BATCH", 5000)
CUSTOS_PERIOD_WARN_DAYS = env_int("CUSTOS_PERIOD_WARN_DAYS", 90)
CUSTOS_DEPARTURE_WARN_DAYS = env_int("CUSTOS_DEPARTURE_WARN_DAYS", 14)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)

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

# Security (docs/security.md). CUSTOS_ENV=production turns on the hardened defaults and
# refuses to start with DEBUG on, the development key or no ALLOWED_HOSTS.
CUSTOS_ENV = env_str("CUSTOS_ENV", "development").lower()
_PRODUCTION = CUSTOS_ENV == "production"
# Argon2id for new and changed passwords; PBKDF2 stays listed so older hashes still verify
# (and are rehashed to Argon2 at the next sign-in).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTHENTICATION_BACKENDS = ["backend.security.signin.LockoutModelBackend"]
CUSTOS_LOCKOUT_FAILURES = env_int("CUSTOS_LOCKOUT_FAILURES", 5)
CUSTOS_LOCKOUT_SECONDS = env_int("CUSTOS_LOCKOUT_SECONDS", 15 * 60)
CUSTOS_2FA_ROLES = env_list("CUSTOS_2FA_ROLES") or ["admin", "approver", "committee"]
CUSTOS_SESSION_IDLE_SECONDS = env_int("CUSTOS_SESSION_IDLE_SECONDS", 15 * 60)
SESSION_COOKIE_AGE = env_int("CUSTOS_SESSION_MAX_SECONDS", 10 * 3600)  # one working day
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("CUSTOS_SECURE_COOKIES", _PRODUCTION)
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Django sends HSTS only on requests that arrived over TLS; behind a TLS-terminating proxy
# set CUSTOS_TLS_PROXY=1 so X-Forwarded-Proto tells it.
SECURE_HSTS_SECONDS = env_int("CUSTOS_HSTS_SECONDS", 365 * 86400 if _PRODUCTION else 0)
if env_bool("CUSTOS_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# API rate limits per token (n/s, n/min, n/h; "off" for none): scans generous, the rest
# tighter. Counted in Redis, shared by every web process; each process counts on its own
# while Redis is down and when no Redis is configured (backend/security/counters.py).
CUSTOS_RATE_REDIS_URL = env_str("CUSTOS_RATE_REDIS_URL", CUSTOS_REDIS_URL) or None
CUSTOS_RATE_SCANS = env_str("CUSTOS_RATE_SCANS", "3000/min")
CUSTOS_RATE_API = env_str("CUSTOS_RATE_API", "600/min")
# How long a web process reuses a bearer token's row (backend/registry/token_cache.py): a
# revocation or a change to its person or device made in another process takes effect
# there within this many seconds; 0 reads the token on every request.
CUSTOS_TOKEN_CACHE_SECONDS = env_int("CUSTOS_TOKEN_CACHE_SECONDS", 2)
# Reads of carriers at this level and above go into the access log (Reg Art. 20).
CUSTOS_ACCESS_LOG_LEVEL = env_str("CUSTOS_ACCESS_LOG_LEVEL", "secret")

from backend.security.hardening import refuse_unsafe_production  # noqa: E402 - needs the above

refuse_unsafe_production(
    env=CUSTOS_ENV,
    debug=DEBUG,
    secret_key=SECRET_KEY,
    default_key=_DEFAULT_KEY,
    allowed_hosts=env_list("CUSTOS_ALLOWED_HOSTS"),
)
