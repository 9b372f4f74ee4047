import pytest


@pytest.mark.django_db(transaction=True)
def test_healthz_is_ok_when_every_service_answers(client, celery_worker_session):
    response = client.get("/healthz")
    assert response.json() == {"database": "ok", "redis": "ok", "celery": "ok", "storage": "ok", "outbox": "ok", "scanner": "off"}
    assert response.status_code == 200


@pytest.mark.django_db
def test_healthz_reports_an_unreachable_redis_as_503(client, settings):
    import socket

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.REDIS_URL = f"redis://127.0.0.1:{port}"
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok" and body["storage"] == "ok"
    assert "Connection" in body["redis"] or "refused" in body["redis"]


@pytest.mark.django_db
def test_healthz_answers_within_two_seconds_when_redis_hangs(client, settings):
    """A Redis that accepts connections but never answers (stopped, or overloaded)."""
    import socket
    import time

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)  # connections are accepted by the kernel and never read
    try:
        settings.REDIS_URL = f"redis://127.0.0.1:{listener.getsockname()[1]}"
        started = time.monotonic()
        response = client.get("/healthz")
        assert time.monotonic() - started < 2.0
        assert response.status_code == 503 and response.json()["redis"] != "ok"
    finally:
        listener.close()
