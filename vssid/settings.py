"""Settings for VssID, read from the environment (design.md §4).

One module for every deployment: defaults give an embedded SQLite database so a fresh clone
runs with nothing installed; production sets DATABASE_URL, SECRET_KEY and friends.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VSSID_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_secret(name: str, filename: str, nbytes: int = 50) -> str:
    """A secret from the environment, else one generated once into var/ (never in the repo)."""
    value = os.environ.get(name)
    if value:
        return value
    path = VAR_DIR / filename
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two processes starting together must not write two different keys.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(nbytes))
    return path.read_text().strip()


SECRET_KEY = env_secret("SECRET_KEY", "secret_key")
# ---- Card QR signature (registry.cardkeys, design.md §8) ----------------------------------------
# "kid:base64url(32-byte Ed25519 private key)", older keys after it comma-separated (published, not
# used); empty: a key ring generated once into CARD_KEY_RING, rotated by `manage.py rotate_card_key`.
CARD_SIGNING_KEY = os.environ.get("CARD_SIGNING_KEY", "")
CARD_KEY_RING = Path(os.environ.get("CARD_KEY_RING", VAR_DIR / "card_keys.json"))
# A rotated-in key is published this long before it signs (the JWK set's max-age).
CARD_KEY_LEAD_SECONDS = env_int("CARD_KEY_LEAD_SECONDS", 86400)
# ---- end of card QR signature ------------------------------------------------------------------
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "ninja",  # serves Swagger UI's assets locally: no CDN is reachable
    "csp",
    "django_tasks",
    "django_tasks_db",
    "vssid",
    "places",
    "registry",
    "accounts",
    "messaging",
    "api",
    "audit",
    "enrollment",
    "support",
    "employers",
    "corrections",
    "declarations",
    "citizen",
    "counter",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "vssid.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.PasswordChangeRequiredMiddleware",
    "vssid.middleware.StaffSessionIdleMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
# Cookie-less /api/ requests (token clients) take this stack instead (vssid.wsgi): no session, CSRF,
# messages or language cookie to handle; the same security headers (vssid.middleware.ApiStackMiddleware).
API_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "vssid.middleware.ApiStackMiddleware",
]

ROOT_URLCONF = "vssid.urls"
WSGI_APPLICATION = "vssid.wsgi.application"

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
                "vssid.nav.navigation",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # How long a writer waits for SQLite's single write lock before "database is locked". The
    # embedded default serves one office's desk and a worker: write transactions are kept short
    # (milliseconds), so a wait of many seconds only happens on a loaded machine, and waiting
    # beats failing a citizen's request or stalling the worker.
    SQLITE_BUSY_TIMEOUT_MS = env_int("SQLITE_BUSY_TIMEOUT_MS", 30_000)
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web process read while the worker writes; IMMEDIATE takes the write
        # lock up front so two writers queue on busy_timeout instead of failing mid-transaction.
        "init_command": f"PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS};",
        "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
        "transaction_mode": "IMMEDIATE",
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # One test database per test process, so two suites on one machine never drop each other's.
    _test_name = os.environ.get("TEST_DATABASE_NAME") or f"test_{DATABASES['default']['NAME']}_{os.getpid()}"
    DATABASES["default"]["TEST"] = {"NAME": _test_name}
    # Prepare the few fixed hot queries of vssid.db.hot on first use (ORM queries use client-side
    # binding and are never prepared). 0 disables it, for a transaction-mode connection pooler.
    if os.environ.get("DB_PREPARED_STATEMENTS", "1") != "0":
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 0
    else:
        # Behind a transaction-mode pooler (PgBouncer) a cursor cannot outlive its transaction.
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# ---- Read replicas (vssid.dbrouter) --------------------------------------------------------------
# Comma-separated URLs of streaming replicas of DATABASE_URL: the read-only work of REPLICA_READ_PATHS
# goes there; writes, transactions and everything else stay on the primary.
DATABASE_REPLICA_URLS = [u.strip() for u in os.environ.get("DATABASE_REPLICA_URLS", "").split(",") if u.strip()]
REPLICA_MAX_LAG_S = float(os.environ.get("REPLICA_MAX_LAG_S") or 5)  # a replica further behind is skipped
REPLICA_PIN_SECONDS = env_int("REPLICA_PIN_SECONDS", 5)  # a client that wrote reads the primary this long
REPLICA_CHECK_INTERVAL_S = float(os.environ.get("REPLICA_CHECK_INTERVAL_S") or 2)  # per process and replica
REPLICA_READ_PATHS = [
    "/api/v1/me/card",
    "/api/v1/me/participation",
    "/api/v1/me/benefits",
    "/api/v1/me/medical-visits",
    "/api/v1/me/flags",
    "/api/v1/lookup/",
    "/api/v1/card-check",
    "/fhir/",
    "/ca-nhan/the-bhyt/",
    "/ca-nhan/qua-trinh/",
    "/ca-nhan/thong-tin-huong/",
    "/ca-nhan/kham-chua-benh/",
    "/tra-cuu/",
]
for _n, _url in enumerate(DATABASE_REPLICA_URLS):
    _replica = dj_database_url.parse(_url, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"])
    _replica["OPTIONS"] = {**DATABASES["default"].get("OPTIONS", {}), "connect_timeout": 2, **_replica.get("OPTIONS", {})}
    _replica["TEST"] = {"MIRROR": "default"}  # tests read the test database through it
    DATABASES[f"replica{_n}"] = _replica
if DATABASE_REPLICA_URLS:
    DATABASE_ROUTERS = ["vssid.dbrouter.ReplicaRouter"]
    MIDDLEWARE.append("vssid.dbrouter.ReplicaMiddleware")
    API_MIDDLEWARE.append("vssid.dbrouter.ReplicaMiddleware")

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.IdentifierBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Messages in the request's language: Django's MinimumLengthValidator is replaced by a subclass
# whose message is translated (Django's own stays English under "vi"); accounts.validators also
# refuses the user's name, identifiers and phone, and keeping a password that was issued.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "accounts.validators.MaximumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.PersonalDataValidator"},
]

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns at start-up when it is missing
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    # Private by default: identity photos live under MEDIA_ROOT and are never served by URL.
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Never routed: uploads are streamed only by permission-checked views. (Django needs a value.)
MEDIA_URL = "/private-media/"

SMS_BACKEND = os.environ.get("SMS_BACKEND", "console")
SMS_FILE_PATH = Path(os.environ.get("SMS_FILE_PATH", VAR_DIR / "sms.jsonl"))
# SMS_BACKEND=http: POST {"to", "kind", "body"} as JSON with "Authorization: Bearer <token>".
SMS_HTTP_URL = os.environ.get("SMS_HTTP_URL", "")
SMS_HTTP_TOKEN = os.environ.get("SMS_HTTP_TOKEN", "")
# SMS_BACKEND=smpp: the operator's SMSC (SMPP 3.4, bound as transmitter).
SMPP_HOST = os.environ.get("SMPP_HOST", "")
SMPP_PORT = env_int("SMPP_PORT", 2775)
SMPP_SYSTEM_ID = os.environ.get("SMPP_SYSTEM_ID", "")
SMPP_PASSWORD = os.environ.get("SMPP_PASSWORD", "")
SMPP_SOURCE_ADDR = os.environ.get("SMPP_SOURCE_ADDR", "BHXH")
# (dotted path of a django-tasks task, every N seconds), enqueued by `manage.py run_periodic`.
PERIODIC_TASKS: list[tuple[str, int]] = [
    ("messaging.tasks.deliver_due", 60),
    ("enrollment.tasks.expire_registrations", 600),
    ("enrollment.tasks.sweep_registration_photos", 3600),
    ("vssid.ratelimit.purge_rate_counters", 3600),
    ("support.tasks.notify_expiring_cards", 86400),
    ("employers.tasks.take_snapshot", 86400),
    ("declarations.tasks.accrue_months", 86400),
    ("declarations.tasks.flag_overdue", 86400),
    ("declarations.tasks.resume_processing", 300),
]
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "VssID <no-reply@vssid.local>")

TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}


# Reverse proxies in front of the app (vssid/clientip.py): how many, and optionally their addresses.
TRUSTED_PROXY_HOPS = env_int("TRUSTED_PROXY_HOPS", 0)
TRUSTED_PROXIES = [p.strip() for p in os.environ.get("TRUSTED_PROXIES", "").split(",") if p.strip()]

LOGIN_URL = "/dang-nhap/"
LOGIN_REDIRECT_URL = "/"
# Where links in SMS, e-mails and Form 01 point; the public address of the service.
SITE_URL = os.environ.get("SITE_URL", f"http://127.0.0.1:{os.environ.get('PORT', '8000')}")

# ---- Transport and browser security -------------------------------------------------------------
SITE_IS_HTTPS = SITE_URL.startswith("https://")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Served over https (SITE_URL says so): cookies never travel in clear, and browsers are told to
# use https only (HSTS; Django sends it on https responses only). SECURE_COOKIES=0 / HSTS_SECONDS=0
# turn them off, e.g. for a test deployment on plain http.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", SITE_IS_HTTPS and not DEBUG)
SECURE_HSTS_SECONDS = 0 if DEBUG else env_int("HSTS_SECONDS", 31_536_000 if SITE_IS_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^api/v1/health$"]  # probes from inside the network
# Behind a reverse proxy that terminates TLS: the header it sets, e.g. SECURE_PROXY_SSL_HEADER=X-Forwarded-Proto.
# Only set it when the proxy always overwrites that header, or clients could claim https.
if os.environ.get("SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + os.environ["SECURE_PROXY_SSL_HEADER"].strip().upper().replace("-", "_"), "https")
# Office staff, leads, employer HR and administrators: signed out after a working day without activity.
STAFF_SESSION_ROLES = frozenset({"staff", "lead", "employer", "admin"})
STAFF_SESSION_IDLE_SECONDS = env_int("STAFF_SESSION_IDLE_SECONDS", 8 * 3600)

# Content-Security-Policy (django-csp): every script and style is a file of our own, so nothing
# inline or from elsewhere runs even if some text slipped through escaping. In DEBUG it only
# reports, so Django's debug pages (inline styles) still render.
_CSP = {
    # Swagger UI of /api/v1/docs initialises itself with an inline script (django-ninja's template).
    "EXCLUDE_URL_PREFIXES": ["/api/v1/docs"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "manifest-src": ["'self'"],
        "worker-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
if DEBUG:
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _CSP
else:
    CONTENT_SECURITY_POLICY = _CSP
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024  # three photos of up to 5 MB each stay in memory, never on /tmp

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
