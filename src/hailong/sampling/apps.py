from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SamplingConfig(AppConfig):
    name = "hailong.sampling"
    label = "sampling"
    verbose_name = _("Sample frames and samples")
