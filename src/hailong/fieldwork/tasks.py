"""Background work: each task takes ids and calls a service."""

from django_tasks import task


@task()
def reminder_email_task(reminder_id: int, base_url: str) -> str:
    from hailong.fieldwork.models import Reminder
    from hailong.fieldwork.services import reminder_send

    reminder = Reminder.objects.get(pk=reminder_id)
    return reminder_send(reminder=reminder, base_url=base_url).status


@task()
def activation_email_task(user_id: int, base_url: str) -> bool:
    from hailong.accounts.models import User
    from hailong.fieldwork.activation import activation_email_send

    return activation_email_send(user=User.objects.get(pk=user_id), base_url=base_url)


@task()
def fieldwork_sync_task(campaign_id: int) -> int:
    from hailong.campaigns.models import Campaign
    from hailong.fieldwork.services import fieldwork_sync

    return fieldwork_sync(Campaign.objects.get(pk=campaign_id))
