# Attest's production image: gunicorn for the web, the same image for Celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint renders PDFs with Pango; libmagic-free, everything else is pure Python wheels.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 1000 attest
WORKDIR /app
COPY requirements.lock .
RUN pip install --no-cache-dir -r requirements.lock
COPY --chown=attest:attest . .
# collectstatic needs settings that load without services; the key is a build-time placeholder.
RUN SECRET_KEY=build-only DATABASE_URL=postgres://build@localhost/build REDIS_URL=redis://localhost:6379 \
    ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput

# The signing-keys volume is mounted here; a new named volume takes this folder's owner and mode.
RUN install -d -o attest -g attest -m 700 /srv/signing

USER attest
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "300", "--forwarded-allow-ips", "*", "--access-logfile", "-"]
