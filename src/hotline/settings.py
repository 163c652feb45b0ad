"""Django settings for Hotline: one module, driven by environment variables.

``HOTLINE_ENV=production`` switches on the deployment hardening that ``manage.py check
--deploy`` asks for; every secret comes from the environment (or ``<NAME>_FILE``).
"""

from __future__ import annotations

import warnings
from datetime import timedelta
from pathlib import Path

import dj_database_url

from hotline.env import (
    ConfigError,
    env_bool,
    env_int,
    env_list,
    env_str,
    env_url,
    installation_secret,
)

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(env_str("HOTLINE_VAR_DIR", str(PROJECT_DIR / "var")) or "var")

ENVIRONMENT = env_str("HOTLINE_ENV", "development")
if ENVIRONMENT not in {"development", "production", "test"}:
    raise ConfigError(f"HOTLINE_ENV: expected development, production or test, got {ENVIRONMENT!r}")
PRODUCTION = ENVIRONMENT == "production"

# Django's debug pages show URL patterns and tracebacks: only for developers who ask for them.
DEBUG = env_bool("HOTLINE_DEBUG", default=False)

SECRET_KEY = env_str("HOTLINE_SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ConfigError("HOTLINE_SECRET_KEY: required when HOTLINE_ENV=production")
    SECRET_KEY = "development-only-key-not-for-production-use-0123456789abcdef"  # noqa: S105

ALLOWED_HOSTS = env_list(
    "HOTLINE_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env_list("HOTLINE_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "hotline.apps.LoginThrottlingConfig",  # django-axes, under a translated name
    "django_tasks",
    "hotline.apps.TaskQueueConfig",  # django-tasks-db, under a translated name
    "hotline.apps.SiteConfig",
    "hotline.accounts",
    "hotline.calendars",
    "hotline.catalog",
    "hotline.customers",
    "hotline.integrations",
    "hotline.push",
    "hotline.scheduler",
    "hotline.telephony",
    "hotline.routing",
    "hotline.knowledge",
    "hotline.tickets",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outermost but one, so pages made by the middleware below (busy, NUL, lock-out) get it too.
    "hotline.content_security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "hotline.accounts.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "hotline.accounts.middleware.UserTimezoneMiddleware",
    "hotline.accounts.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "hotline.errors.DatabaseBusyMiddleware",
    "hotline.null_characters.NullCharacterMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # django-axes must come last: it turns a lock-out into the lock-out response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hotline.urls"
ASGI_APPLICATION = "hotline.asgi.application"

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
                "hotline.accounts.context_processors.navigation",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------
# SQLite (WAL) is the embedded default; PostgreSQL is the production database.
# A write that meets another transaction's lock waits this long, then the user is told the
# system is busy and keeps what they typed (hotline/db.py, hotline/errors.py).
DATABASE_BUSY_TIMEOUT_MS = env_int("HOTLINE_DB_BUSY_TIMEOUT_MS", 5000)
# Open SQLite connections each process keeps for the next request (hotline/dbbackends/sqlite3).
SQLITE_POOL_SIZE = env_int("HOTLINE_SQLITE_POOL", 8)
DATABASE_URL = env_str("HOTLINE_DATABASE_URL") or f"sqlite:///{VAR_DIR / 'hotline.sqlite3'}"
_db = dj_database_url.parse(DATABASE_URL, conn_max_age=0)
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # Django's backend, with a write-lock wait that keeps up with short pauses (see there).
    _db["ENGINE"] = "hotline.dbbackends.sqlite3"
    _db["OPTIONS"] = {
        # WAL lets readers run while someone writes; the busy timeout bounds a writer's wait.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
            f" PRAGMA busy_timeout={DATABASE_BUSY_TIMEOUT_MS};"
            " PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
            " PRAGMA mmap_size=1073741824;"
        ),
        # IMMEDIATE takes the write lock at BEGIN, which avoids lock-upgrade deadlocks.
        "transaction_mode": "IMMEDIATE",
    }
    if ENVIRONMENT == "test":
        # A file, as in production: WAL, and a second connection can hold a real lock.
        _db["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
elif _db["ENGINE"] == "django.db.backends.postgresql":
    # Under ASGI, Django's persistent connections are per thread and leak; a psycopg pool
    # gives every request a ready connection instead of a new login (several ms each).
    # libpq options: the lock wait is set when the connection is made, without a round trip.
    _db["OPTIONS"] = {"options": f"-c lock_timeout={DATABASE_BUSY_TIMEOUT_MS}ms"}
    if env_bool("HOTLINE_DB_POOL", True):
        _db["CONN_MAX_AGE"] = 0
        _db["OPTIONS"] |= {
            "pool": {
                "min_size": env_int("HOTLINE_DB_POOL_MIN", 2),
                "max_size": env_int("HOTLINE_DB_POOL_MAX", 20),
                "timeout": 10,
            }
        }
    else:
        _db["CONN_MAX_AGE"] = env_int("HOTLINE_DB_CONN_MAX_AGE", 0)
        _db["CONN_HEALTH_CHECKS"] = True
DATABASES = {"default": _db}
# Threads each web process runs requests on (hotline/web_threads.py, decision 0018): few on
# SQLite, whose one write lock a crowd of threads holds longer; more on PostgreSQL, where a
# request spends much of its time waiting for the database's answers.
WEB_THREADS = env_int(
    "HOTLINE_WEB_THREADS", 2 if _db["ENGINE"] == "hotline.dbbackends.sqlite3" else 8
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and channel layer ------------------------------------------------------------
REDIS_URL = env_str("HOTLINE_REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            # One connection pool per process, not one per request (hotline/redis_cache.py).
            "BACKEND": "hotline.redis_cache.SharedPoolRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "pool_class": "redis.BlockingConnectionPool",
                "max_connections": 64,
                "timeout": 5,
            },
        }
    }
    CHANNEL_LAYER_BACKENDS = {
        "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "lists": "channels_redis.core.RedisChannelLayer",
    }
    CHANNEL_LAYER = env_str("HOTLINE_CHANNEL_LAYER", "pubsub") or "pubsub"
    if CHANNEL_LAYER not in CHANNEL_LAYER_BACKENDS:
        raise ConfigError(f"HOTLINE_CHANNEL_LAYER: expected pubsub or lists, got {CHANNEL_LAYER!r}")
    CHANNEL_LAYERS = {
        "default": {
            # Redis pub/sub (decision 0024): one PUBLISH per push, delivered at once to the
            # processes subscribed; "lists" keeps channels_redis's stored-message layer (four
            # round trips a push, one more per message received).
            "BACKEND": CHANNEL_LAYER_BACKENDS[CHANNEL_LAYER],
            "CONFIG": {
                # redis-py 8 reads with a 5 s socket time-out by default, as long as the
                # layer's blocking pop waits for a message (5 s): an idle receive then fails
                # and a consumer or the switchboard's command listener dies with it.
                "hosts": [{"address": REDIS_URL, "socket_timeout": 30}],
                "prefix": env_str("HOTLINE_CHANNEL_PREFIX", "hotline") or "hotline",
            },
        }
    }
else:
    # Per-user answers (permissions, region scope, the pop's scope) are a few entries per
    # signed-in user: the default of 300 entries would throw them out again and again once
    # a hundred agents work (every request recomputing its user's permissions).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": env_int("HOTLINE_LOCAL_CACHE_ENTRIES", 20000)},
        }
    }
    CHANNEL_LAYERS = {"default": {"BACKEND": "hotline.push.memory_layer.SweptInMemoryChannelLayer"}}
# How pushes cross processes (docs/decisions/0006-push-topology.md): through the shared Redis
# channel layer, or (embedded) through the database relay into the web process's layer.
PUSH_TRANSPORT = "channel_layer" if REDIS_URL else "relay"
PUSH_RELAY_POLL_MS = env_int("HOTLINE_PUSH_RELAY_POLL_MS", 100)
# One web process may hand its own pushes straight to its in-memory layer; several may not.
PUSH_LOCAL_SEND = env_int("HOTLINE_WEB_WORKERS", 1) <= 1

# --- Background tasks (see docs/decisions/0002-task-runner.md) --------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Authentication and security --------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "hotline.accounts.backends.RoleBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if ENVIRONMENT == "test":
    # Argon2 is slow by design; tests that check hashing read the production list above.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: five failures for one username from one address lock that pair out.
AXES_FAILURE_LIMIT = env_int("HOTLINE_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("HOTLINE_LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# The address every other record uses (audit, API log): REMOTE_ADDR, which the server sets
# from X-Forwarded-For only for a trusted proxy (docs/deploy.md, FORWARDED_ALLOW_IPS).
AXES_CLIENT_IP_CALLABLE = "hotline.accounts.net.client_ip"
AXES_VERBOSE = False
# Axes' own admin pages delete lock records without an audit entry; accounts/admin_logins.py
# shows them read-only with an audited unlock instead.
AXES_ENABLE_ADMIN = False

# With Redis, sessions are read from the shared cache and written through to the database.
# Without it, the one web process of ``hotline run`` keeps them in its memory for a minute at
# most (accounts/session_cache.py); several web processes read them from the database, since
# one process's copy could keep a session signed out in another alive.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
if not REDIS_URL and PUSH_LOCAL_SEND:
    CACHES["sessions"] = {
        "BACKEND": "hotline.accounts.session_cache.ShortLivedMemoryCache",
        "OPTIONS": {"MAX_ENTRIES": 20000, "MAX_SECONDS": 60},
    }
    SESSION_CACHE_ALIAS = "sessions"
elif not REDIS_URL:
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = int(timedelta(hours=12).total_seconds())  # one shift
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the meta tag, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("HOTLINE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("HOTLINE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("HOTLINE_HSTS_PRELOAD", False)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# --- Internationalisation ---------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env_str("HOTLINE_TIME_ZONE", "Asia/Shanghai")
USE_TZ = True

# --- Static files (vendored from npm, served by WhiteNoise; no CDN at run time) ---------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("HOTLINE_STATIC_ROOT", str(VAR_DIR / "static")) or "static")
NODE_MODULES = PROJECT_DIR / "node_modules"
# src/hotline/static is found as the "hotline" app's static folder.
STATICFILES_DIRS = [
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
    ("vendor/jodit", NODE_MODULES / "jodit" / "es2021"),
]
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns about a missing root
# Uploaded files (work-order photos and attachments) go through Django's storage API: a
# folder under var/ by default; HOTLINE_FILE_STORAGE names another backend (for an
# S3-compatible store, "storages.backends.s3.S3Storage" from django-storages) with its
# options as JSON in HOTLINE_FILE_STORAGE_OPTIONS. Files are served only through views
# that check who may see them, never from a public URL.
MEDIA_ROOT = Path(env_str("HOTLINE_MEDIA_ROOT", str(VAR_DIR / "media")) or "media")
_file_storage = {
    "BACKEND": env_str("HOTLINE_FILE_STORAGE", "django.core.files.storage.FileSystemStorage")
    or "django.core.files.storage.FileSystemStorage"
}
if env_str("HOTLINE_FILE_STORAGE_OPTIONS"):
    import json as _json

    _file_storage["OPTIONS"] = _json.loads(env_str("HOTLINE_FILE_STORAGE_OPTIONS") or "{}")
STORAGES = {
    "default": _file_storage,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# WhiteNoise serves files through a synchronous iterator; under ASGI Django wraps it and warns
# on every static file. The wrapping is correct, the warning is noise.
warnings.filterwarnings(
    "ignore", message="StreamingHttpResponse must consume synchronous iterators"
)

# --- BOSS (billing system) -------------------------------------------------------------
# Reached over HTTP/JSON (integrations/boss/http.py). The demo BOSS serves the demo data over
# the same interface from its own process and port only (`hotline boss-demo`, started by
# `hotline run`); its password is made for each installation on first start and kept in
# var/, where the web process and the demo BOSS both read it. There is no fixed default.
DEMO_BOSS = env_bool("HOTLINE_DEMO_BOSS", default=not PRODUCTION)
BOSS = {
    "URL": env_str(
        "HOTLINE_BOSS_URL",
        "http://127.0.0.1:8001/demo-boss/api/v1" if ENVIRONMENT == "development" else "",
    )
    or "",
    "USERNAME": env_str("HOTLINE_BOSS_USERNAME", "hotline" if DEMO_BOSS else "") or "",
    "PASSWORD": env_str("HOTLINE_BOSS_PASSWORD", "")
    or (installation_secret(VAR_DIR / "demo-boss-password") if DEMO_BOSS else ""),
    "TOKEN": env_str("HOTLINE_BOSS_TOKEN", "") or "",
    "TIMEOUT_MS": env_int("HOTLINE_BOSS_TIMEOUT_MS", 300),
    "RETRIES": env_int("HOTLINE_BOSS_RETRIES", 2),
    "BACKOFF_MS": env_int("HOTLINE_BOSS_BACKOFF_MS", 25),
    "CACHE_SECONDS": env_int("HOTLINE_BOSS_CACHE_SECONDS", 30),
    "BREAKER_FAILURES": env_int("HOTLINE_BOSS_BREAKER_FAILURES", 5),
    "BREAKER_RESET_SECONDS": env_int("HOTLINE_BOSS_BREAKER_RESET_SECONDS", 30),
    # JSON object, BOSS field name -> ours; empty means the demo BOSS's names.
    "FIELD_MAP": env_str("HOTLINE_BOSS_FIELD_MAP", "") or "",
    "DATA_KEY": env_str("HOTLINE_BOSS_DATA_KEY", "data") or "",
    "DEMO": DEMO_BOSS,
}

# --- SMS (see integrations/sms/ and docs/decisions/0009-sms-gateway.md) ---------------
# HOTLINE_SMS_BACKEND: console (default: messages are logged and shown in the admin), smpp
# or http. Secrets (passwords, tokens) may come from <NAME>_FILE.
SMS = {
    "BACKEND": (env_str("HOTLINE_SMS_BACKEND", "console") or "console").lower(),
    # Source address / sender id (SMPP source_addr, {sender} in the HTTP body).
    "SENDER": env_str("HOTLINE_SMS_SENDER", "") or "",
    # A message the gateway could not take is retried with back-off for this long.
    "MAX_AGE_HOURS": env_int("HOTLINE_SMS_MAX_AGE_HOURS", 24),
    # Delivery status is asked for this long after sending.
    "STATUS_HOURS": env_int("HOTLINE_SMS_STATUS_HOURS", 48),
    "SMPP_HOST": env_str("HOTLINE_SMS_SMPP_HOST", "") or "",
    "SMPP_PORT": env_int("HOTLINE_SMS_SMPP_PORT", 2775),
    "SMPP_SYSTEM_ID": env_str("HOTLINE_SMS_SMPP_SYSTEM_ID", "") or "",
    "SMPP_PASSWORD": env_str("HOTLINE_SMS_SMPP_PASSWORD", "") or "",
    "SMPP_SYSTEM_TYPE": env_str("HOTLINE_SMS_SMPP_SYSTEM_TYPE", "") or "",
    "SMPP_SOURCE_TON": env_int("HOTLINE_SMS_SMPP_SOURCE_TON", 5),
    "SMPP_SOURCE_NPI": env_int("HOTLINE_SMS_SMPP_SOURCE_NPI", 0),
    "SMPP_DEST_TON": env_int("HOTLINE_SMS_SMPP_DEST_TON", 0),
    "SMPP_DEST_NPI": env_int("HOTLINE_SMS_SMPP_DEST_NPI", 1),
    "SMPP_CODING": env_str("HOTLINE_SMS_SMPP_CODING", "auto") or "auto",
    "SMPP_RECEIPTS": env_bool("HOTLINE_SMS_SMPP_RECEIPTS", True),
    "SMPP_QUERY": env_bool("HOTLINE_SMS_SMPP_QUERY", False),
    "SMPP_TIMEOUT_S": env_int("HOTLINE_SMS_SMPP_TIMEOUT_S", 10),
    "SMPP_RECEIPT_WAIT_MS": env_int("HOTLINE_SMS_SMPP_RECEIPT_WAIT_MS", 300),
    "HTTP_URL": env_str("HOTLINE_SMS_HTTP_URL", "") or "",
    "HTTP_METHOD": env_str("HOTLINE_SMS_HTTP_METHOD", "POST") or "POST",
    "HTTP_USERNAME": env_str("HOTLINE_SMS_HTTP_USERNAME", "") or "",
    "HTTP_PASSWORD": env_str("HOTLINE_SMS_HTTP_PASSWORD", "") or "",
    "HTTP_TOKEN": env_str("HOTLINE_SMS_HTTP_TOKEN", "") or "",
    "HTTP_FORMAT": env_str("HOTLINE_SMS_HTTP_FORMAT", "json") or "json",
    # JSON object; string values are templates with {to} {text} {reference} {sender}.
    "HTTP_BODY": env_str("HOTLINE_SMS_HTTP_BODY", "") or "",
    "HTTP_ID_PATH": env_str("HOTLINE_SMS_HTTP_ID_PATH", "id") or "id",
    "HTTP_SUCCESS": env_str("HOTLINE_SMS_HTTP_SUCCESS", "") or "",
    "HTTP_STATUS_URL": env_str("HOTLINE_SMS_HTTP_STATUS_URL", "") or "",
    "HTTP_STATUS_PATH": env_str("HOTLINE_SMS_HTTP_STATUS_PATH", "status") or "status",
    "HTTP_DELIVERED_VALUES": env_str("HOTLINE_SMS_HTTP_DELIVERED_VALUES", "") or "",
    "HTTP_FAILED_VALUES": env_str("HOTLINE_SMS_HTTP_FAILED_VALUES", "") or "",
    "HTTP_TIMEOUT_MS": env_int("HOTLINE_SMS_HTTP_TIMEOUT_MS", 5000),
}
if SMS["BACKEND"] not in {"console", "smpp", "http"}:
    raise ConfigError(
        f"HOTLINE_SMS_BACKEND: expected console, smpp or http, got {SMS['BACKEND']!r}"
    )
# The address technicians' phones reach Hotline at: signed links in text messages use it.
# Unset, it is the address ``hotline run`` / ``hotline web`` serves at (the CLI passes its
# host and port as HOTLINE_SERVED_URL, also to the worker ``hotline run`` starts). Production
# sits behind a proxy whose public address no process can know, so there it is required.
PUBLIC_URL = env_url("HOTLINE_PUBLIC_URL")
if not PUBLIC_URL:
    if PRODUCTION:
        raise ConfigError(
            "HOTLINE_PUBLIC_URL: required when HOTLINE_ENV=production (the address phones"
            " open the links in text messages at, e.g. https://hotline.example.com)"
        )
    PUBLIC_URL = env_url("HOTLINE_SERVED_URL", "http://127.0.0.1:8000")
SMS_LINK_MAX_AGE_HOURS = env_int("HOTLINE_SMS_LINK_MAX_AGE_HOURS", 72)

# --- REST API (see docs/api.md and docs/decisions/0005-api-tokens-and-webhooks.md) -------
REST_FRAMEWORK = {
    # Token first: its "Bearer" challenge makes an unauthenticated call answer 401, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "hotline.integrations.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["hotline.integrations.api.permissions.HasApiScopes"],
    "DEFAULT_THROTTLE_CLASSES": ["hotline.integrations.api.throttling.ApiRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": env_str("HOTLINE_API_RATE", "600/min")},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["hotline.integrations.api.parsers.LimitedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "hotline.integrations.api.errors.api_exception_handler",
}
# Webhook receivers on loopback, private, link-local or reserved addresses are refused (SSRF);
# an installation whose receivers live on its internal network switches the check off.
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env_bool("HOTLINE_WEBHOOK_ALLOW_PRIVATE", False)
SPECTACULAR_SETTINGS = {
    "TITLE": "Hotline API",
    "DESCRIPTION": "Customers and, feature by feature, the rest of Hotline. See docs/api.md.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CustomerKindEnum": "hotline.customers.models.Customer.Kind",
        "DeviceKindEnum": "hotline.customers.models.Device.Kind",
        "PhoneKindEnum": "hotline.customers.models.CustomerPhone.Kind",
    },
    # Swagger UI and ReDoc from the sidecar package: served by us, no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Scheduler and retention ------------------------------------------------------------
# HOTLINE_SCHEDULE="webhooks.sweep=30,scheduler.heartbeat=5" overrides job periods (seconds).
SCHEDULER_OVERRIDES = {
    name.strip(): int(seconds)
    for name, _, seconds in (
        item.partition("=") for item in env_list("HOTLINE_SCHEDULE", []) if "=" in item
    )
}
SCHEDULER_TICK_MS = env_int("HOTLINE_SCHEDULER_TICK_MS", 1000)
RETENTION = {
    "API_LOG_DAYS": env_int("HOTLINE_RETENTION_API_LOG_DAYS", 90),
    "IMPORT_FILES_DAYS": env_int("HOTLINE_RETENTION_IMPORT_FILES_DAYS", 7),
    "SCHEDULER_DAYS": env_int("HOTLINE_RETENTION_SCHEDULER_DAYS", 7),
    "PUSH_MINUTES": env_int("HOTLINE_RETENTION_PUSH_MINUTES", 60),
}

# --- Work orders -------------------------------------------------------------------------
TICKETS = {
    # An order for the same customer and fault category within this many days after a
    # resolved one is flagged as a repeat repair.
    "REPEAT_WINDOW_DAYS": env_int("HOTLINE_TICKETS_REPEAT_DAYS", 30),
    "ATTACHMENT_MAX_BYTES": env_int("HOTLINE_TICKETS_ATTACHMENT_MB", 10) * 1024 * 1024,
    # Timers fired per scan (the scan runs every 30 s: HOTLINE_SCHEDULE="tickets.timers=N").
    "TIMER_BATCH": env_int("HOTLINE_TICKETS_TIMER_BATCH", 500),
    # Nobody takes an order at the top of the escalation chain: its owner is reminded this
    # often (an SLA policy's own "remind every" wins).
    "TOP_REMINDER_MINUTES": env_int("HOTLINE_TICKETS_TOP_REMINDER_MINUTES", 30),
}

# --- Hotline ----------------------------------------------------------------------------
# The switchboard: "embedded" runs it inside the web process (the make-run set-up),
# "standalone" means `hotline switchboard` runs it (production), "off" nowhere here.
SWITCHBOARD = {
    "MODE": env_str(
        "HOTLINE_SWITCHBOARD",
        "standalone" if PRODUCTION else ("off" if ENVIRONMENT == "test" else "embedded"),
    ),
    "TIME_SCALE": float(env_str("HOTLINE_SWITCHBOARD_TIME_SCALE", "1") or "1"),
    "TICK_MS": env_int("HOTLINE_SWITCHBOARD_TICK_MS", 100),
    "WATCHDOG_S": env_int("HOTLINE_SWITCHBOARD_WATCHDOG_S", 5),
    "DB_THREADS": env_int("HOTLINE_SWITCHBOARD_DB_THREADS", 2),
    "COMMAND_TIMEOUT_S": env_int("HOTLINE_SWITCHBOARD_COMMAND_TIMEOUT_S", 5),
    "LOCK_KEY": env_int("HOTLINE_SWITCHBOARD_LOCK_KEY", 7_460_301),
}
if SWITCHBOARD["MODE"] not in {"embedded", "standalone", "off"}:
    raise ConfigError("HOTLINE_SWITCHBOARD: expected embedded, standalone or off")
RECORDINGS_DIR = VAR_DIR / "recordings"
HOTLINE_PAGE_SIZE = 50
HOTLINE_DEMO_CUSTOMERS = env_int("HOTLINE_DEMO_CUSTOMERS", 20000)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("HOTLINE_LOG_LEVEL", "INFO") or "INFO"},
    "loggers": {
        "axes": {"level": "WARNING"},
        "django.tasks": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        "django_tasks_db": {"level": "WARNING"},
        # httpx logs every BOSS request at INFO; failures reach the page and the breaker.
        "httpx": {"level": "WARNING"},
        # smpplib logs every connect and bind at INFO; failures reach the outbox rows.
        "hotline.sms.smpp": {"level": "WARNING"},
    },
}
