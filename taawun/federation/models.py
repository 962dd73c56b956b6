"""What federation keeps: actors (ours and other servers'), follows, the
activities we sent and received, their deliveries, the objects that came
from elsewhere, and the instance's block and allow lists.

Every local thing that travels already has a stable URI built from its
``public_id`` (see ``taawun.federation.identity``), so nothing here needs a
schema change in the apps whose things travel.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from taawun.membership.models import Cooperative, Network, localised

URI_LENGTH = 500


class Actor(models.Model):
    """An ActivityPub actor: one of ours (a cooperative, a network, a person,
    the instance itself) or another server's, cached from its document."""

    class Kind(models.TextChoices):
        GROUP = "Group"
        PERSON = "Person"
        APPLICATION = "Application"
        SERVICE = "Service"
        ORGANIZATION = "Organization"

    class Role(models.TextChoices):
        COOPERATIVE = "cooperative", _("cooperative")
        NETWORK = "network", _("network")
        MEMBER = "member", _("member")
        INSTANCE = "instance", _("instance")
        OTHER = "other", _("other")

    uri = models.CharField(max_length=URI_LENGTH, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    role = models.CharField(max_length=20, choices=Role.choices)
    local = models.BooleanField(default=False)
    # host[:port] of the uri, lower case: what blocks and same-origin rules compare.
    domain = models.CharField(max_length=255, db_index=True)
    username = models.CharField(max_length=100, blank=True)
    names = models.JSONField(default=dict, blank=True)
    summary = models.TextField(blank=True)  # sanitised HTML
    url = models.CharField(max_length=URI_LENGTH, blank=True)  # the page for people
    inbox = models.CharField(max_length=URI_LENGTH, blank=True)
    shared_inbox = models.CharField(max_length=URI_LENGTH, blank=True)
    outbox = models.CharField(max_length=URI_LENGTH, blank=True)
    followers = models.CharField(max_length=URI_LENGTH, blank=True)
    following = models.CharField(max_length=URI_LENGTH, blank=True)
    key_id = models.CharField(max_length=URI_LENGTH, blank=True, db_index=True)
    public_key_pem = models.TextField(blank=True)
    private_key_pem = models.TextField(blank=True)  # ours only
    cooperative = models.OneToOneField(
        Cooperative, null=True, blank=True, on_delete=models.PROTECT, related_name="actor"
    )
    network = models.OneToOneField(
        Network, null=True, blank=True, on_delete=models.PROTECT, related_name="actor"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="actor",
    )
    # Another server's document as fetched (a cooperative's skills, services
    # and place are read from it for the network directory).
    data = models.JSONField(default=dict, blank=True)
    fetched_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("actor")
        verbose_name_plural = _("actors")

    def __str__(self) -> str:
        return self.uri

    @property
    def name(self) -> str:
        return localised(self.names) or self.username or self.uri

    @property
    def handle(self) -> str:
        """``@username@domain``, as people write it."""
        return f"@{self.username}@{self.domain}"

    @property
    def delivery_inbox(self) -> str:
        return self.shared_inbox or self.inbox


class Follow(models.Model):
    """One actor follows another. A cooperative following a network is its
    request to join; the network's Accept makes it a member."""

    class State(models.TextChoices):
        PENDING = "pending", _("waiting for an answer")
        ACCEPTED = "accepted", _("accepted")
        REJECTED = "rejected", _("refused")

    follower = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="follows_out")
    followed = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="follows_in")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    uri = models.CharField(max_length=URI_LENGTH, unique=True)  # the Follow activity's id
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["follower", "followed"], name="follow_once")
        ]

    def __str__(self) -> str:
        return f"{self.follower_id} -> {self.followed_id} ({self.state})"


class Activity(models.Model):
    """An activity we published (``local``: it is in an outbox) or received
    and processed. The unique ``uri`` is what makes each received activity
    processed once, however often it is delivered."""

    uri = models.CharField(max_length=URI_LENGTH, unique=True)
    type = models.CharField(max_length=30)
    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="activities")
    object_uri = models.CharField(max_length=URI_LENGTH, blank=True, db_index=True)
    local = models.BooleanField(default=False)
    # Public ones are listed in the outbox; the others only reach their
    # addressees.
    public = models.BooleanField(default=False)
    data = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes: ClassVar = [models.Index(fields=["actor", "local", "-id"])]

    def __str__(self) -> str:
        return f"{self.type} {self.uri}"


class Delivery(models.Model):
    """One activity to one inbox: a row the worker delivers, with retries
    and back-off, in order per inbox."""

    class State(models.TextChoices):
        PENDING = "pending", _("waiting")
        DELIVERED = "delivered", _("delivered")
        ABANDONED = "abandoned", _("given up")

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="deliveries")
    inbox = models.CharField(max_length=URI_LENGTH)
    signer = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes: ClassVar = [
            models.Index(fields=["state", "next_attempt_at"]),
            models.Index(fields=["inbox", "state", "id"]),
        ]

    def __str__(self) -> str:
        return f"{self.activity_id} -> {self.inbox} ({self.state})"


class RemoteObject(models.Model):
    """Something another server published that reached us: an article, a
    call for collaboration, an event, a network's question. Its HTML is
    sanitised on arrival; a Delete leaves a tombstone (``deleted_at``)."""

    class Kind(models.TextChoices):
        ARTICLE = "article", _("article")
        CALL = "call", _("call for collaboration")
        EVENT = "event", _("event")
        QUESTION = "question", _("network decision")
        NOTE = "note", _("note")

    class Audience(models.TextChoices):
        PUBLIC = "public", _("everyone")
        NETWORK = "network", _("the network")
        FOLLOWERS = "followers", _("followers")

    uri = models.CharField(max_length=URI_LENGTH, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="remote_objects")
    audience = models.CharField(max_length=10, choices=Audience.choices)
    # The network actors (URIs) it is addressed to, when audience is network.
    networks = models.JSONField(default=list, blank=True)
    name = models.CharField(max_length=300, blank=True)
    content = models.TextField(blank=True)  # sanitised HTML
    language = models.CharField(max_length=16, blank=True)
    url = models.CharField(max_length=URI_LENGTH, blank=True)
    data = models.JSONField(default=dict)  # the object as received
    published = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("object from another server")
        verbose_name_plural = _("objects from other servers")
        indexes: ClassVar = [models.Index(fields=["kind", "-published"])]

    def __str__(self) -> str:
        return self.uri


class DomainRule(models.Model):
    """The instance's block list (and allow list, for allowlist-only mode).
    A rule for a domain covers its subdomains."""

    class Kind(models.TextChoices):
        BLOCK = "block", _("blocked")
        ALLOW = "allow", _("allowed")

    domain = models.CharField(_("domain"), max_length=255)
    kind = models.CharField(max_length=5, choices=Kind.choices)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["domain", "kind"], name="one_rule_per_domain")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.domain}"


class Flag(models.Model):
    """A report (Flag) received from another server or sent by us."""

    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="flags")
    object_uris = models.JSONField(default=list)
    content = models.TextField(blank=True)
    activity_uri = models.CharField(max_length=URI_LENGTH, unique=True)
    received_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.activity_uri


from taawun.federation.models_decisions import *  # noqa: E402, F403
