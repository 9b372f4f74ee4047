"""Production: every service from the environment; refuses to start without its secrets."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import configure_services, env

SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set in production")
DEBUG = False
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
# The public address emailed links point to: ATTEST_BASE_URL, else https:// and the first of
# ALLOWED_HOSTS (never the development default of 127.0.0.1).
ATTEST_BASE_URL = env("ATTEST_BASE_URL", default="").rstrip("/")
if not ATTEST_BASE_URL:
    # A pattern (".college.ac.uk", "*") names no one host: ATTEST_BASE_URL must then say which.
    _host = next((host for host in ALLOWED_HOSTS if host and not host.startswith(".") and "*" not in host), "")
    if not _host:
        raise ImproperlyConfigured(
            "ATTEST_BASE_URL must be set in production (the public address emailed links point to, e.g. "
            "https://attest.example.ac.uk) where ALLOWED_HOSTS names no host"
        )
    ATTEST_BASE_URL = f"https://{_host}"

# DATABASE_URL is the app's role (rows only); DATABASE_OWNER_URL, where set, the tables' owner
# that `manage.py migrate` runs as.
globals().update(
    configure_services(
        env("DATABASE_URL"), env("REDIS_URL"), broker_db=0, cache_db=1, owner_url=env("DATABASE_OWNER_URL", default="")
    )
)

STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}  # noqa: F405

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the container's own health probe speaks plain HTTP
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
