"""Every write of the reports app: export jobs and their files.

``export_request`` makes (or reuses) a job and enqueues its task once the transaction commits;
``export_execute`` (the task) writes the file under the export folder, with the job's progress
updated as it goes, then marks it done — or failed, with the reason. A done run never changes, so a
done job's file is reused for the same run, unit, kind and language.
"""

from __future__ import annotations

import logging
import uuid

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from hailong.audit.models import AuditAction
from hailong.audit.services import audit_record
from hailong.indices.models import EstimationRun
from hailong.reports.choices import ExportKind, ExportStatus
from hailong.reports.models import ExportJob
from hailong.units.models import Unit

logger = logging.getLogger(__name__)


@transaction.atomic
def export_request(
    *,
    run: EstimationRun,
    kind: str,
    actor,
    unit: Unit | None = None,
    language: str = "vi",
    request=None,
    enqueue: bool = True,
) -> ExportJob:
    """A job making ``kind`` of ``run`` (for ``unit``, or the whole campaign) for ``actor``, who must
    be allowed it (``reports.selectors.export_allowed``). Audited."""
    from hailong.reports.exports import export_dir, export_filename
    from hailong.reports.selectors import export_allowed

    if kind not in ExportKind.values or not export_allowed(actor, run, unit, kind):
        raise PermissionDenied(kind)
    reusable = (
        ExportJob.objects.filter(run=run, unit=unit, kind=kind, language=language, status=ExportStatus.DONE)
        .order_by("-finished_at")
        .first()
    )
    if reusable is not None and (export_dir() / reusable.file).is_file():
        job = ExportJob.objects.create(
            run=run,
            unit=unit,
            kind=kind,
            language=language,
            status=ExportStatus.DONE,
            progress=100,
            file=reusable.file,
            filename=reusable.filename,
            size=reusable.size,
            created_by=actor,
            finished_at=timezone.now(),
        )
    else:
        job = ExportJob.objects.create(
            run=run,
            unit=unit,
            kind=kind,
            language=language,
            filename=export_filename(run, unit, kind),
            created_by=actor,
        )
        if enqueue:
            from hailong.reports.tasks import export_job_task

            transaction.on_commit(lambda: export_job_task.enqueue(job.pk))
    audit_record(
        action=AuditAction.RESULTS_EXPORTED,
        actor=actor,
        request=request,
        unit=unit or run.campaign.organiser,
        target=run,
        details={"kind": kind, "job": job.pk, "unit": unit.code if unit else "", "language": language},
    )
    return job


def _progress(job: ExportJob, percent: int) -> None:
    percent = max(0, min(100, int(percent)))
    if percent != job.progress:
        job.progress = percent
        ExportJob.objects.filter(pk=job.pk).update(progress=percent)


def export_execute(*, job: ExportJob) -> ExportJob:
    """Make the job's file (the task's body). Only a queued job starts; the file is written to a
    temporary name and renamed when complete, so a half-written file is never downloaded."""
    from hailong.reports.exports import build, export_dir

    started = ExportJob.objects.filter(pk=job.pk, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING, progress=1
    )
    if not started:
        job.refresh_from_db()
        return job
    job.status = ExportStatus.RUNNING
    folder = export_dir() / f"run{job.run_id}"
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{uuid.uuid4().hex}-{job.filename}"
    partial = folder / f".{name}.part"
    try:
        build(job, partial, progress=lambda percent: _progress(job, min(percent, 99)))
        partial.rename(folder / name)
    except Exception as exc:  # the job must say it failed, whatever went wrong
        logger.exception("export job %s failed", job.pk)
        partial.unlink(missing_ok=True)
        job.status, job.finished_at = ExportStatus.FAILED, timezone.now()
        job.error = (str(exc) or type(exc).__name__)[:2000]
        job.save(update_fields=["status", "error", "finished_at"])
        return job
    job.file = f"run{job.run_id}/{name}"
    job.size = (folder / name).stat().st_size
    job.status, job.progress, job.finished_at = ExportStatus.DONE, 100, timezone.now()
    job.save(update_fields=["file", "size", "status", "progress", "finished_at"])
    return job
