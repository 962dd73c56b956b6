from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembershipConfig(AppConfig):
    name = "taawun.membership"
    label = "membership"
    verbose_name = _("Membership")

    def ready(self) -> None:
        from taawun.accounts.signals import name_changed
        from taawun.membership.caching import on_name_changed

        name_changed.connect(on_name_changed, dispatch_uid="membership.name_changed")
