from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembershipConfig(AppConfig):
    name = "taawun.membership"
    label = "membership"
    verbose_name = _("Membership")

    def ready(self) -> None:
        from taawun.accounts.signals import profile_changed
        from taawun.membership.caching import on_profile_changed

        profile_changed.connect(on_profile_changed, dispatch_uid="membership.profile_changed")
