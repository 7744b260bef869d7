"""FlexyAgents settings.

Every value comes from the environment through django-environ. With nothing set, the project
runs on an SQLite file and a Celery broker on the local file system, and development-only
secrets are generated once into `var/dev-secrets.json`. With `DJANGO_ENV=production` (or
`DEBUG` off) the secrets and `ALLOWED_HOSTS` must be set, and start-up stops naming the
variable that is missing or malformed.
"""

import base64
import binascii
import json
import secrets
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("FLEXY_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in ("development", "production", "test"):
    raise ImproperlyConfigured(
        f"DJANGO_ENV={DJANGO_ENV!r} is invalid: use development, production or test."
    )
DEBUG = env.bool("DEBUG", default=DJANGO_ENV != "production")
STRICT_SECRETS = DJANGO_ENV == "production" or not DEBUG


def _dev_secret(name, factory):
    """Return a development secret, generating it once into an ignored local file."""
    path = VAR_DIR / "dev-secrets.json"
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    stored = json.loads(path.read_text()) if path.exists() else {}
    if name not in stored:
        stored[name] = factory()
        path.write_text(json.dumps(stored, indent=2))
        path.chmod(0o600)
    return stored[name]


def _new_fernet_key():
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def validate_cryptography_key(value, variable="CRYPTOGRAPHY_KEY"):
    """Raise ImproperlyConfigured unless value is URL-safe base64 of exactly 32 bytes."""
    try:
        raw = base64.urlsafe_b64decode(value.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ImproperlyConfigured(
            f"{variable} is malformed: expected URL-safe base64 of 32 random bytes. Generate "
            "one with: python -c \"import base64,os;print(base64.urlsafe_b64encode(os.urandom(32)).decode())\""
        )
    return value


def _required_secret(name, factory):
    value = env.str(name, default="")
    if value:
        return value
    if STRICT_SECRETS:
        raise ImproperlyConfigured(
            f"{name} is missing: set it in the environment (DJANGO_ENV={DJANGO_ENV}, DEBUG={DEBUG})."
        )
    return _dev_secret(name, factory)


SECRET_KEY = _required_secret("SECRET_KEY", lambda: secrets.token_urlsafe(50))
if STRICT_SECRETS and len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("SECRET_KEY is malformed: use at least 32 random characters.")

# CRYPTOGRAPHY_KEY encrypts stored provider keys. It is separate from SECRET_KEY so that
# rotating SECRET_KEY loses nothing; CRYPTOGRAPHY_KEY_FALLBACKS still decrypt old values.
CRYPTOGRAPHY_KEY = validate_cryptography_key(
    _required_secret("CRYPTOGRAPHY_KEY", _new_fernet_key)
)
CRYPTOGRAPHY_KEY_FALLBACKS = [
    validate_cryptography_key(value, "CRYPTOGRAPHY_KEY_FALLBACKS")
    for value in env.list("CRYPTOGRAPHY_KEY_FALLBACKS", default=[])
]

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if STRICT_SECRETS else ["127.0.0.1", "localhost", "testserver"])
if STRICT_SECRETS and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS is missing: set it to the comma-separated host names that serve FlexyAgents."
    )
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tables2",
    "template_partials",
    "axes",
    "orgs",
    "keys",
    "providers",
    "usage",
    "knowledge",
    "agents",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "orgs.middleware.HtmxLoginRedirectMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "orgs.middleware.CurrentOrganizationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]
# The REST API under API_PATH_PREFIX authenticates with bearer tokens and reads no session,
# cookie or user, so config.asgi serves it with this shorter list: security headers, the
# language of error messages (Accept-Language) and X-Frame-Options. They are Django's own
# middleware, run on the event loop (config/api_middleware.py), because each thread hop or
# middleware left out saves time on every API call under ASGI.
API_PATH_PREFIX = "/api/"
API_MIDDLEWARE = [
    "config.api_middleware.APISecurityMiddleware",
    "config.api_middleware.APILocaleMiddleware",
    "config.api_middleware.APIXFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "orgs.context_processors.shell",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'flexyagents.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so two writers queue on the
    # timeout instead of failing with "database is locked" when one upgrades a read lock.
    # WAL lets readers run beside the writer; synchronous=NORMAL in WAL mode can lose the last
    # commits on power loss (not on a process crash), a fair trade for the embedded default.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    # Chat is served by ASGI, where a persistent connection is opened per request and never
    # reused, so the default closes each connection when its request ends.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if env.str("DATABASE_TEST_NAME", default=""):
    DATABASES["default"]["TEST"] = {"NAME": env.str("DATABASE_TEST_NAME")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Login rate limiting (django-axes): lock a user name + IP pair after repeated failures.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# Seconds after a password confirmation during which sensitive actions need no new prompt.
SUDO_MAX_AGE_SECONDS = env.int("SUDO_MAX_AGE_SECONDS", default=300)

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on every request when it is missing
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "media/"

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="FlexyAgents <noreply@flexyagents.local>")

# Transport security, off by default so that http://127.0.0.1 works in development.
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
if env.bool("USE_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Celery. The default broker keeps messages in files under var/, so nothing else has to run.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _celery_dir = VAR_DIR / "celery"
    for _sub in ("queue", "processed", "control"):
        (_celery_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_dir / "queue"),
        "data_folder_out": str(_celery_dir / "queue"),
        "processed_folder": str(_celery_dir / "processed"),
        "store_processed": False,
        # Exchange tables (broadcasts, worker remote control); kombu's default is ./control.
        "control_folder": str(_celery_dir / "control"),
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {}

# Hosted providers are the operator's; provider endpoints can be redirected for every call.
HOSTED_OPENAI_API_KEY = env.str("HOSTED_OPENAI_API_KEY", default="")
HOSTED_ANTHROPIC_API_KEY = env.str("HOSTED_ANTHROPIC_API_KEY", default="")
HOSTED_GEMINI_API_KEY = env.str("HOSTED_GEMINI_API_KEY", default="")
OPENAI_BASE_URL = env.str("OPENAI_BASE_URL", default="")
ANTHROPIC_BASE_URL = env.str("ANTHROPIC_BASE_URL", default="")
GEMINI_BASE_URL = env.str("GEMINI_BASE_URL", default="")
ALLOW_PRIVATE_PROVIDER_URLS = env.bool("ALLOW_PRIVATE_PROVIDER_URLS", default=False)

# Whether tests that need PostgreSQL or Redis must run (CI) instead of skipping.
REQUIRE_SERVICES = env.bool("REQUIRE_SERVICES", default=False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "filters": {"no_4xx_traceback": {"()": "config.log_filters.DropClientErrorTraceback"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "httpx": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # Django's default config gives "django" a console handler of its own, so every record
        # printed twice with the root's; Django also attaches the exception to 403 and 404 logs.
        "django": {"handlers": [], "propagate": True},
        "django.request": {"filters": ["no_4xx_traceback"]},
    },
}

# --- app settings: each app appends its own block below, one block per app ---

DJANGO_TABLES2_TEMPLATE = "django_tables2/table.html"
DJANGO_TABLES2_TABLE_ATTRS = {"class": "table"}

# --- agents ---
# Days a chat trace is kept before the nightly purge deletes it.
TRACE_RETENTION_DAYS = env.int("TRACE_RETENTION_DAYS", default=90)
if TRACE_RETENTION_DAYS < 1:
    raise ImproperlyConfigured(f"TRACE_RETENTION_DAYS={TRACE_RETENTION_DAYS} is invalid: use 1 or more days.")
# Longest user message, in characters, that the playground and the API channel accept.
AGENT_MAX_MESSAGE_CHARS = env.int("AGENT_MAX_MESSAGE_CHARS", default=8000)
# Seconds a chat call may wait for its provider, and how many times the SDK retries.
AGENT_PROVIDER_TIMEOUT_SECONDS = env.float("AGENT_PROVIDER_TIMEOUT_SECONDS", default=60.0)
AGENT_PROVIDER_MAX_RETRIES = env.int("AGENT_PROVIDER_MAX_RETRIES", default=2)
CELERY_BEAT_SCHEDULE["agents-purge-old-traces"] = {
    "task": "agents.tasks.purge_old_traces",
    "schedule": 24 * 60 * 60,
}

# --- knowledge ---
KNOWLEDGE_MAX_UPLOAD_MB = env.int("KNOWLEDGE_MAX_UPLOAD_MB", default=50)
KNOWLEDGE_STORAGE_QUOTA_MB = env.int("KNOWLEDGE_STORAGE_QUOTA_MB", default=500)
# DOCX files are ZIP archives: limits checked on the declared sizes before any inflation.
KNOWLEDGE_MAX_UNCOMPRESSED_MB = env.int("KNOWLEDGE_MAX_UNCOMPRESSED_MB", default=200)
KNOWLEDGE_MAX_COMPRESSION_RATIO = env.int("KNOWLEDGE_MAX_COMPRESSION_RATIO", default=100)
KNOWLEDGE_MAX_ZIP_MEMBERS = env.int("KNOWLEDGE_MAX_ZIP_MEMBERS", default=5000)
# URL fetching: loopback and private addresses stay blocked unless this is on (tests only);
# cloud metadata addresses are blocked either way.
KNOWLEDGE_ALLOW_PRIVATE_URLS = env.bool("KNOWLEDGE_ALLOW_PRIVATE_URLS", default=False)
KNOWLEDGE_FETCH_MAX_MB = env.int("KNOWLEDGE_FETCH_MAX_MB", default=20)
KNOWLEDGE_FETCH_TIMEOUT_SECONDS = env.float("KNOWLEDGE_FETCH_TIMEOUT_SECONDS", default=20.0)
KNOWLEDGE_FETCH_MAX_REDIRECTS = env.int("KNOWLEDGE_FETCH_MAX_REDIRECTS", default=5)
KNOWLEDGE_CRAWL_MAX_PAGES = env.int("KNOWLEDGE_CRAWL_MAX_PAGES", default=200)
# Watchdog: a document whose task sent no heartbeat for this long is re-queued, up to the
# maximum number of attempts, and then marked failed.
KNOWLEDGE_TASK_TIMEOUT_SECONDS = env.int("KNOWLEDGE_TASK_TIMEOUT_SECONDS", default=900)
KNOWLEDGE_MAX_ATTEMPTS = env.int("KNOWLEDGE_MAX_ATTEMPTS", default=3)
# Gemini enrichment: media above the inline size goes through the Files API.
KNOWLEDGE_GEMINI_MODEL = env.str("KNOWLEDGE_GEMINI_MODEL", default="gemini-2.5-flash")
KNOWLEDGE_GEMINI_INLINE_MAX_MB = env.float("KNOWLEDGE_GEMINI_INLINE_MAX_MB", default=15.0)
KNOWLEDGE_GEMINI_FILE_TIMEOUT_SECONDS = env.int("KNOWLEDGE_GEMINI_FILE_TIMEOUT_SECONDS", default=300)
KNOWLEDGE_GEMINI_POLL_SECONDS = env.float("KNOWLEDGE_GEMINI_POLL_SECONDS", default=2.0)
CELERY_BEAT_SCHEDULE["knowledge-watchdog"] = {
    "task": "knowledge.tasks.watchdog",
    "schedule": 300.0,
}
CELERY_BEAT_SCHEDULE["knowledge-recrawl"] = {
    "task": "knowledge.tasks.recrawl_due",
    "schedule": 3600.0,
}

# --- usage ---
# Days that raw usage events are kept; hourly rollups (what dashboards read) are kept forever.
USAGE_RAW_RETENTION_DAYS = env.int("USAGE_RAW_RETENTION_DAYS", default=400)
if USAGE_RAW_RETENTION_DAYS < 1:
    raise ImproperlyConfigured(
        f"USAGE_RAW_RETENTION_DAYS={USAGE_RAW_RETENTION_DAYS} is invalid: use a number of days of 1 or more."
    )
CELERY_BEAT_SCHEDULE["usage-detect-spikes"] = {"task": "usage.tasks.detect_spikes", "schedule": 300.0}
CELERY_BEAT_SCHEDULE["usage-purge-raw-events"] = {"task": "usage.tasks.purge_raw_events", "schedule": 86400.0}

# --- keys ---
# Seconds a rotated-out key version keeps its ciphertext before the purge task destroys it;
# 0 destroys it during the rotation itself.
KEY_VERSION_GRACE_SECONDS = env.int("KEY_VERSION_GRACE_SECONDS", default=0)
CELERY_BEAT_SCHEDULE["keys-expiry-reminders"] = {
    "task": "keys.tasks.send_expiry_reminders",
    "schedule": 3600.0,
}
CELERY_BEAT_SCHEDULE["keys-purge-retired-versions"] = {
    "task": "keys.tasks.purge_retired_versions",
    "schedule": 600.0,
}

# --- bluegreen ---
# Celery discovers only `<app>.tasks` modules, so the regression-run task module is listed here.
CELERY_IMPORTS = ["agents.tasks_bluegreen"]
# Minutes after which a queued or running regression run counts as failed, so a run whose
# worker never started or died stops blocking new runs and swaps of its agent.
BLUEGREEN_RUN_TIMEOUT_MINUTES = env.int("BLUEGREEN_RUN_TIMEOUT_MINUTES", default=30)
if BLUEGREEN_RUN_TIMEOUT_MINUTES < 1:
    raise ImproperlyConfigured(
        f"BLUEGREEN_RUN_TIMEOUT_MINUTES={BLUEGREEN_RUN_TIMEOUT_MINUTES} is invalid: use a number of minutes of 1 or more."
    )

# --- agents ---
# DATABASE_POOL=true gives PostgreSQL a psycopg connection pool (Django 5.1+). Under ASGI each
# request runs its database work in a new thread with a new connection, so without a pool
# every API chat turn opens a PostgreSQL connection.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool("DATABASE_POOL", default=False):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=2),
        "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=20),
        "timeout": 10,
    }
# Threads that run the chat path's database work (config/db_workers.py), each keeping its
# connection open across requests. 0 runs that work in each request's own thread instead.
DB_WORKER_THREADS = env.int("DB_WORKER_THREADS", default=4)
# On PostgreSQL, the worker threads' connections bind parameters on the server and prepare a
# statement after its fifth run, so the server plans the chat path's statements once. Other
# connections (dashboard pages, reports, Celery) keep planning each query with its values.
# PgBouncer before 1.21 in transaction mode cannot route prepared statements: set false there.
DATABASE_PREPARED_STATEMENTS = env.bool("DATABASE_PREPARED_STATEMENTS", default=True)
if DB_WORKER_THREADS < 0:
    raise ImproperlyConfigured(
        f"DB_WORKER_THREADS={DB_WORKER_THREADS} is invalid: use 0 or a positive number of threads."
    )

# --- demo ---
# Where `make run` serves the demo: seed_demo prints links to it and allows it as the demo
# web widget's origin.
DEMO_SITE_URL = env.str("DEMO_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
