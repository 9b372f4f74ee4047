"""Background work on evidence files. Tasks take ids, call one service and are idempotent."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def make_thumbnail(stored_file_id: int) -> str | None:
    from .thumbnails import thumbnail_make

    return thumbnail_make(stored_file_id=stored_file_id)


@shared_task(acks_late=True)
def expire_uploads() -> int:
    """Run hourly by Celery beat: uploads untouched for 24 hours, and their bytes, are deleted."""
    from .uploads import uploads_expire

    return uploads_expire()


@shared_task(acks_late=True)
def sweep_unattached_files() -> int:
    """Run hourly by Celery beat: files uploaded over a day ago and never attached to evidence go."""
    from .storage import files_sweep

    return files_sweep()


@shared_task(acks_late=True)
def build_portfolio_export(export_id: int, base_url: str) -> None:
    from .exports import portfolio_export_build

    portfolio_export_build(export_id=export_id, base_url=base_url)


@shared_task(acks_late=True)
def recover_exports() -> dict[str, int]:
    """Run by Celery beat: exports whose worker died are taken up again or failed; stale
    temporary files are swept."""
    from django.conf import settings

    from .exports import exports_recover

    return exports_recover(base_url=settings.ATTEST_BASE_URL)
