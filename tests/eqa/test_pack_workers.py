"""A worker killed (kill -9) while it builds the EQA pack: once its lease lapses, `recover_packs`
(Celery beat's job, called here by the test) asks for the pack again, another worker builds it
from the start, and the pack is ready with every file, stored once."""

from __future__ import annotations

import time

import pytest

from apps.eqa import packs
from apps.eqa.models import Pack
from apps.iqa.models import SamplingPlan
from tests.certification.support_workers import worker_stack
from tests.eqa.support import eqa_world
from tests.eqa.support_pack import more_learners, open_zip, pack_world, sample_request
from tests.evidence.filefixtures import private_storage, stored_objects  # noqa: F401  (a fixture)
from tests.iqa.support_reports import sampled_unit

SAMPLED = 24  # one sample record PDF each: enough steps to kill the worker in the middle


def wait(condition, timeout: float, what: str, stack) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:.0f} s for {what}\n{stack.log()}")
        time.sleep(0.2)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_pack_leaves_a_pack_built_again_by_another(private_storage, settings, tmp_path,  # noqa: F811
                                                                      monkeypatch):
    settings.ATTEST_OUTBOX_EAGER = False
    settings.ATTEST_TASK_LEASE_SECONDS = 10
    # The relay of the workers' stack hands the work over, to their own broker (support_workers).
    monkeypatch.setattr("apps.core.outbox.dispatch", lambda **kwargs: 0)
    world = eqa_world()
    pw = pack_world(world)
    plan = SamplingPlan.objects.get(pk=pw.plan.pk)
    learners = more_learners(world, SAMPLED)
    for enrolment in learners:
        sampled_unit(enrolment, assessor=world.assessor.user, iqa=world.iqa.user, plan=plan)
    request = sample_request(world, learners)

    with worker_stack(tmp_path / "stack", lease_seconds=10) as stack:
        first = stack.worker("first")
        pack = packs.pack_request(actor=world.eqa.user, grant=world.grant, request_id=request.pk)
        wait(lambda: Pack.objects.get(pk=pack.pk).steps_done >= 6, 180, "the first worker to write some files", stack)
        stack.kill(first)
        killed = Pack.objects.get(pk=pack.pk)
        print(f"\nkilled the worker at step {killed.steps_done} of {killed.steps_total} ({killed.step_label})")
        assert killed.status == Pack.Status.BUILDING and killed.steps_done < killed.steps_total

        stack.worker("second")

        def rebuilt() -> bool:
            packs.packs_recover()  # what beat does every minute
            return Pack.objects.get(pk=pack.pk).status not in packs.UNFINISHED

        wait(rebuilt, 240, "the pack to be built again", stack)
    pack.refresh_from_db()
    assert pack.status == Pack.Status.READY, pack.error
    assert pack.attempts == 2 and pack.steps_done == pack.steps_total
    names = open_zip((private_storage / pack.file.name).read_bytes()).namelist()
    assert len([n for n in names if n.startswith("04-sample-records/")]) == SAMPLED
    assert len([p for p in stored_objects(private_storage) if "eqa-packs" in str(p)]) == 1
