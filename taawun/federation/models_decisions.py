"""Network decisions: a network asks its member cooperatives a question,
each cooperative answers as one, and the network counts.

Two sides, possibly on two instances:

- the network's own instance keeps the question (``NetworkDecision``) and
  the answers that reached it (``NetworkAnswer``, one per cooperative);
- a member cooperative's instance keeps what its cooperative answered
  (``CoopAnswer``), directly or through an internal poll. The question
  itself is a ``RemoteObject`` there, unless the network lives on the same
  instance.

Every step is also in the ledgers (the network's chain and the
cooperative's), which hold the history: a row here keeps only the latest.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from taawun.federation.models import URI_LENGTH, Actor, RemoteObject
from taawun.governance.models import Poll
from taawun.membership.models import Cooperative, Member, Network

__all__ = ["CoopAnswer", "NetworkAnswer", "NetworkDecision"]


class NetworkDecision(models.Model):
    """A question a network hosted here puts to its member cooperatives."""

    class State(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    network = models.ForeignKey(Network, on_delete=models.PROTECT, related_name="decisions")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("question"), max_length=200)
    body = models.TextField(_("details"), blank=True, max_length=20000)  # Markdown
    options = models.JSONField(default=list)
    quorum = models.DecimalField(max_digits=4, decimal_places=3)
    threshold = models.DecimalField(max_digits=4, decimal_places=3)
    # The member cooperatives' actor URIs when the question opened: the
    # roll, frozen as for any poll; only they are asked and counted.
    roll = models.JSONField(default=list)
    opened_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    closes_at = models.DateTimeField(_("closes at"))
    state = models.CharField(max_length=8, choices=State.choices, default=State.OPEN)
    result = models.JSONField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("network decision")
        verbose_name_plural = _("network decisions")
        ordering: ClassVar = ["-opened_at", "-id"]
        indexes: ClassVar = [models.Index(fields=["state", "closes_at"], name="decision_deadline")]

    def __str__(self) -> str:
        return self.title

    @property
    def uri(self) -> str:
        from taawun.federation.identity import object_uri

        return object_uri("question", self.public_id)


class NetworkAnswer(models.Model):
    """The current answer of one member cooperative (local or on another
    instance) to a network decision. A later answer before the close
    replaces it; the network's ledger keeps every one."""

    decision = models.ForeignKey(NetworkDecision, on_delete=models.PROTECT, related_name="answers")
    cooperative = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(max_length=200)
    uri = models.CharField(max_length=URI_LENGTH)  # the answer Note's id
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["decision", "cooperative"], name="one_answer_per_coop")
        ]

    def __str__(self) -> str:
        return f"{self.cooperative_id} → {self.choice}"


class CoopAnswer(models.Model):
    """What one of our cooperatives answers to a network's question: sent by
    an officer, or waiting for an internal poll whose winner is then sent."""

    class State(models.TextChoices):
        POLLING = "polling", _("the members are voting")
        SENT = "sent", _("answer sent")
        UNANSWERED = "unanswered", _("no answer came out of the poll")

    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="network_answers"
    )
    question_uri = models.CharField(max_length=URI_LENGTH)
    # One of the two: the question as it reached us from another instance,
    # or the decision of a network on this instance.
    question = models.ForeignKey(
        RemoteObject, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.ForeignKey(
        NetworkDecision, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(max_length=10, choices=State.choices)
    choice = models.CharField(max_length=200, blank=True)
    poll = models.ForeignKey(
        Poll, null=True, blank=True, on_delete=models.PROTECT, related_name="network_answers"
    )
    answered_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    uri = models.CharField(max_length=URI_LENGTH, blank=True)  # the last answer Note's id
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["cooperative", "question_uri"], name="one_coop_answer_per_question"
            )
        ]

    def __str__(self) -> str:
        return f"{self.cooperative_id} on {self.question_uri}: {self.choice or self.state}"
