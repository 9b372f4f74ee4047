"""Background work of certification. Tasks take ids, call one service and are idempotent: a
task delivered again (its worker killed) finds its documents made, or completes the ones it had
reserved under the same numbers."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def make_document(document_id: int) -> str:
    from .documents import document_make

    return document_make(document_id=document_id).number


@shared_task(acks_late=True)
def make_run_documents(run_id: int, line_ids: list[int]) -> int:
    from .documents import run_documents_make

    return run_documents_make(run_id=run_id, line_ids=line_ids)


@shared_task(acks_late=True)
def pack_run(run_id: int) -> str:
    from .documents import run_pack

    return run_pack(run_id=run_id)


@shared_task(acks_late=True)
def recover_runs() -> dict[str, int]:
    """Run by Celery beat: runs whose workers died, and documents reserved but never made, are
    taken up again (or failed with a message)."""
    from .documents import runs_recover

    return runs_recover()
