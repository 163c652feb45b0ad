"""Django settings for Hotline: one module, driven by environment variables.

``HOTLINE_ENV=production`` switches on the deployment hardening that ``manage.py check
--deploy`` asks for; every secret comes from the environment (or ``<NAME>_FILE``).
"""

from __future__ import annotations

import warnings
from datetime import timedelta
from pathlib import Path

import dj_database_url

from hotline.env import ConfigError, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(env_str("HOTLINE_VAR_DIR", str(PROJECT_DIR / "var")) or "var")

ENVIRONMENT = env_str("HOTLINE_ENV", "development")
if ENVIRONMENT not in {"development", "production", "test"}:
    raise ConfigError(f"HOTLINE_ENV: expected development, production or test, got {ENVIRONMENT!r}")
PRODUCTION = ENVIRONMENT == "production"

DEBUG = env_bool("HOTLINE_DEBUG", default=not PRODUCTION)

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
    "axes",
    "django_tasks",
    "django_tasks_db",
    "hotline.accounts",
    "hotline.catalog",
    "hotline.customers",
    "hotline.integrations",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "hotline.accounts.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "hotline.accounts.middleware.UserTimezoneMiddleware",
    "hotline.accounts.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
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
DATABASE_URL = env_str("HOTLINE_DATABASE_URL") or f"sqlite:///{VAR_DIR / 'hotline.sqlite3'}"
_db = dj_database_url.parse(DATABASE_URL, conn_max_age=0)
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["OPTIONS"] = {
        # WAL lets readers run while the worker writes; IMMEDIATE avoids lock-upgrade deadlocks.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
            " PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
            " PRAGMA mmap_size=1073741824;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
elif _db["ENGINE"] == "django.db.backends.postgresql":
    # Under ASGI, Django's persistent connections are per thread and leak; a psycopg pool
    # gives every request a ready connection instead of a new login (several ms each).
    if env_bool("HOTLINE_DB_POOL", True):
        _db["CONN_MAX_AGE"] = 0
        _db["OPTIONS"] = {
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
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and channel layer ------------------------------------------------------------
REDIS_URL = env_str("HOTLINE_REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

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
AXES_IPWARE_PROXY_COUNT = env_int("HOTLINE_PROXY_COUNT", 0)
AXES_VERBOSE = False

# With Redis, sessions are read from the shared cache and written through to the database.
# A per-process memory cache could keep a logged-out session alive in another worker, so
# without Redis sessions stay in the database only.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if REDIS_URL
    else "django.contrib.sessions.backends.db"
)
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
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
]
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns about a missing root
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
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
# the same interface from its own process (`hotline boss-demo`, started by `hotline run`).
BOSS = {
    "URL": env_str(
        "HOTLINE_BOSS_URL",
        "http://127.0.0.1:8001/demo-boss/api/v1" if ENVIRONMENT == "development" else "",
    )
    or "",
    "USERNAME": env_str("HOTLINE_BOSS_USERNAME", "" if PRODUCTION else "hotline") or "",
    "PASSWORD": env_str("HOTLINE_BOSS_PASSWORD", "" if PRODUCTION else "demo-boss-password") or "",
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
    "DEMO": env_bool("HOTLINE_DEMO_BOSS", default=not PRODUCTION),
}

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
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "hotline.integrations.api.errors.api_exception_handler",
}
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

# --- Hotline ----------------------------------------------------------------------------
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
        # httpx logs every BOSS request at INFO; failures reach the page and the breaker.
        "httpx": {"level": "WARNING"},
    },
}
