"""Background work: a task takes a run id and calls the service."""

from django_tasks import task


@task()
def estimation_run_task(run_id: int) -> str:
    from hailong.indices.models import EstimationRun
    from hailong.indices.services import run_execute

    run = EstimationRun.objects.get(pk=run_id)
    return run_execute(run=run).status
