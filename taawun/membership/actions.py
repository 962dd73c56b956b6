"""Every change to cooperatives and memberships.

Each action checks permission and input, writes inside one transaction,
appends what it did to the cooperative's ledger, and queues notifications.
The web, the API, the CLI, the demo and the tests all come through here.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from taawun.accounts import actions as accounts
from taawun.accounts.models import User
from taawun.currencies import COUNTRIES, MINOR_UNITS
from taawun.errors import (
    Conflict,
    Expired,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
)
from taawun.ledger.actions import append_entry
from taawun.membership import caching, rules
from taawun.membership.bylaws import bylaws_digest, default_bylaws, validate_bylaws
from taawun.membership.models import Cooperative, Invitation, Member, MembershipEvent, Network
from taawun.membership.signals import member_applied

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,48}[a-z0-9])$")
S = Member.Status

# Which status changes an officer may make, and what each is called.
STATUS_CHANGES: dict[str, tuple[tuple[str, ...], str]] = {
    # to: (allowed from, ledger/event kind)
    S.ACTIVE: ((S.PROBATION, S.SUSPENDED), "reinstated"),
    S.SUSPENDED: ((S.ACTIVE, S.PROBATION), "suspended"),
    S.WITHDRAWN: ((S.ACTIVE, S.PROBATION, S.SUSPENDED), "ended"),
}


def _record(member: Member, kind: str, old: str, *, by: Member | None, note: str = "") -> None:
    MembershipEvent.objects.create(
        member=member, kind=kind, from_status=old, to_status=member.status, by=by, note=note
    )


def record(coop: Cooperative, kind: str, by: Member | None, data: dict[str, Any]) -> None:
    """Record a change in the cooperative's ledger, inside the change's own
    transaction; ``by`` appears only as its opaque public id.

    Every change worth a ledger entry is one that members can see, so this
    also moves the cooperative's version on: pages cached under it
    (membership.caching) are rebuilt at the next request."""
    caching.touch([coop.pk])
    append_entry(str(coop.public_id), kind, actor=str(by.public_id) if by else None, data=data)


# --- Cooperatives ------------------------------------------------------------


def check_cooperative_fields(
    *, slug: str, names: dict[str, str], country: str, currency: str, languages: list[str]
) -> dict[str, Any]:
    slug = slug.strip().lower()
    if not SLUG_RE.match(slug):
        raise InvalidInput(
            _("The short name must be 3 to 50 lowercase letters, digits or hyphens."),
            field="slug",
        )
    clean_names = {k: v.strip() for k, v in names.items() if isinstance(v, str) and v.strip()}
    if not clean_names or any(len(v) > 120 for v in clean_names.values()):
        raise InvalidInput(_("Give the cooperative a name (up to 120 characters)."), field="names")
    if any(lang not in {"ar", "en"} for lang in clean_names):
        raise InvalidInput(_("Names can be given in Arabic and English."), field="names")
    country = country.strip().upper()
    if country not in COUNTRIES:
        raise InvalidInput(_("Unknown country code."), field="country")
    currency = currency.strip().upper()
    if currency not in MINOR_UNITS:
        raise InvalidInput(_("Unknown or unsupported currency."), field="currency")
    if not languages or any(lang not in {"ar", "en"} for lang in languages):
        raise InvalidInput(
            _("Choose the working languages: Arabic, English or both."), field="languages"
        )
    return {
        "slug": slug,
        "names": clean_names,
        "country": country,
        "currency": currency,
        "languages": list(dict.fromkeys(languages)),
    }


def create_cooperative(
    *,
    founder: User,
    slug: str,
    names: dict[str, str],
    country: str,
    currency: str,
    languages: list[str],
    bylaws: dict[str, Any] | None = None,
    founder_class: str | None = None,
) -> Cooperative:
    """Found a cooperative; the founder is its first member and holds every office."""
    fields = check_cooperative_fields(
        slug=slug, names=names, country=country, currency=currency, languages=languages
    )
    doc = validate_bylaws(
        bylaws if bylaws is not None else default_bylaws(),
        currency_places=MINOR_UNITS[fields["currency"]],
    )
    founder_class = founder_class or doc["membership_classes"][0]["code"]
    if not any(c["code"] == founder_class for c in doc["membership_classes"]):
        raise InvalidInput(_("Unknown membership class."), field="membership_class")
    # Cooperatives and networks share one space of handles (@slug@server).
    if Network.objects.filter(slug=fields["slug"]).exists():
        raise Conflict(_("That short name is already taken."), field="slug")
    try:
        with transaction.atomic():
            coop = Cooperative.objects.create(bylaws=doc, **fields)
            now = timezone.now()
            founder_member = Member.objects.create(
                cooperative=coop,
                user=founder,
                number=1,
                membership_class=founder_class,
                status=S.ACTIVE,
                offices=[o["code"] for o in doc["offices"]],
                applied_at=now,
                admitted_at=now,
            )
            _record(founder_member, "founded", "", by=founder_member)
            record(
                coop,
                "coop.created",
                founder_member,
                {
                    "slug": coop.slug,
                    "names": coop.names,
                    "country": coop.country,
                    "currency": coop.currency,
                    "bylaws": bylaws_digest(doc),
                },
            )
            record(
                coop,
                "member.admitted",
                founder_member,
                {
                    "member": str(founder_member.public_id),
                    "number": 1,
                    "class": founder_class,
                    "offices": founder_member.offices,
                    "founder": True,
                },
            )
            return coop
    except IntegrityError:
        raise Conflict(_("That short name is already taken."), field="slug") from None


def amend_bylaws(*, by: User, coop: Cooperative, bylaws: dict[str, Any]) -> Cooperative:
    """Replace the bylaws settings as a whole, if still consistent with the register."""
    with transaction.atomic():
        coop = Cooperative.objects.select_for_update().get(pk=coop.pk)
        officer = rules.access_officer(by, coop, "amend_bylaws")
        doc = validate_bylaws(bylaws, currency_places=MINOR_UNITS[coop.currency])
        classes = {c["code"] for c in doc["membership_classes"]}
        offices = {o["code"] for o in doc["offices"]}
        live = Member.objects.filter(cooperative=coop).exclude(status__in=[S.WITHDRAWN, S.REJECTED])
        in_use = set(live.values_list("membership_class", flat=True))
        if in_use - classes:
            raise InvalidInput(
                _("Membership class %(code)s is still held by members.")
                % {"code": ", ".join(sorted(in_use - classes))},
                field="membership_classes",
            )
        held = {code for member in live for code in member.offices}
        if held - offices:
            raise InvalidInput(
                _("Office %(code)s is still held by a member.")
                % {"code": ", ".join(sorted(held - offices))},
                field="offices",
            )
        before = bylaws_digest(coop.bylaws)
        coop.bylaws = doc
        coop.save(update_fields=["bylaws"])
        record(coop, "bylaws.changed", officer, {"from": before, "digest": bylaws_digest(doc)})
        return coop


# --- Becoming a member ---------------------------------------------------------


def _check_class(coop: Cooperative, code: str) -> str:
    if coop.membership_class(code) is None:
        raise InvalidInput(_("Unknown membership class."), field="membership_class")
    return code


def apply_for_membership(
    *, user: User, coop: Cooperative, membership_class: str, statement: str = ""
) -> Member:
    """A person asks to join; officers (or a poll, by the bylaws) decide."""
    _check_class(coop, membership_class)
    if len(statement) > 2000:
        raise InvalidInput(_("Keep the statement under 2,000 characters."), field="statement")
    with transaction.atomic():
        existing = Member.objects.select_for_update().filter(cooperative=coop, user=user).first()
        if existing and existing.status not in (S.WITHDRAWN, S.REJECTED):
            if existing.status == S.APPLICANT:
                raise Conflict(_("You have already applied to this cooperative."))
            raise Conflict(_("You are already a member of this cooperative."))
        if existing:
            old = existing.status
            existing.status = S.APPLICANT
            existing.membership_class = membership_class
            existing.statement = statement
            existing.applied_at = timezone.now()
            existing.save()
            member = existing
            _record(member, "applied", old, by=member)
        else:
            member = Member.objects.create(
                cooperative=coop,
                user=user,
                membership_class=membership_class,
                statement=statement,
                status=S.APPLICANT,
            )
            _record(member, "applied", "", by=member)
        record(
            coop,
            "member.applied",
            member,
            {
                "member": str(member.public_id),
                "class": membership_class,
            },
        )
        # Governance opens an admission poll here when the bylaws say so.
        member_applied.send(sender=Member, member=member)
        for officer in officers_with_power(coop, "admit"):
            accounts.notify(
                officer.user,
                "membership/email/new_application",
                {
                    "coop": coop,
                    "applicant": member,
                    "site": settings.SITE_URL,
                },
            )
        return member


def register_and_apply(
    *,
    email: str,
    name: str,
    password: str,
    coop: Cooperative,
    membership_class: str,
    statement: str = "",
    language: str = "",
) -> Member:
    """A visitor creates their account and applies, as one change."""
    _check_class(coop, membership_class)
    with transaction.atomic():
        user = accounts.create_person(email=email, name=name, password=password, language=language)
        return apply_for_membership(
            user=user, coop=coop, membership_class=membership_class, statement=statement
        )


def officers_with_power(coop: Cooperative, power: str) -> list[Member]:
    officers = Member.objects.filter(cooperative=coop, status=S.ACTIVE).exclude(offices=[])
    return [m for m in officers.select_related("user", "cooperative") if rules.has_power(m, power)]


def _next_number(coop: Cooperative) -> int:
    top = Member.objects.filter(cooperative=coop).aggregate(top=Max("number"))["top"]
    return (top or 0) + 1


def admit_member(member: Member, *, by: User | None, authority: str = "officers") -> Member:
    """Admit an applicant.

    ``authority`` is "officers" when an officer decides (``by`` must hold the
    power to admit, and the bylaws must leave admission to officers), or the
    reference of what else decided, such as "poll:42", when the governance
    capability admits on a poll's outcome (``by`` is then None).
    """
    with transaction.atomic():
        coop = Cooperative.objects.select_for_update().get(pk=member.cooperative_id)
        member = Member.objects.select_for_update().get(pk=member.pk)
        officer: Member | None = None
        if authority == "officers":
            officer = rules.access_officer(by, coop, "admit")
            if coop.bylaws["admission"] != "officers":
                raise InvalidTransition(
                    _("The bylaws say that admission is decided by a vote of the members.")
                )
        if member.status != S.APPLICANT:
            raise InvalidTransition(_("Only an applicant can be admitted."))
        old = member.status
        probation = coop.bylaws["probation_days"]
        member.status = S.PROBATION if probation else S.ACTIVE
        member.number = member.number or _next_number(coop)
        member.admitted_at = timezone.now()
        member.save()
        _record(member, "admitted", old, by=officer, note=authority)
        record(
            coop,
            "member.admitted",
            officer,
            {
                "member": str(member.public_id),
                "number": member.number,
                "class": member.membership_class,
                "status": member.status,
                "authority": authority,
            },
        )
        accounts.notify(
            member.user,
            "membership/email/admitted",
            {
                "coop": coop,
                "member": member,
                "site": settings.SITE_URL,
            },
        )
        return member


def reject_application(
    member: Member, *, by: User | None, reason: str = "", authority: str = "officers"
) -> Member:
    """Decline an application: by an officer, or (``by`` None) by a poll's outcome."""
    with transaction.atomic():
        coop = member.cooperative
        officer: Member | None = None
        if authority == "officers":
            officer = rules.access_officer(by, coop, "admit")
        member = Member.objects.select_for_update().get(pk=member.pk)
        if member.status != S.APPLICANT:
            raise InvalidTransition(_("Only an application can be declined."))
        if len(reason) > 2000:
            raise InvalidInput(_("Keep the reason under 2,000 characters."), field="reason")
        member.status = S.REJECTED
        member.ended_at = timezone.now()
        member.save()
        _record(member, "rejected", S.APPLICANT, by=officer, note=reason)
        record(
            coop,
            "member.rejected",
            officer,
            {"member": str(member.public_id), "authority": authority},
        )
        accounts.notify(
            member.user,
            "membership/email/rejected",
            {"coop": coop, "member": member, "reason": reason, "site": settings.SITE_URL},
        )
        return member


def change_member_status(member: Member, *, by: User, to: str, reason: str = "") -> Member:
    """Suspend, reinstate, confirm after probation, or end a membership."""
    with transaction.atomic():
        coop = member.cooperative
        officer = rules.access_officer(by, coop, "change_status")
        member = Member.objects.select_for_update().get(pk=member.pk)
        if to not in STATUS_CHANGES:
            raise InvalidInput(_("Unknown status."), field="status")
        allowed_from, kind = STATUS_CHANGES[to]
        if member.status not in allowed_from:
            raise InvalidTransition(
                _("A member who is %(status)s cannot become %(to)s.")
                % {"status": member.get_status_display(), "to": S(to).label}
            )
        if len(reason) > 2000:
            raise InvalidInput(_("Keep the reason under 2,000 characters."), field="reason")
        old = member.status
        member.status = to
        if to == S.WITHDRAWN:
            member.ended_at = timezone.now()
            member.offices = []
        member.save()
        _record(member, kind, old, by=officer, note=reason)
        record(
            coop,
            "member.status_changed",
            officer,
            {
                "member": str(member.public_id),
                "from": old,
                "to": to,
            },
        )
        return member


def withdraw_membership(member: Member, *, by: User) -> Member:
    """A member leaves (or an applicant withdraws their application) of their own will."""
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member.pk)
        if member.user_id != by.pk:
            raise PermissionDenied(_("Only the member can withdraw their own membership."))
        if member.status in (S.WITHDRAWN, S.REJECTED):
            raise InvalidTransition(_("This membership has already ended."))
        old = member.status
        member.status = S.WITHDRAWN
        member.ended_at = timezone.now()
        member.offices = []
        member.save()
        _record(member, "withdrew", old, by=member)
        record(
            member.cooperative,
            "member.status_changed",
            member,
            {
                "member": str(member.public_id),
                "from": old,
                "to": S.WITHDRAWN,
            },
        )
        return member


def set_offices(member: Member, *, by: User, offices: list[str]) -> Member:
    with transaction.atomic():
        coop = member.cooperative
        officer = rules.access_officer(by, coop, "assign_offices")
        member = Member.objects.select_for_update().get(pk=member.pk)
        unknown = [code for code in offices if coop.office(code) is None]
        if unknown:
            raise InvalidInput(_("Unknown office."), field="offices")
        if offices and member.status != S.ACTIVE:
            raise InvalidTransition(_("Only an active member can hold an office."))
        new = [o["code"] for o in coop.bylaws["offices"] if o["code"] in offices]
        if new == member.offices:
            return member
        if not new and member.pk == officer.pk and "assign_offices" in rules.powers_of(member):
            others = [m for m in officers_with_power(coop, "assign_offices") if m.pk != member.pk]
            if not others:
                raise InvalidTransition(
                    _("You are the last person who can assign offices; appoint someone first.")
                )
        old = list(member.offices)
        member.offices = new
        member.save(update_fields=["offices"])
        _record(member, "offices", member.status, by=officer, note=",".join(new))
        record(
            coop,
            "member.offices_changed",
            officer,
            {
                "member": str(member.public_id),
                "from": old,
                "to": new,
            },
        )
        return member


# --- Invitations ---------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite_member(
    *, by: User, coop: Cooperative, email: str, membership_class: str
) -> tuple[Invitation, str]:
    """Send a single-use link; returns the invitation and its token."""
    officer = rules.access_officer(by, coop, "invite")
    _check_class(coop, membership_class)
    email = User.objects.normalize_email(email.strip())
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput(_("Enter a valid email address."), field="email") from None
    already = Member.objects.filter(
        cooperative=coop, user__email__iexact=email, status__in=rules.MEMBER_STATUSES
    ).exists()
    if already:
        raise Conflict(_("This person is already a member."), field="email")
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        invitation = Invitation.objects.create(
            cooperative=coop,
            email=email,
            membership_class=membership_class,
            digest=_digest(token),
            invited_by=officer,
            expires_at=timezone.now() + timedelta(days=settings.TAAWUN_INVITATION_DAYS),
        )
        record(
            coop,
            "member.invited",
            officer,
            {
                "invitation": invitation.pk,
                "class": membership_class,
            },
        )
        link = f"{settings.SITE_URL}/invitations/{token}/"
        with translation.override(coop.languages[0] if coop.languages else "en"):
            context = {"coop": coop, "link": link, "invitation": invitation, "by": officer}
            subject = render_to_string("membership/email/invitation_subject.txt", context)
            body = render_to_string("membership/email/invitation_body.txt", context)
        accounts.notify_address(email, subject.strip(), body)
        return invitation, token


def find_invitation(token: str) -> Invitation:
    invitation = (
        Invitation.objects.select_related("cooperative").filter(digest=_digest(token)).first()
    )
    if invitation is None:
        raise NotFound(_("This invitation link is not valid."))
    if invitation.used_at is not None:
        raise Expired(_("This invitation has already been used."))
    if invitation.expires_at <= timezone.now():
        raise Expired(_("This invitation has expired. Ask the cooperative for a new one."))
    return invitation


def accept_invitation(
    token: str,
    *,
    user: User | None = None,
    name: str = "",
    password: str = "",
    language: str = "",
) -> Member:
    """Join through an invitation: as the signed-in person, or with a new account."""
    with transaction.atomic():
        invitation = find_invitation(token)
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.used_at is not None:
            raise Expired(_("This invitation has already been used."))
        coop = Cooperative.objects.select_for_update().get(pk=invitation.cooperative_id)
        if user is None:
            user = accounts.create_person(
                email=invitation.email, name=name, password=password, language=language
            )
        existing = Member.objects.select_for_update().filter(cooperative=coop, user=user).first()
        if existing and existing.status in rules.MEMBER_STATUSES:
            raise Conflict(_("You are already a member of this cooperative."))
        now = timezone.now()
        status = S.PROBATION if coop.bylaws["probation_days"] else S.ACTIVE
        if existing:
            old = existing.status
            member = existing
            member.status = status
            member.membership_class = invitation.membership_class
            member.number = member.number or _next_number(coop)
            member.admitted_at = now
            member.ended_at = None
            member.save()
        else:
            old = ""
            member = Member.objects.create(
                cooperative=coop,
                user=user,
                membership_class=invitation.membership_class,
                status=status,
                number=_next_number(coop),
                applied_at=now,
                admitted_at=now,
            )
        invitation.used_at = now
        invitation.used_by = member
        invitation.save(update_fields=["used_at", "used_by"])
        _record(member, "invited", old, by=invitation.invited_by)
        record(
            coop,
            "invitation.accepted",
            member,
            {
                "member": str(member.public_id),
                "invitation": invitation.pk,
                "number": member.number,
                "class": member.membership_class,
                "status": status,
            },
        )
        return member
