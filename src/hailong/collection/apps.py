from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollectionConfig(AppConfig):
    name = "hailong.collection"
    label = "collection"
    verbose_name = _("Collecting answers")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from hailong.campaigns.models import Campaign
        from hailong.collection.links import forget_on_change
        from hailong.collection.models import PublicLink

        # Cache invalidation is the one job signals do here: the link memory of this process
        # must not outlive a change to a campaign or a link.
        post_save.connect(forget_on_change, sender=Campaign, dispatch_uid="links_campaign")
        post_save.connect(forget_on_change, sender=PublicLink, dispatch_uid="links_link")
