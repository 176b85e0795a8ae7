from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MethodologyConfig(AppConfig):
    name = "hailong.methodology"
    label = "methodology"
    verbose_name = _("Methodology and questionnaires")
