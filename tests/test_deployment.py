"""The production configuration: secure by default, and the compose file a deployer runs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "a-long-random-production-key-used-only-by-this-test-0123456789",
    "DATABASE_URL": "postgres://attest@db.invalid/attest",
    "REDIS_URL": "redis://redis.invalid:6379",
    "ALLOWED_HOSTS": "attest.example",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    # The browser tests allow async-unsafe ORM calls in this process; production never does.
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV and k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean | env, capture_output=True, text=True, timeout=120
    )


def test_the_deployment_checklist_reports_nothing():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", env=PRODUCTION_ENV | {"SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


def compose_command() -> list[str] | None:
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return [docker, "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def test_docker_compose_accepts_the_deployment_file():
    command = compose_command()
    if command is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is installed (CI installs docker-compose)")
    result = subprocess.run([*command, "-f", "docker-compose.yml", "config"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    for service in ("postgres:", "redis:", "files:", "web:", "worker:", "beat:"):
        assert service in result.stdout


@pytest.mark.django_db
def test_the_client_address_comes_from_the_trusted_proxy(rf, settings):
    from apps.audit.middleware import client_ip

    request = rf.get("/", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7", REMOTE_ADDR="10.0.0.2")
    assert client_ip(request) == "10.0.0.2"
    settings.NUM_PROXIES = 1
    assert client_ip(request) == "198.51.100.7"


def test_file_storage_works_against_an_s3_compatible_server(settings):
    """The storage health check, run against a real S3 API server on this machine (moto)."""
    import boto3
    from django.core.files.storage import default_storage
    from moto.server import ThreadedMotoServer

    from apps.core.health import check_storage

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        credentials = {"aws_access_key_id": "test", "aws_secret_access_key": "test", "region_name": "eu-west-2"}
        boto3.client("s3", endpoint_url=endpoint, **credentials).create_bucket(
            Bucket="attest-files", CreateBucketConfiguration={"LocationConstraint": "eu-west-2"}
        )
        settings.STORAGES = settings.STORAGES | {
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": "attest-files",
                    "endpoint_url": endpoint,
                    "access_key": "test",
                    "secret_key": "test",
                    "region_name": "eu-west-2",
                    "default_acl": "private",
                    "querystring_auth": True,
                },
            }
        }
        # Changing STORAGES resets Django's storage handles (django.test.signals).
        assert check_storage() == "ok"
        assert type(default_storage._wrapped).__name__ == "S3Storage"
        objects = boto3.client("s3", endpoint_url=endpoint, **credentials).list_objects_v2(Bucket="attest-files")
        assert objects.get("KeyCount", 0) == 0  # the probe file was removed again
    finally:
        server.stop()
