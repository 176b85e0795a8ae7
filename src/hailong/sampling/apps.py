from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SamplingConfig(AppConfig):
    name = "hailong.sampling"
    label = "sampling"
    verbose_name = _("Sample frames and samples")

    def ready(self) -> None:
        from hailong.campaigns.signals import campaign_status_changed
        from hailong.sampling.services import on_campaign_status_changed

        # A closed campaign keeps no personal data of its frames (docs/sampling.md, "Purge").
        campaign_status_changed.connect(on_campaign_status_changed, dispatch_uid="sampling_purge")
