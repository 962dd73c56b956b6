from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EconomyConfig(AppConfig):
    name = "taawun.economy"
    label = "economy"
    verbose_name = _("Fair economy")
