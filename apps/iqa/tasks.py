"""Background work of internal quality assurance. Tasks take ids, call one service and are idempotent."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def build_report(report_id: int) -> str:
    from .reports import report_build

    return report_build(report_id=report_id)


@shared_task(acks_late=True)
def recover_reports() -> dict[str, int]:
    """Run by Celery beat: reports whose worker died are taken up again or failed."""
    from .reports import reports_recover

    return reports_recover()
