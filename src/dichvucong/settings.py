"""Settings, read from the environment.

Every value has a safe default for the embedded mode of `make run` (SQLite, local
memory cache, tasks run in-process, simulators on). Production sets
``DJANGO_ENV=production`` and must then provide ``SECRET_KEY``, ``DATABASE_URL``,
``REDIS_URL`` and ``ALLOWED_HOSTS``; the process refuses to start without them.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", PROJECT_ROOT / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


ENVIRONMENT = os.environ.get("DJANGO_ENV", "development")
PRODUCTION = ENVIRONMENT == "production"
DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set in production")
    SECRET_KEY = "embedded-mode-only-not-a-secret"  # noqa: S105 - never used in production

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

SIMULATORS_ENABLED = env_bool("SIMULATORS_ENABLED", not PRODUCTION)
# Simulators with templates or static files of their own are apps, installed only with them.
SIMULATOR_APPS = ["simulators.ministry"] if SIMULATORS_ENABLED else []

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "django_prometheus",
    "dichvucong.core",
    "dichvucong.ops",
    "dichvucong.catalog",
    "dichvucong.accounts",
    "dichvucong.dossiers",
    "dichvucong.datastore",
    "dichvucong.payments",
    "dichvucong.postal",
    "dichvucong.notifications",
    "dichvucong.backoffice",
    "dichvucong.results",
    "dichvucong.exchange",
    "oauth2_provider",  # before sso: its admin registrations are replaced by the portal's
    "dichvucong.sso",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    *SIMULATOR_APPS,
]
AUTH_USER_MODEL = "accounts.User"

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "dichvucong.core.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "dichvucong.accounts.middleware.SessionAssuranceMiddleware",
    "dichvucong.accounts.middleware.AdminAssuranceMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

if PRODUCTION:
    # Static files from the web process itself, compressed and cached forever, behind nginx.
    MIDDLEWARE.insert(2, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "dichvucong.urls"
WSGI_APPLICATION = "dichvucong.wsgi.application"
ASGI_APPLICATION = "dichvucong.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": not PRODUCTION,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "dichvucong.core.context_processors.language_urls",
            ],
        },
    }
]
if PRODUCTION:
    # Compiled templates are cached per process; APP_DIRS must be off with explicit loaders.
    TEMPLATES[0]["OPTIONS"]["loaders"] = [
        (
            "django.template.loaders.cached.Loader",
            [
                "django.template.loaders.filesystem.Loader",
                "django.template.loaders.app_directories.Loader",
            ],
        )
    ]

# --- Database -----------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if PRODUCTION and not DATABASE_URL:
    raise ImproperlyConfigured("DATABASE_URL must be set in production")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL or f"sqlite:///{VAR_DIR / 'dichvucong.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, sessions, rate limits --------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if PRODUCTION and not REDIS_URL:
    raise ImproperlyConfigured("REDIS_URL must be set in production")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "dvc"),
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Celery ------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = None
# Without a broker the embedded mode runs tasks in-process, synchronously.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not (REDIS_URL or "CELERY_BROKER_URL" in os.environ))
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Asia/Ho_Chi_Minh"
CELERY_BEAT_SCHEDULE = {
    "check-registries": {"task": "ops.check_registries", "schedule": 60.0},
    "draft-reminders": {"task": "dossiers.remind_and_expire_drafts", "schedule": 3600.0},
    # Daily, in the morning (Vietnam time), so a reminder arrives when people read mail.
    "datastore-expiry-reminders": {"task": "datastore.remind_expiring_documents", "schedule": crontab(hour=7, minute=0)},
    "payments-recover-pending": {"task": "payments.recover_pending", "schedule": 300.0},
    "payments-unpaid-reminders": {"task": "payments.remind_and_expire_unpaid", "schedule": 3600.0},
    # The platform's file for a day is final after midnight; 02:30 leaves it time.
    "payments-reconcile": {"task": "payments.reconcile", "schedule": crontab(hour=2, minute=30)},
    # Postal bookings the carrier could not take, or whose task was never queued (F2).
    "postal-book-pending": {"task": "postal.book_pending", "schedule": 300.0},
    "postal-refresh-stale": {"task": "postal.refresh_stale", "schedule": 3600.0},
    "backoffice-deadlines": {"task": "backoffice.check_deadlines", "schedule": 900.0},
    "dossiers-hand-over-pending": {"task": "dossiers.hand_over_pending", "schedule": 300.0},
    "exchange-deliver-pending": {"task": "exchange.deliver_pending", "schedule": 60.0},
    "exchange-apply-pending": {"task": "exchange.apply_pending", "schedule": 60.0},
    "exchange-watch-connections": {"task": "exchange.watch_connections", "schedule": 300.0},
}
# A dossier is "due soon" this many hours before its appointed date (G2).
BACKOFFICE_DUE_SOON_HOURS = float(os.environ.get("BACKOFFICE_DUE_SOON_HOURS", "24"))

# --- Internationalisation ----------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "dvc_lang"
LANGUAGE_COOKIE_SECURE = PRODUCTION
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

# --- Static files ------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", PROJECT_ROOT / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))

# --- Security ----------------------------------------------------------------
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
SECURE_HSTS_SECONDS = 31536000 if PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = PRODUCTION
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "__Host-dvc_session" if PRODUCTION else "dvc_session"
CSRF_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_NAME = "__Host-dvc_csrf" if PRODUCTION else "dvc_csrf"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy: no inline script or style anywhere in the templates.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'self'; object-src 'none'"
)
# Pages whose forms may end in a redirect to a registered OpenID client (core.middleware).
# and to the payment platform's page (payments).
CSP_FORM_REDIRECT_PATHS = ("/tai-khoan/", "/en/tai-khoan/", "/oidc/", "/thanh-toan/", "/en/thanh-toan/")
CSP_FORM_ACTION_ORIGINS = "dichvucong.core.form_redirects.form_redirect_origins"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- API ---------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_THROTTLE_CLASSES": ["dichvucong.core.throttling.ClientRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "client": os.environ.get("API_RATE_LIMIT", "600/min"),
        "exchange": os.environ.get("EXCHANGE_RATE_LIMIT", "12000/min"),
    },
    "EXCEPTION_HANDLER": "dichvucong.core.api_errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "dichvucong API",
    "DESCRIPTION": "Open API of the public service portal: the procedure catalog (K3, M9).",
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
}
API_CACHE_SECONDS = int(os.environ.get("API_CACHE_SECONDS", "300"))

# --- Logging: JSON lines, no personal data -----------------------------------
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "dichvucong.ops.logging.RedactPersonalData"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["redact"]}
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # The request logger would print full URLs, which can carry search text.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # Every success would be logged with the identifier; the audit trail records them instead.
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}

# --- The catalog -------------------------------------------------------------
CATALOG_DATASET = Path(os.environ.get("CATALOG_DATASET", BASE_DIR / "catalog" / "dataset" / "catalog.json.gz"))
SEARCH_INDEX_CHECK_SECONDS = float(os.environ.get("SEARCH_INDEX_CHECK_SECONDS", "5"))

# --- Dossiers (issue 4) -------------------------------------------------------
# Received on a working day after this time, a dossier counts from the next working day.
DOSSIER_DAY_CUTOFF = os.environ.get("DOSSIER_DAY_CUTOFF", "15:00")
# A draft untouched this long gets a reminder (A7), then expires (cancelled by the system).
DRAFT_REMIND_AFTER_DAYS = int(os.environ.get("DRAFT_REMIND_AFTER_DAYS", "20"))
DRAFT_EXPIRE_AFTER_DAYS = int(os.environ.get("DRAFT_EXPIRE_AFTER_DAYS", "30"))
# A stored document this close to its valid_until shows "Sắp hết hạn" and its owner is e-mailed once (A7).
DATASTORE_EXPIRY_REMIND_DAYS = int(os.environ.get("DATASTORE_EXPIRY_REMIND_DAYS", "30"))
ATTACHMENT_MAX_BYTES = int(os.environ.get("ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024)))
ATTACHMENT_MAX_PAGES = int(os.environ.get("ATTACHMENT_MAX_PAGES", "50"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # Django's default; files stream to disk above it
# "clamd" (production, ClamAV) or "eicar" (embedded mode: recognises only the EICAR test file).
MALWARE_SCANNER = os.environ.get("MALWARE_SCANNER", "clamd" if PRODUCTION else "eicar")
CLAMD_HOST = os.environ.get("CLAMD_HOST", "127.0.0.1")
CLAMD_PORT = int(os.environ.get("CLAMD_PORT", "3310"))
CLAMD_TIMEOUT_SECONDS = float(os.environ.get("CLAMD_TIMEOUT_SECONDS", "10"))
# A filed dossier whose fee is unpaid gets a reminder (A7), then is cancelled.
UNPAID_REMIND_AFTER_HOURS = int(os.environ.get("UNPAID_REMIND_AFTER_HOURS", "24"))
UNPAID_EXPIRE_AFTER_DAYS = int(os.environ.get("UNPAID_EXPIRE_AFTER_DAYS", "7"))

# --- Identity (issue 3: B1–B6) -----------------------------------------------
AUTHENTICATION_BACKENDS = [
    # Lockout first: a locked account is refused before its password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "dichvucong.accounts.backends.IdentifierBackend",
]
# Argon2id with the OWASP parameters (19 MiB, 2 passes, 1 lane), tunable per deployment;
# older hashes are upgraded at the next sign-in. See docs/accounts.md for the measured cost.
ARGON2_MEMORY_COST_KIB = int(os.environ.get("ARGON2_MEMORY_COST_KIB", "19456"))
ARGON2_TIME_COST = int(os.environ.get("ARGON2_TIME_COST", "2"))
ARGON2_PARALLELISM = int(os.environ.get("ARGON2_PARALLELISM", "1"))
PASSWORD_HASHERS = [
    "dichvucong.accounts.hashers.PortalArgon2Hasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "dichvucong.sso.hashers.ClientSecretHasher",  # OAuth client secrets only (machine-generated)
]
AUTH_PASSWORD_VALIDATORS += [{"NAME": "dichvucong.accounts.passwords.KnownBreachedPasswordValidator"}]
LOGIN_URL = "accounts:sign-in"
LOGIN_REDIRECT_URL = "accounts:profile"
# Sign-in lockout (django-axes): 5 failures per identifier lock it for 15 minutes,
# whatever the address, so guessing one account from many addresses is stopped too.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = ["username"]
# Addresses are limited separately (AUTH_RATE_LIMITS["sign_in"]): locking an address would
# lock out a whole office or mobile carrier behind one NAT address.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_USERNAME_FORM_FIELD = "identifier"
# One lockout counter per account however its identifier is spelt (case, phone formats).
AXES_USERNAME_CALLABLE = "dichvucong.accounts.identifiers.lockout_key"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "dichvucong.accounts.views.locked_out"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_DISABLE_ACCESS_LOG = True  # sign-ins are in the portal's own audit trail (AuditEvent)
AXES_SENSITIVE_PARAMETERS = ["password", "identifier"]
# Proxies whose X-Forwarded-For is believed (the nginx nodes; deploy/README.md).
TRUSTED_PROXIES = frozenset(env_list("TRUSTED_PROXIES", "127.0.0.1" if PRODUCTION else ""))
# Per-address request budgets of the endpoints that send codes or check secrets.
AUTH_RATE_LIMITS = {
    "sign_in": os.environ.get("RATE_SIGN_IN", "30/300"),
    "recovery": os.environ.get("RATE_RECOVERY", "5/900"),
    "otp_send": os.environ.get("RATE_OTP_SEND", "5/900"),
    "otp_verify": os.environ.get("RATE_OTP_VERIFY", "10/300"),
    "registration": os.environ.get("RATE_REGISTRATION", "10/3600"),
}
ONE_TIME_CODE_TTL_SECONDS = 600
ONE_TIME_CODE_MAX_ATTEMPTS = 5
OTP_TOTP_ISSUER = "Cổng Dịch vụ công"
WEBAUTHN_RP_ID = os.environ.get("WEBAUTHN_RP_ID", "")  # default: the request's host name
WEBAUTHN_RP_NAME = "Cổng Dịch vụ công quốc gia"
# The admin site (catalog, accounts, OpenID clients) needs a session at this level.
ADMIN_MIN_LEVEL = int(os.environ.get("ADMIN_MIN_LEVEL", "2" if PRODUCTION else "1"))
# Officials reach the back office with a second factor in production (G3).
BACKOFFICE_MIN_LEVEL = int(os.environ.get("BACKOFFICE_MIN_LEVEL", "2" if PRODUCTION else "1"))
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Cổng Dịch vụ công <no-reply@dichvucong.localhost>")

# Outside systems: adapters talk to the simulators of this same server unless told otherwise.
# "localhost", not 127.0.0.1: browsers allow passkeys (WebAuthn) on a domain name only.
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://localhost:8000").rstrip("/")
_SIM = f"{PUBLIC_BASE_URL}/sim"
REGISTRIES_BASE_URL = os.environ.get("REGISTRIES_BASE_URL", f"{_SIM}/registries/")
REGISTRIES_API_TOKEN = os.environ.get("REGISTRIES_API_TOKEN", "sim-registries-token")
REGISTRY_TIMEOUT_SECONDS = float(os.environ.get("REGISTRY_TIMEOUT_SECONDS", "5"))
SMS_GATEWAY_BASE_URL = os.environ.get("SMS_GATEWAY_BASE_URL", f"{_SIM}/sms/")
SMS_API_TOKEN = os.environ.get("SMS_API_TOKEN", "sim-sms-token")
EID_ISSUER = os.environ.get("EID_ISSUER", f"{_SIM}/eid")
EID_CLIENT_ID = os.environ.get("EID_CLIENT_ID", "dichvucong-portal")
EID_CLIENT_SECRET = os.environ.get("EID_CLIENT_SECRET", "sim-eid-secret")
# The eID simulator's registration of the portal: its callback in both languages.
EID_SIM_REDIRECT_URIS = [
    f"{PUBLIC_BASE_URL}{prefix}/tai-khoan/dang-nhap/vneid/callback/" for prefix in ("", "/en")
]
SIM_CA_BASE_URL = os.environ.get("SIM_CA_BASE_URL", f"{_SIM}/ca/")
REMOTE_SIGNING_BASE_URL = os.environ.get("REMOTE_SIGNING_BASE_URL", f"{_SIM}/ca/")
REMOTE_SIGNING_API_TOKEN = os.environ.get("REMOTE_SIGNING_API_TOKEN", "sim-ca-token")
SIM_CA_DIR = VAR_DIR / "sim-ca"
# The payment platform simulator's own side (docs/payment-platform-contract.md): its key,
# its merchants, and when (or whether: the tests' outbox) its callbacks leave.
SIM_PAYMENTS_SECRET = os.environ.get("SIM_PAYMENTS_SECRET", "sim-payments-secret")
SIM_PAYMENTS_MERCHANTS = set(env_list("SIM_PAYMENTS_MERCHANTS", "DVC-PORTAL"))
SIM_PAYMENTS_CALLBACK_DELAY = float(os.environ.get("SIM_PAYMENTS_CALLBACK_DELAY", "1.0"))
SIM_PAYMENTS_DELIVER_CALLBACKS = env_bool("SIM_PAYMENTS_DELIVER_CALLBACKS", True)
SIM_PAYMENTS_TIMEOUT_SECONDS = float(os.environ.get("SIM_PAYMENTS_TIMEOUT_SECONDS", "30"))
EID_SIM_KEY_FILE = VAR_DIR / "eid-sim-key.pem"
PKI_TRUST_ANCHOR_FILES = env_list("PKI_TRUST_ANCHOR_FILES", "")
# Signed results (C4, docs/results.md): each agency's signing credential, verification budgets.
AGENCY_SIGNING_DIR = Path(os.environ.get("AGENCY_SIGNING_DIR", VAR_DIR / "agency-signing"))
RESULT_VERIFICATION_RATE = os.environ.get("RATE_RESULT_VERIFICATION", "30/300")
RESULT_VERIFICATION_MAX_BYTES = int(os.environ.get("RESULT_VERIFICATION_MAX_BYTES", str(20 * 1024 * 1024)))
# The national payment platform (E1); contract in docs/payment-platform-contract.md.
PAYMENT_PLATFORM_BASE_URL = os.environ.get("PAYMENT_PLATFORM_BASE_URL", f"{_SIM}/payments/")
PAYMENT_MERCHANT_ID = os.environ.get("PAYMENT_MERCHANT_ID", "DVC-PORTAL")
PAYMENT_PLATFORM_SECRET = os.environ.get("PAYMENT_PLATFORM_SECRET", "sim-payments-secret")
PAYMENT_PLATFORM_TIMEOUT = float(os.environ.get("PAYMENT_PLATFORM_TIMEOUT", "5"))
# The origin of the platform's payment pages, when not the API's (the CSP and pay_url check).
PAYMENT_PLATFORM_PAY_ORIGIN = os.environ.get("PAYMENT_PLATFORM_PAY_ORIGIN", "")
# The public postal service (F2); contract in docs/postal-contract.md.
POSTAL_BASE_URL = os.environ.get("POSTAL_BASE_URL", f"{_SIM}/post/")
POSTAL_ACCOUNT_ID = os.environ.get("POSTAL_ACCOUNT_ID", "DVC-PORTAL")
POSTAL_SECRET = os.environ.get("POSTAL_SECRET", "sim-post-secret")
POSTAL_TIMEOUT = float(os.environ.get("POSTAL_TIMEOUT", "5"))
# The delivery fee charged when the carrier cannot quote (đồng): submission is never blocked.
POSTAL_FLAT_FEE = int(os.environ.get("POSTAL_FLAT_FEE", "35000"))
POSTAL_WEIGHT_CLASS = os.environ.get("POSTAL_WEIGHT_CLASS", "document")
POSTAL_QUOTE_CACHE_SECONDS = int(os.environ.get("POSTAL_QUOTE_CACHE_SECONDS", "3600"))
# The postal simulator's own side: its key, its accounts, whether it posts its callbacks
# (or keeps them in its outbox, the tests' setting) and how long its timeout fault waits.
SIM_POST_SECRET = os.environ.get("SIM_POST_SECRET", "sim-post-secret")
SIM_POST_ACCOUNTS = set(env_list("SIM_POST_ACCOUNTS", "DVC-PORTAL"))
SIM_POST_DELIVER_CALLBACKS = env_bool("SIM_POST_DELIVER_CALLBACKS", True)
SIM_POST_TIMEOUT_SECONDS = float(os.environ.get("SIM_POST_TIMEOUT_SECONDS", "30"))
for _name in ("REGISTRIES_API_TOKEN", "SMS_API_TOKEN", "EID_CLIENT_SECRET", "REMOTE_SIGNING_API_TOKEN",
              "PAYMENT_PLATFORM_SECRET", "POSTAL_SECRET"):
    if PRODUCTION and globals()[_name].startswith("sim-"):
        raise ImproperlyConfigured(f"{_name} must be set in production")
# Production never falls back to the simulators' addresses.
for _name in ("REGISTRIES_BASE_URL", "SMS_GATEWAY_BASE_URL", "EID_ISSUER", "REMOTE_SIGNING_BASE_URL",
              "PAYMENT_PLATFORM_BASE_URL", "PAYMENT_MERCHANT_ID", "POSTAL_BASE_URL", "POSTAL_ACCOUNT_ID"):
    if PRODUCTION and _name not in os.environ:
        raise ImproperlyConfigured(f"{_name} must be set in production")

# --- OpenID Connect provider for other portals (B5) ---------------------------
OAUTH2_PROVIDER_APPLICATION_MODEL = "sso.Client"
OIDC_KEY_FILE = Path(os.environ.get("OIDC_KEY_FILE", VAR_DIR / "oidc-signing-key.pem"))
# The exchange (H1, H2; docs/exchange.md): the portal's member code and its signing key (a JWK).
EXCHANGE_PORTAL_CODE = os.environ.get("EXCHANGE_PORTAL_CODE", "DVCQG")
EXCHANGE_KEY_FILE = Path(os.environ.get("EXCHANGE_KEY_FILE", VAR_DIR / "exchange-key.jwk"))
EXCHANGE_TIMEOUT_SECONDS = float(os.environ.get("EXCHANGE_TIMEOUT_SECONDS", "10"))
# A member is "silent" after this long without a verified message; a backlog above this alerts (H3).
EXCHANGE_SILENT_MINUTES = float(os.environ.get("EXCHANGE_SILENT_MINUTES", "15"))
EXCHANGE_BACKLOG_ALERT = int(os.environ.get("EXCHANGE_BACKLOG_ALERT", "100"))
EXCHANGE_KEY_EXPIRY_WARN_DAYS = int(os.environ.get("EXCHANGE_KEY_EXPIRY_WARN_DAYS", "30"))
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": "",  # filled by dichvucong.sso.keys at start-up (env or key file)
    "OIDC_RSA_PRIVATE_KEYS_INACTIVE": [],
    "OIDC_ISS_ENDPOINT": os.environ.get("OIDC_ISSUER", f"{PUBLIC_BASE_URL}/oidc"),
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    "OIDC_RP_INITIATED_LOGOUT_STRICT_REDIRECT_URIS": True,
    "OAUTH2_VALIDATOR_CLASS": "dichvucong.sso.validators.PortalOAuth2Validator",
    "OAUTH2_VIEW_CLASS": "oauth2_provider.oauth2_backends.OAuthLibCore",
    "PKCE_REQUIRED": True,
    "CLIENT_SECRET_HASHER": "client_sha256",
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 600,
    "ID_TOKEN_EXPIRE_SECONDS": 600,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "REFRESH_TOKEN_EXPIRE_SECONDS": 8 * 3600,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"] if PRODUCTION else ["https", "http"],
    "SCOPES": {
        "openid": "Đăng nhập / Sign in",
        "profile": "Họ tên / Name",
        "email": "Thư điện tử / E-mail",
        "phone": "Số điện thoại / Phone",
        "identity": "Số định danh, ngày sinh, giới tính / ID number, birth date, sex",
        "address": "Nơi thường trú / Permanent address",
    },
    "DEFAULT_SCOPES": ["openid"],
}
from dichvucong.sso.keys import load_signing_keys  # noqa: E402 - needs the paths above

(
    OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"],
    OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEYS_INACTIVE"],
) = load_signing_keys(OIDC_KEY_FILE, create=not PRODUCTION)
