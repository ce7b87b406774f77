"""Settings for the marketing backend, read from the environment (see .env.example).

Development defaults work with no `.env`. With DEBUG off the service refuses to start
without real secrets, so a forgotten `fly secrets set` fails the deploy instead of
hashing visitor IPs with a published pepper.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=True)

DEVELOPMENT_SECRET_KEY = "dev-only-secret-key-never-use-in-production"
DEVELOPMENT_IP_HASH_PEPPER = "dev-only-pepper-never-use-in-production"
KNOWN_DEFAULT_SECRETS = {"", "changeme", "change-me", DEVELOPMENT_SECRET_KEY, DEVELOPMENT_IP_HASH_PEPPER}

SECRET_KEY = env.str("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
IP_HASH_PEPPER = env.str("IP_HASH_PEPPER", default=DEVELOPMENT_IP_HASH_PEPPER)
if not DEBUG:
    for name, value in (("SECRET_KEY", SECRET_KEY), ("IP_HASH_PEPPER", IP_HASH_PEPPER)):
        if value.strip().lower() in KNOWN_DEFAULT_SECRETS or len(value) < 32:
            raise ImproperlyConfigured(
                f"{name} is missing, too short (< 32 chars) or a known default; set it in the environment"
            )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["*"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "drf_spectacular",
    "django_q",
    "django_ratelimit",
    "marketing",
    "tracking",
    "leads",
    "compliance",
    "metrics",
]

MIDDLEWARE = [
    "marketing.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database: PostgreSQL only. Without DATABASE_URL the project runs its own.
EMBEDDED_POSTGRES_DIR = Path(env.str("EMBEDDED_POSTGRES_DIR", default=str(BASE_DIR / ".pgdata" / "dev")))
DATABASE_URL = env.str("DATABASE_URL", default="")
USES_EMBEDDED_POSTGRES = not DATABASE_URL
if USES_EMBEDDED_POSTGRES:
    from config.embedded_postgres import embedded_database_url

    DATABASE_URL = embedded_database_url(EMBEDDED_POSTGRES_DIR)
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://...)")
# Persistent connections: a fresh connection per request costs ~4x the throughput
# on the ingest path (measured in docs/benchmarks.md).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("DB_CONN_HEALTH_CHECKS", default=False)
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env.int("DB_CONNECT_TIMEOUT", default=3)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Caches. Rate-limit counters must be shared by every gunicorn worker and
# incremented atomically; see marketing/counter_cache.py and the README.
RATELIMIT_CACHE_URL = env.str("RATELIMIT_CACHE_URL", default="")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": RATELIMIT_CACHE_URL}
        if RATELIMIT_CACHE_URL
        else {"BACKEND": "marketing.counter_cache.PostgresCounterCache", "LOCATION": "marketing_rate_counter"}
    ),
}
RATELIMIT_USE_CACHE = "ratelimit"
RATELIMIT_EVENTS = env.str("RATELIMIT_EVENTS", default="600/m")
RATELIMIT_LEADS = env.str("RATELIMIT_LEADS", default="10/m")
# django_ratelimit.W001 only says the backend is not on its list of tested ones; both
# of ours increment atomically and are shared (E003 stays on).
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-ca"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Production transport security (Fly terminates TLS and sets X-Forwarded-Proto).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True

# --- Public API
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=["http://localhost:8000", "http://127.0.0.1:8000"])
CORS_URLS_REGEX = r"^/v1/.*$"
# Hosts of the marketing site itself: a referrer from one of them is internal traffic.
SITE_HOSTS = env.list("SITE_HOSTS", default=[])

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "marketing.api_errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Marketing backend API",
    "DESCRIPTION": "Visitor events, lead capture and consent for a static marketing site.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
}

# --- Request context (SPEC §2)
# Where the client IP comes from: "fly" (Fly-Client-IP), "xff" (X-Forwarded-For with
# TRUSTED_PROXY_HOPS proxies in front of us) or "socket" (REMOTE_ADDR).
CLIENT_IP_SOURCE = env.str("CLIENT_IP_SOURCE", default="socket")
if CLIENT_IP_SOURCE not in {"fly", "xff", "socket"}:
    raise ImproperlyConfigured("CLIENT_IP_SOURCE must be one of: fly, xff, socket")
TRUSTED_PROXY_HOPS = env.int("TRUSTED_PROXY_HOPS", default=1)
GEOIP_COUNTRY_DB = env.str("GEOIP_COUNTRY_DB", default="") or None

# --- Tracking rules and retention (SPEC §1, §5)
SESSION_TIMEOUT_MINUTES = env.int("SESSION_TIMEOUT_MINUTES", default=30)
EVENT_RETENTION_DAYS = env.int("EVENT_RETENTION_DAYS", default=90)
RAW_IP_RETENTION_DAYS = env.int("RAW_IP_RETENTION_DAYS", default=7)
if not 0 <= RAW_IP_RETENTION_DAYS <= 7:
    raise ImproperlyConfigured("RAW_IP_RETENTION_DAYS must be between 0 and 7")
ROLLUP_RETENTION_MONTHS = env.int("ROLLUP_RETENTION_MONTHS", default=24)

DEMO_PAGE = env.bool("DEMO_PAGE", default=DEBUG)
PRIVACY_CONTACT_EMAIL = env.str("PRIVACY_CONTACT_EMAIL", default="privacy@example.com")

# --- Background jobs: django-q2 on the ORM broker (no extra service to run).
Q_CLUSTER = {
    "name": "marketing",
    "orm": "default",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": 1800,
    "retry": 3600,
    "max_attempts": 3,
    "catch_up": False,
}

# --- Logs: one JSON object per line on stdout; never an email or a raw IP.
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "marketing.logging.JsonFormatter"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "json"}},
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        # Request lines come from marketing.middleware; Django's own would repeat them.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        "embedded_postgres": {"level": "WARNING"},
    },
}

# --- Leads, consent and unsubscribe (leads/; SPEC §3, §6)
# Optional Cloudflare Turnstile on lead capture; unset = no challenge. The siteverify
# call blocks a request worker, so it gets a short timeout (fails closed).
TURNSTILE_SECRET_KEY = env.str("TURNSTILE_SECRET_KEY", default="")
TURNSTILE_TIMEOUT_SECONDS = env.float("TURNSTILE_TIMEOUT_SECONDS", default=3.0)
# Heuristic identity stitching: other visitors seen behind the same IP + User-Agent
# within this many minutes of a capture get a weak (≤ 0.5) same_ip_ua_window link.
# More candidates than LEAD_STITCHING_MAX_CANDIDATES looks like a shared NAT: none.
LEAD_STITCHING_ENABLED = env.bool("LEAD_STITCHING_ENABLED", default=True)
LEAD_STITCHING_WINDOW_MINUTES = env.int("LEAD_STITCHING_WINDOW_MINUTES", default=30)
LEAD_STITCHING_MAX_CANDIDATES = env.int("LEAD_STITCHING_MAX_CANDIDATES", default=3)
# Extra form fields each form declares (JSON {form_name: [field, ...]}); anything else
# a form sends is dropped, not stored. Forms not listed use "default".
LEAD_FORM_FIELDS = env.json("LEAD_FORM_FIELDS", default={"default": ["name", "company", "message"]})
# The purpose recorded with a consent when the page does not send its own text.
LEAD_CONSENT_PURPOSE = env.str(
    "LEAD_CONSENT_PURPOSE",
    default="Emails about our products, services and events. You can unsubscribe at any time.",
)
RATELIMIT_UNSUBSCRIBE = env.str("RATELIMIT_UNSUBSCRIBE", default="30/m")
# Unsubscribe links in emails are signed with SECRET_KEY and valid this long (CASL
# requires an unsubscribe mechanism to work for at least 60 days after sending).
UNSUBSCRIBE_TOKEN_MAX_AGE_DAYS = env.int("UNSUBSCRIBE_TOKEN_MAX_AGE_DAYS", default=365)
if UNSUBSCRIBE_TOKEN_MAX_AGE_DAYS < 60:
    raise ImproperlyConfigured("UNSUBSCRIBE_TOKEN_MAX_AGE_DAYS must be at least 60 (CASL)")
# Public URL of this service, for links printed outside a request (unsubscribe URLs).
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://localhost:8000" if DEBUG else "").rstrip("/")
if PUBLIC_BASE_URL and not PUBLIC_BASE_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured("PUBLIC_BASE_URL must be an http(s) URL, e.g. https://mkt-backend.fly.dev")
# Brute-force guard on the admin login form, per client IP (POSTs only).
RATELIMIT_ADMIN_LOGIN = env.str("RATELIMIT_ADMIN_LOGIN", default="5/m")
