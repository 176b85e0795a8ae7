"""Background work: a task takes a frame id and calls the service."""

from django_tasks import task


@task()
def frame_import_task(frame_id: int) -> str:
    from hailong.sampling.models import Frame
    from hailong.sampling.services import frame_import

    frame = Frame.objects.get(pk=frame_id)
    return frame_import(frame=frame).status
