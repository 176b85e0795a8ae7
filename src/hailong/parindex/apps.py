from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParindexConfig(AppConfig):
    name = "hailong.parindex"
    label = "parindex"
    verbose_name = _("PAR INDEX")
