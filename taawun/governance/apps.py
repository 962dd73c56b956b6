from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "taawun.governance"
    label = "governance"
    verbose_name = _("Democratic governance")

    def ready(self) -> None:
        from taawun.membership.signals import member_applied

        def on_applied(sender: Any, member: Any, **kwargs: Any) -> None:
            from taawun.governance.actions import open_admission_poll

            open_admission_poll(member)

        # weak=False: the receiver is a local function and must outlive ready().
        member_applied.connect(on_applied, weak=False, dispatch_uid="governance.admission_poll")
