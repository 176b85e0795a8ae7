"""``hailong fieldwork sync``: link answers that came in through personal links (run it from cron)."""

from django.core.management.base import BaseCommand, CommandError

from hailong.campaigns.models import Campaign, CampaignStatus
from hailong.core.messages import bilingual, lazy_format
from hailong.fieldwork.services import fieldwork_sync


class Command(BaseCommand):
    help = "Fieldwork upkeep. 'sync': link invitation answers to their sampled people (open campaigns, or --campaign CODE)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["sync"])
        parser.add_argument("--campaign", help="campaign code (default: every open campaign)")

    def handle(self, *args, action: str, campaign: str | None = None, **options):
        from django.utils.translation import gettext_lazy as _

        if campaign:
            campaigns = list(Campaign.objects.filter(code=campaign))
            if not campaigns:
                raise CommandError(
                    bilingual(lazy_format(_("No campaign has the code {code}."), code=campaign))
                )
        else:
            campaigns = list(
                Campaign.objects.filter(status=CampaignStatus.OPEN, samples__isnull=False).distinct()
            )
        for item in campaigns:
            linked = fieldwork_sync(item)
            self.stdout.write(
                bilingual(
                    lazy_format(
                        _("{campaign}: {n} answer(s) linked to sampled people."), campaign=item.code, n=linked
                    )
                )
            )
