from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FederationConfig(AppConfig):
    name = "taawun.federation"
    label = "federation"
    verbose_name = _("Network and federation")

    def ready(self) -> None:
        from taawun.federation import signals  # noqa: F401 - connects the publishing hooks
