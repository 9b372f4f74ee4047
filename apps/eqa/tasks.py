"""Background work of external quality assurance. Tasks take ids, call one service and are idempotent."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def build_pack(pack_id: int) -> str:
    from .packs import pack_build

    return pack_build(pack_id=pack_id)


@shared_task(acks_late=True)
def recover_packs() -> dict[str, int]:
    """Run by Celery beat: packs whose worker died are built again, or failed with a message."""
    from .packs import packs_recover

    return packs_recover()
