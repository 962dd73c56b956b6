from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "taawun.knowledge"
    label = "knowledge"
    verbose_name = _("Knowledge commons")

    def ready(self) -> None:
        # Keeps the search index in step with what it indexes.
        from taawun.knowledge import signals  # noqa: F401
