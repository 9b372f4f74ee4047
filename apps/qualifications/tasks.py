from celery import shared_task


@shared_task(acks_late=True)
def run_spec_import(import_id: int) -> None:
    from .spec_imports import spec_import_run

    spec_import_run(import_id=import_id)
