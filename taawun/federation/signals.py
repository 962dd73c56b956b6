"""Articles, calls for collaboration and events go out when they change.

Publishing runs once the transaction that saved the thing has committed
(``on_commit``): an article is saved several times while it is written
(its tags, skills and revision come after the first save) and a call's
needs after the call; by then the whole of it is there. Publishing the
same state twice sends nothing (see ``publishing.publish``), so each save
may ask. A failure to publish is logged and does not undo the member's
change (``robust``).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from taawun.knowledge.models import Article, Call, CallSkill, Event, Visibility

SHARED = (Visibility.NETWORK, Visibility.PUBLIC)


def _publish_later(model: type[Article] | type[Call] | type[Event], pk: int) -> None:
    from taawun.federation import publishing

    thing = model.objects.select_related("cooperative").filter(pk=pk).first()
    if thing is not None:
        publishing.publish(thing)


def _ask_to_publish(thing: Article | Call | Event) -> None:
    from taawun.federation import publishing

    # A cooperative-only thing matters only if it went out before (it is withdrawn).
    if thing.visibility in SHARED or publishing.was_published(thing):
        transaction.on_commit(partial(_publish_later, type(thing), thing.pk), robust=True)


def _saved(sender: Any, instance: Article | Call | Event, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        _ask_to_publish(instance)


def _need_saved(sender: Any, instance: CallSkill, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    call = Call.objects.filter(pk=instance.call_id).first()
    if call is not None:
        _ask_to_publish(call)


def _withdraw_later(thing: Article | Call | Event) -> None:
    from taawun.federation import publishing

    publishing.withdraw(thing)


def _deleted(sender: Any, instance: Article | Call | Event, **kwargs: Any) -> None:
    from taawun.federation import publishing

    if publishing.was_published(instance):
        transaction.on_commit(partial(_withdraw_later, instance), robust=True)


for model in (Article, Call, Event):
    post_save.connect(_saved, sender=model, dispatch_uid=f"federation-publish-{model.__name__}")
    post_delete.connect(
        _deleted, sender=model, dispatch_uid=f"federation-withdraw-{model.__name__}"
    )
post_save.connect(_need_saved, sender=CallSkill, dispatch_uid="federation-publish-callskill")
