"""Cooperatives, their members, and how people become and stop being members."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Cooperative(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(_("short name"), max_length=50, unique=True)
    # {"ar": "...", "en": "..."}: a cooperative is named in its own languages.
    names = models.JSONField(_("names"))
    country = models.CharField(_("country"), max_length=2)
    currency = models.CharField(_("currency"), max_length=3)
    languages = models.JSONField(_("working languages"), default=list)
    bylaws = models.JSONField(_("bylaws settings"))
    created_at = models.DateTimeField(default=timezone.now)
    # Moves on whenever what members see of the cooperative changes (the
    # roll, offices, bylaws, a member's name): pages cached under it, such as
    # the directory, are rebuilt at the next request. See membership.caching.
    version = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("cooperative")
        verbose_name_plural = _("cooperatives")
        ordering: ClassVar = ["slug"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("membership:coop", args=[self.slug])

    @property
    def name(self) -> str:
        """The name in the reader's language, else in the cooperative's first."""
        names: dict[str, str] = self.names
        lang = (get_language() or "en")[:2]
        if lang in names:
            return names[lang]
        for working in self.languages:
            if working in names:
                return names[working]
        return next(iter(names.values()), self.slug)

    @property
    def uri(self) -> str:
        return f"{settings.SITE_URL}/coops/{self.slug}/"

    def membership_class(self, code: str) -> dict[str, Any] | None:
        return next((c for c in self.bylaws["membership_classes"] if c["code"] == code), None)

    def office(self, code: str) -> dict[str, Any] | None:
        return next((o for o in self.bylaws["offices"] if o["code"] == code), None)


def localised(names: dict[str, str]) -> str:
    lang = (get_language() or "en")[:2]
    return names.get(lang) or names.get("en") or next(iter(names.values()), "")


class Member(models.Model):
    """One person's membership of one cooperative, from application on."""

    class Status(models.TextChoices):
        APPLICANT = "applicant", _("applicant")
        PROBATION = "probation", _("on probation")
        ACTIVE = "active", _("active")
        SUSPENDED = "suspended", _("suspended")
        WITHDRAWN = "withdrawn", _("withdrawn")
        REJECTED = "rejected", _("not admitted")

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships"
    )
    # The opaque id the ledger names a member by: never a name or an email,
    # so erasing personal data leaves the chain intact.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.PositiveIntegerField(_("member number"), null=True, blank=True)
    membership_class = models.CharField(_("membership class"), max_length=30)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.APPLICANT
    )
    offices = models.JSONField(_("offices"), default=list, blank=True)
    statement = models.TextField(_("why I want to join"), blank=True, max_length=2000)
    applied_at = models.DateTimeField(default=timezone.now)
    admitted_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["cooperative", "user"], name="one_membership_each"),
            models.UniqueConstraint(fields=["cooperative", "number"], name="unique_member_number"),
        ]
        indexes: ClassVar = [
            models.Index(fields=["cooperative", "status", "number"], name="member_roll"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.cooperative.slug}"

    @property
    def class_name(self) -> str:
        found = self.cooperative.membership_class(self.membership_class)
        return localised(found["names"]) if found else self.membership_class

    @property
    def office_names(self) -> list[str]:
        names = []
        for code in self.offices:
            office = self.cooperative.office(code)
            names.append(localised(office["names"]) if office else code)
        return names


class MembershipEvent(models.Model):
    """Every change of a membership's status or offices, in order."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=30)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering: ClassVar = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.from_status}→{self.to_status}"


class Invitation(models.Model):
    """An email link that lets one person join; expiring and single-use."""

    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="invitations"
    )
    email = models.EmailField(_("email"))
    membership_class = models.CharField(_("membership class"), max_length=30)
    # Only the hash of the token is kept: a leaked table admits nobody.
    digest = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.email} → {self.cooperative.slug}"

    @property
    def is_usable(self) -> bool:
        return self.used_at is None and self.expires_at > timezone.now()


class Network(models.Model):
    """A network of cooperatives (a federation, a regional alliance).

    What a cooperative shares with "its networks" (an article, a course, a
    call for collaboration) is open to the members of every cooperative in a
    network it belongs to. Federation (taawun.federation) carries networks
    across instances; here they are the local record.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(_("short name"), max_length=50, unique=True)
    names = models.JSONField(_("names"))
    # How cooperatives join: "open" (any cooperative that asks is accepted)
    # or "approval" (the network's coordinators decide each request).
    admission = models.CharField(
        _("admission"),
        max_length=10,
        choices=[("open", _("any cooperative may join")), ("approval", _("coordinators approve"))],
        default="approval",
    )
    # Network decisions: the share of member cooperatives that must answer
    # (quorum) and the share of answers an option needs to carry (threshold).
    decision_quorum = models.DecimalField(max_digits=4, decimal_places=3, default=Decimal("0.5"))
    decision_threshold = models.DecimalField(max_digits=4, decimal_places=3, default=Decimal("0.5"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("network")
        verbose_name_plural = _("networks")
        ordering: ClassVar = ["slug"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localised(self.names) or self.slug


class NetworkMembership(models.Model):
    network = models.ForeignKey(Network, on_delete=models.PROTECT, related_name="memberships")
    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="network_memberships"
    )
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["network", "cooperative"], name="one_network_each")
        ]

    def __str__(self) -> str:
        return f"{self.cooperative.slug} in {self.network.slug}"
