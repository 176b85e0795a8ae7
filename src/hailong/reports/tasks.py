"""Background work: a task takes an export job's id and calls the service."""

from django_tasks import task


@task()
def export_job_task(job_id: int) -> str:
    from hailong.reports.models import ExportJob
    from hailong.reports.services import export_execute

    job = ExportJob.objects.select_related("run__campaign__organiser", "run__version", "unit").get(pk=job_id)
    return export_execute(job=job).status
