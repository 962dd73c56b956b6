"""Deliberation and decisions: discussions, proposals, polls, ballots, outcomes.

Secret ballots: who voted (``VoterMark``) and what was voted (``SecretBallot``)
live in two tables with nothing to join them: no timestamps, no foreign key
between them, and a random (not ordered) primary key on the ballot. The
voter keeps a receipt; the server keeps only its hash. See docs/governance.md
for what the operator of a server could still learn.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from taawun.membership.models import Cooperative, Member


class Discussion(models.Model):
    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="discussions"
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), max_length=20000)
    author = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("governance:discussion", args=[self.cooperative.slug, self.pk])


class Comment(models.Model):
    discussion = models.ForeignKey(Discussion, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("comment"), max_length=10000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["created_at", "id"]

    def __str__(self) -> str:
        return f"comment {self.pk} on {self.discussion_id}"


class Proposal(models.Model):
    discussion = models.ForeignKey(Discussion, on_delete=models.PROTECT, related_name="proposals")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("what is proposed"), max_length=20000)
    author = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.title


class Meeting(models.Model):
    """A general meeting: polls opened together, and minutes from their outcomes."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="meetings")
    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("date"))
    created_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.title


class Poll(models.Model):
    class Kind(models.TextChoices):
        CONSENT = "consent", _("consent")
        YES_NO = "yes_no", _("yes / no / abstain")
        PLURALITY = "plurality", _("single choice")
        APPROVAL = "approval", _("approval")
        SCORE = "score", _("score")
        DOTS = "dots", _("dot vote")
        IRV = "irv", _("ranked, one winner (instant runoff)")
        STV = "stv", _("ranked, several seats (single transferable vote)")
        SCHULZE = "schulze", _("ranked, Condorcet (Schulze)")
        MEETING = "meeting", _("meeting time")

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")
        DECIDED = "decided", _("outcome recorded")

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="polls")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    proposal = models.ForeignKey(
        Proposal, null=True, blank=True, on_delete=models.PROTECT, related_name="polls"
    )
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="polls"
    )
    title = models.CharField(_("question"), max_length=200)
    description = models.TextField(_("details"), blank=True, max_length=20000)
    kind = models.CharField(_("kind of poll"), max_length=12, choices=Kind.choices)
    # The choices voters pick from, in the order shown (fixed for yes/no and consent).
    options = models.JSONField(default=list)
    # Per-poll rules inside what the bylaws allow; validated by rules.check_settings.
    settings = models.JSONField(default=dict)
    state = models.CharField(max_length=8, choices=State.choices, default=State.DRAFT)
    # An admission poll decides on one applicant (the bylaws' "admission: poll").
    subject = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.PROTECT, related_name="admission_polls"
    )
    created_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    closes_at = models.DateTimeField(_("closes at"))
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    roll_size = models.PositiveIntegerField(default=0)
    roll_digest = models.CharField(max_length=64, blank=True)
    result = models.JSONField(null=True, blank=True)
    board_digest = models.CharField(max_length=64, blank=True)
    reminded = models.BooleanField(default=False)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        indexes: ClassVar = [models.Index(fields=["state", "closes_at"], name="poll_deadline")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("governance:poll", args=[self.cooperative.slug, self.pk])

    @property
    def is_secret(self) -> bool:
        return bool(self.settings.get("secret"))


class RollEntry(models.Model):
    """The voter roll, frozen when the poll opens: who may vote, with what weight."""

    poll = models.ForeignKey(Poll, on_delete=models.PROTECT, related_name="roll")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    weight = models.PositiveIntegerField(default=1)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["poll", "member"], name="one_roll_entry_each"),
        ]

    def __str__(self) -> str:
        return f"{self.poll_id}:{self.member_id}"


class Ballot(models.Model):
    """A named ballot. A change of vote is a new row; the old one is kept, replaced."""

    poll = models.ForeignKey(Poll, on_delete=models.PROTECT, related_name="ballots")
    voter = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    # Set when a proxy holder cast this ballot for the voter.
    cast_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    choice = models.JSONField()
    reason = models.TextField(blank=True, max_length=2000)
    cast_at = models.DateTimeField(default=timezone.now)
    replaced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["cast_at", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["poll", "voter"],
                condition=models.Q(replaced_at__isnull=True),
                name="one_current_ballot_each",
            ),
        ]

    def __str__(self) -> str:
        return f"ballot {self.pk} in {self.poll_id}"


class VoterMark(models.Model):
    """That a member voted in a secret poll, and nothing of what."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    poll = models.ForeignKey(Poll, on_delete=models.PROTECT, related_name="voter_marks")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["poll", "member"], name="one_mark_each"),
        ]

    def __str__(self) -> str:
        return f"mark in {self.poll_id}"


class SecretBallot(models.Model):
    """What was voted in a secret poll, and nothing of who."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    poll = models.ForeignKey(Poll, on_delete=models.PROTECT, related_name="secret_ballots")
    receipt_digest = models.CharField(max_length=64, unique=True)
    choice = models.JSONField()
    # The weight the voter's class carries (one member, one vote: 1).
    weight = models.PositiveIntegerField(default=1)
    reason = models.TextField(blank=True, max_length=2000)

    def __str__(self) -> str:
        return f"secret ballot in {self.poll_id}"


class Proxy(models.Model):
    """A member lets another vote for them in one named poll; their own vote wins."""

    poll = models.ForeignKey(Poll, on_delete=models.PROTECT, related_name="proxies")
    grantor = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    holder = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["poll", "grantor"], name="one_proxy_each"),
        ]

    def __str__(self) -> str:
        return f"{self.grantor_id}→{self.holder_id}"


class Outcome(models.Model):
    poll = models.OneToOneField(Poll, on_delete=models.PROTECT, related_name="outcome")
    statement = models.TextField(_("statement"), max_length=10000)
    review_on = models.DateField(_("review date"), null=True, blank=True)
    author = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"outcome of {self.poll_id}"
