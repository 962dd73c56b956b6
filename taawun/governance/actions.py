"""Every change in deliberation and decision-making.

Lifecycle of a poll: draft → open → closed → decided (an outcome is
written). Opening freezes the voter roll; closing counts, publishes the
bulletin board of a secret poll, and writes the result to the ledger.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings as django_settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from taawun.accounts import actions as accounts
from taawun.accounts.models import User
from taawun.errors import Conflict, InvalidInput, InvalidTransition, PermissionDenied
from taawun.governance import counting, rules
from taawun.governance.ballots import check_choice
from taawun.governance.models import (
    Ballot,
    Comment,
    Discussion,
    Meeting,
    Outcome,
    Poll,
    Proposal,
    Proxy,
    RollEntry,
    SecretBallot,
    VoterMark,
)
from taawun.ledger import queries as ledger_queries
from taawun.markdown import mentioned
from taawun.membership import actions as membership
from taawun.membership import queries as membership_queries
from taawun.membership.models import Cooperative, Member

State = Poll.State


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _text(value: str, field: str, *, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(_("This cannot be empty."), field=field)
    if len(value) > limit:
        raise InvalidInput(
            _("Keep this under %(limit)d characters.") % {"limit": limit}, field=field
        )
    return value


# --- Deliberation ------------------------------------------------------------


def start_discussion(*, by: User, coop: Cooperative, title: str, body: str) -> Discussion:
    author = rules.access_participant(by, coop)
    with transaction.atomic():
        discussion = Discussion.objects.create(
            cooperative=coop,
            author=author,
            title=_text(title, "title", limit=200),
            body=_text(body, "body", limit=20000),
        )
        _tell_mentioned(author, discussion, discussion.body)
    return discussion


def _email_context(discussion: Discussion, author: Member) -> dict[str, Any]:
    return {
        "discussion": discussion,
        "author": author,
        "coop": discussion.cooperative,
        "site": django_settings.SITE_URL,
    }


def _tell_mentioned(author: Member, discussion: Discussion, text: str) -> set[int]:
    """Email the members ``text`` mentions (@handle), each in their language,
    but not the author; return whom it told."""
    found = membership_queries.members_by_handle(discussion.cooperative, mentioned(text))
    told = {m.pk for m in found.values()} - {author.pk}
    for member in found.values():
        if member.pk in told:
            accounts.notify(
                member.user, "governance/email/mention", _email_context(discussion, author)
            )
    return told


def add_comment(*, by: User, discussion: Discussion, body: str) -> Comment:
    """Comment; the members it mentions are told so, and the others in the
    thread that there is a new comment, by email, each in their language."""
    author = rules.access_participant(by, discussion.cooperative)
    with transaction.atomic():
        comment = Comment.objects.create(
            discussion=discussion, author=author, body=_text(body, "body", limit=10000)
        )
        told = _tell_mentioned(author, discussion, comment.body)
        ids = {discussion.author_id, *discussion.comments.values_list("author_id", flat=True)}
        ids -= {author.pk, *told}
        others = Member.objects.filter(
            pk__in=ids, status__in=rules.membership_rules.MEMBER_STATUSES
        ).select_related("user")
        for member in others:
            accounts.notify(
                member.user, "governance/email/comment", _email_context(discussion, author)
            )
        return comment


def add_proposal(*, by: User, discussion: Discussion, title: str, body: str) -> Proposal:
    author = rules.access_participant(by, discussion.cooperative)
    with transaction.atomic():
        proposal = Proposal.objects.create(
            discussion=discussion,
            author=author,
            title=_text(title, "title", limit=200),
            body=_text(body, "body", limit=20000),
        )
        _tell_mentioned(author, discussion, proposal.body)
    return proposal


def create_meeting(*, by: User, coop: Cooperative, title: str, held_on: date) -> Meeting:
    officer = rules.membership_rules.access_officer(by, coop, "change_status")
    return Meeting.objects.create(
        cooperative=coop,
        title=_text(title, "title", limit=200),
        held_on=held_on,
        created_by=officer,
    )


def open_meeting(meeting: Meeting, *, by: User) -> list[Poll]:
    """Open every draft poll of a general meeting together."""
    with transaction.atomic():
        rules.membership_rules.access_officer(by, meeting.cooperative, "change_status")
        drafts = list(meeting.polls.filter(state=State.DRAFT).order_by("id"))
        if not drafts:
            raise InvalidTransition(_("This meeting has no draft poll to open."))
        return [open_poll(poll, by=by) for poll in drafts]


# --- Polls ----------------------------------------------------------------------


def create_poll(
    *,
    by: User | None,
    coop: Cooperative,
    kind: str,
    title: str,
    closes_at: datetime,
    options: list[Any] | None = None,
    settings: dict[str, Any] | None = None,
    description: str = "",
    proposal: Proposal | None = None,
    meeting: Meeting | None = None,
    subject: Member | None = None,
) -> Poll:
    """A draft poll. ``by`` is None only when the platform itself opens one
    (an admission poll that the bylaws call for)."""
    coop = Cooperative.objects.get(pk=coop.pk)  # the bylaws as they are now
    author = rules.access_participant(by, coop) if by is not None else None
    if kind not in Poll.Kind.values:
        raise InvalidInput(_("Unknown kind of poll."), field="kind")
    clean_options = rules.check_options(kind, options or [])
    clean_settings = rules.check_settings(coop, kind, clean_options, settings or {})
    if proposal is not None and proposal.discussion.cooperative_id != coop.pk:
        raise InvalidInput(_("That proposal belongs to another cooperative."), field="proposal")
    if meeting is not None and meeting.cooperative_id != coop.pk:
        raise InvalidInput(_("That meeting belongs to another cooperative."), field="meeting")
    if timezone.is_naive(closes_at):
        raise InvalidInput(_("Give the closing time with its time zone."), field="closes_at")
    rules.check_deadline(coop, closes_at)
    return Poll.objects.create(
        cooperative=coop,
        kind=kind,
        title=_text(title, "title", limit=200),
        description=_text(description, "description", limit=20000, required=False),
        options=clean_options,
        settings=clean_settings,
        closes_at=closes_at,
        proposal=proposal,
        meeting=meeting,
        created_by=author,
        subject=subject,
    )


def _manager(by: User, poll: Poll) -> Member:
    member = rules.access_participant(by, poll.cooperative)
    if not rules.can_manage_poll(member, poll.created_by_id):
        raise PermissionDenied(_("Only the poll's author or the secretary can do this."))
    return member


def open_poll(poll: Poll, *, by: User | None) -> Poll:
    """Open the poll and freeze its roll: members in good standing of the
    classes that may vote, each with the weight the bylaws give their class."""
    with transaction.atomic():
        poll = Poll.objects.select_for_update().select_related("cooperative").get(pk=poll.pk)
        actor = _manager(by, poll) if by is not None else None
        if poll.state != State.DRAFT:
            raise InvalidTransition(_("Only a draft poll can be opened."))
        coop = poll.cooperative
        rules.check_deadline(coop, poll.closes_at)
        weights = coop.bylaws["vote_weights"]
        eligible = Member.objects.filter(
            cooperative=coop,
            status=Member.Status.ACTIVE,
            membership_class__in=poll.settings["classes"],
        ).order_by("public_id")
        if poll.subject_id:
            eligible = eligible.exclude(pk=poll.subject_id)
        entries = [
            RollEntry(poll=poll, member=m, weight=weights.get(m.membership_class, 1))
            for m in eligible
        ]
        entries = [e for e in entries if e.weight > 0]
        if not entries:
            raise InvalidTransition(_("Nobody is on the voter roll, so the poll cannot open."))
        RollEntry.objects.bulk_create(entries)
        roll = [[str(e.member.public_id), e.weight] for e in entries]
        poll.roll_size = len(entries)
        poll.roll_digest = _digest(roll)
        poll.state = State.OPEN
        poll.opened_at = timezone.now()
        poll.save()
        membership.record(
            coop,
            "poll.opened",
            actor,
            {
                "poll": str(poll.public_id),
                "kind": poll.kind,
                "title": poll.title,
                "options": poll.options,
                "settings": poll.settings,
                "closes_at": poll.closes_at.isoformat(),
                "roll_size": poll.roll_size,
                "roll_digest": poll.roll_digest,
            },
        )
        from taawun.governance import tasks

        transaction.on_commit(lambda: tasks.schedule(poll))
        return poll


def update_poll(poll: Poll, *, by: User, title: str, description: str, closes_at: datetime) -> Poll:
    with transaction.atomic():
        poll = Poll.objects.select_for_update().get(pk=poll.pk)
        _manager(by, poll)
        if poll.state != State.DRAFT or _has_ballots(poll):
            raise InvalidTransition(_("A poll cannot be edited once it is open."))
        poll.title = _text(title, "title", limit=200)
        poll.description = _text(description, "description", limit=20000, required=False)
        poll.closes_at = rules.check_deadline(poll.cooperative, closes_at)
        poll.save()
        return poll


def _has_ballots(poll: Poll) -> bool:
    return poll.ballots.exists() or poll.voter_marks.exists()


@dataclass(frozen=True)
class Cast:
    """What the voter is told: for a secret poll, their receipt (shown once)."""

    receipt: str | None
    changed: bool
    repeated: bool = False  # the same confirmation received twice


def _roll_entry(poll: Poll, member: Member) -> RollEntry:
    entry = RollEntry.objects.filter(poll=poll, member=member).first()
    if entry is None:
        raise PermissionDenied(_("You are not on the voter roll of this poll."))
    return entry


def cast_vote(
    poll: Poll,
    *,
    by: User,
    choice: dict[str, Any],
    for_member: Member | None = None,
    receipt: str | None = None,
    nonce: str | None = None,
) -> Cast:
    """Record a ballot. Named polls keep every earlier vote as history; a
    secret ballot can be replaced before the close only with its receipt.

    ``nonce``, a random string that the check-your-vote page gives the
    voter's browser, makes a secret ballot's receipt reproducible from it
    (see ``_receipt_for``): the same confirmation sent twice (a double
    click) shows the same receipt again instead of losing it."""
    with transaction.atomic():
        poll = Poll.objects.select_for_update().select_related("cooperative").get(pk=poll.pk)
        voter_self = rules.membership_rules.membership_of(by, poll.cooperative)
        if voter_self is None:
            raise PermissionDenied(_("You are not on the voter roll of this poll."))
        if poll.state != State.OPEN or poll.closes_at <= timezone.now():
            raise InvalidTransition(_("This poll is not open for voting."))
        clean = check_choice(poll.kind, poll.options, poll.settings, choice)
        reason = clean.get("reason", "")
        if poll.is_secret:
            if for_member is not None:
                raise InvalidInput(_("Secret polls have no proxies."))
            result = _cast_secret(poll, voter_self, clean, reason, receipt, nonce)
        else:
            result = _cast_named(poll, voter_self, clean, reason, for_member)
        if poll.settings.get("early_close") and _turnout(poll) >= poll.roll_size:
            close_poll(poll, by=None)
        return result


def _receipt_for(poll: Poll, nonce: str | None) -> str:
    """A fresh receipt; from a nonce, always the same one for this poll.

    HMAC-SHA256 under the site's secret key of the poll and the nonce: as
    unguessable as a random receipt to whoever lacks the nonce, and nothing
    is stored that ties the voter to it (the nonce lives only in the voter's
    page)."""
    if not nonce:
        return "r-" + secrets.token_urlsafe(18)
    digest = salted_hmac("taawun.governance.receipt", f"{poll.public_id}:{nonce}").digest()
    return "r-" + base64.urlsafe_b64encode(digest[:18]).decode()


def _cast_secret(
    poll: Poll,
    voter: Member,
    clean: dict[str, Any],
    reason: str,
    receipt: str | None,
    nonce: str | None = None,
) -> Cast:
    entry = _roll_entry(poll, voter)
    if receipt:
        ballot = (
            SecretBallot.objects.select_for_update()
            .filter(poll=poll, receipt_digest=receipt_digest(receipt))
            .first()
        )
        if ballot is None or not VoterMark.objects.filter(poll=poll, member=voter).exists():
            raise InvalidInput(
                _("That receipt does not match a ballot in this poll."), field="receipt"
            )
        ballot.choice = clean
        ballot.reason = reason
        ballot.save(update_fields=["choice", "reason"])
        return Cast(receipt=receipt, changed=True)
    token = _receipt_for(poll, nonce)
    try:
        with transaction.atomic():
            VoterMark.objects.create(poll=poll, member=voter)
    except IntegrityError:
        if (
            nonce
            and SecretBallot.objects.filter(
                poll=poll, receipt_digest=receipt_digest(token)
            ).exists()
        ):
            # This very confirmation was cast already (a second click): the
            # voter gets their receipt again, and nothing changes.
            return Cast(receipt=token, changed=False, repeated=True)
        raise Conflict(
            _("You have already voted. To change your vote, use your receipt.")
        ) from None
    SecretBallot.objects.create(
        poll=poll,
        receipt_digest=receipt_digest(token),
        choice=clean,
        reason=reason,
        weight=entry.weight,
    )
    return Cast(receipt=token, changed=False)


def receipt_digest(receipt: str) -> str:
    return hashlib.sha256(receipt.strip().encode()).hexdigest()


def _cast_named(
    poll: Poll, voter_self: Member, clean: dict[str, Any], reason: str, for_member: Member | None
) -> Cast:
    voter = voter_self
    cast_by: Member | None = None
    if for_member is not None and for_member.pk != voter_self.pk:
        if not Proxy.objects.filter(poll=poll, grantor=for_member, holder=voter_self).exists():
            raise PermissionDenied(_("You do not hold this member's proxy for this poll."))
        own = Ballot.objects.filter(
            poll=poll, voter=for_member, replaced_at__isnull=True, cast_by__isnull=True
        ).exists()
        if own:
            raise Conflict(_("This member has voted themselves; their own vote stands."))
        voter, cast_by = for_member, voter_self
    _roll_entry(poll, voter)
    now = timezone.now()
    changed = bool(
        Ballot.objects.filter(poll=poll, voter=voter, replaced_at__isnull=True).update(
            replaced_at=now
        )
    )
    Ballot.objects.create(
        poll=poll, voter=voter, cast_by=cast_by, choice=clean, reason=reason, cast_at=now
    )
    return Cast(receipt=None, changed=changed)


def grant_proxy(poll: Poll, *, by: User, holder: Member) -> Proxy:
    with transaction.atomic():
        poll = Poll.objects.select_for_update().select_related("cooperative").get(pk=poll.pk)
        grantor = rules.access_participant(by, poll.cooperative)
        if not poll.settings.get("proxies"):
            raise InvalidTransition(_("This poll does not allow proxies."))
        if poll.state != State.OPEN:
            raise InvalidTransition(_("This poll is not open for voting."))
        if holder.pk == grantor.pk or holder.cooperative_id != poll.cooperative_id:
            raise InvalidInput(_("Choose another member of this cooperative."), field="holder")
        _roll_entry(poll, grantor)
        _roll_entry(poll, holder)
        held = Proxy.objects.filter(poll=poll, holder=holder).count()
        limit = poll.cooperative.bylaws["proxy_limit"]
        if held >= limit:
            raise Conflict(
                _("This member already holds as many proxies as the bylaws allow (%(n)d).")
                % {"n": limit},
                field="holder",
            )
        proxy, _created = Proxy.objects.update_or_create(
            poll=poll, grantor=grantor, defaults={"holder": holder}
        )
        membership.record(
            poll.cooperative,
            "poll.proxy_granted",
            grantor,
            {
                "poll": str(poll.public_id),
                "grantor": str(grantor.public_id),
                "holder": str(holder.public_id),
            },
        )
        return proxy


def _turnout(poll: Poll) -> int:
    if poll.is_secret:
        return poll.voter_marks.count()
    return poll.ballots.filter(replaced_at__isnull=True).count()


def current_ballots(poll: Poll) -> list[dict[str, Any]]:
    """The ballots that count: each with its weight (from the frozen roll)."""
    if poll.is_secret:
        return [
            {"choice": b.choice, "weight": b.weight, "receipt": b.receipt_digest}
            for b in poll.secret_ballots.order_by("receipt_digest")
        ]
    weights = dict(RollEntry.objects.filter(poll=poll).values_list("member_id", "weight"))
    return [
        {"choice": b.choice, "weight": weights.get(b.voter_id, 1), "voter": b.voter_id}
        for b in poll.ballots.filter(replaced_at__isnull=True).order_by("voter_id")
    ]


def bulletin_board(poll: Poll) -> dict[str, Any]:
    """Every secret ballot with the hash of its receipt, sorted by that hash."""
    return {
        "poll": str(poll.public_id),
        "kind": poll.kind,
        "options": poll.options,
        "settings": poll.settings,
        "roll_size": poll.roll_size,
        "ballots": [
            {"receipt": b["receipt"], "choice": b["choice"], "weight": b["weight"]}
            for b in current_ballots(poll)
        ],
    }


def close_poll(poll: Poll, *, by: User | None) -> Poll:
    """Count and publish. ``by`` None means the deadline (or a full roll) closed it."""
    with transaction.atomic():
        poll = Poll.objects.select_for_update().select_related("cooperative").get(pk=poll.pk)
        actor = _manager(by, poll) if by is not None else None
        if poll.state != State.OPEN:
            raise InvalidTransition(_("This poll is not open, so it cannot be closed."))
        coop = poll.cooperative
        seed = ledger_queries.head(str(coop.public_id)).hash
        ballots = current_ballots(poll)
        result = counting.count(poll, ballots, seed=seed)
        poll.result = result
        if poll.is_secret:
            poll.board_digest = _digest(bulletin_board(poll))
        poll.state = State.CLOSED
        poll.closed_at = timezone.now()
        poll.save()
        membership.record(
            coop,
            "poll.closed",
            actor,
            {
                "poll": str(poll.public_id),
                "ballots": len(ballots),
                "turnout": result["quorum"]["turnout"],
                "quorum_reached": result["quorum"]["reached"],
                "result": _digest(result),
                "winners": result.get("winners", []),
                "passed": result.get("passed"),
                "board": poll.board_digest or None,
                "seed": seed,
            },
        )
        if poll.subject_id:
            _decide_admission(poll)
        return poll


def _decide_admission(poll: Poll) -> None:
    applicant = Member.objects.get(pk=poll.subject_id or 0)
    if applicant.status != Member.Status.APPLICANT:
        return
    if poll.result and poll.result.get("passed"):
        membership.admit_member(applicant, by=None, authority=f"poll:{poll.public_id}")
    else:
        membership.reject_application(
            applicant,
            by=None,
            authority=f"poll:{poll.public_id}",
            reason=_("The members' vote did not admit this application."),
        )


def record_outcome(
    poll: Poll, *, by: User, statement: str, review_on: date | None = None
) -> Outcome:
    with transaction.atomic():
        poll = Poll.objects.select_for_update().select_related("cooperative").get(pk=poll.pk)
        author = _manager(by, poll)
        if poll.state != State.CLOSED:
            raise InvalidTransition(_("An outcome is written once the poll has closed."))
        outcome = Outcome.objects.create(
            poll=poll,
            author=author,
            statement=_text(statement, "statement", limit=10000),
            review_on=review_on,
        )
        poll.state = State.DECIDED
        poll.save(update_fields=["state"])
        membership.record(
            poll.cooperative,
            "poll.outcome",
            author,
            {
                "poll": str(poll.public_id),
                "statement": outcome.statement,
                "review_on": review_on.isoformat() if review_on else None,
            },
        )
        return outcome


# --- Deadlines and reminders (run by the worker) -------------------------------


def close_due_polls(now: datetime | None = None) -> int:
    now = now or timezone.now()
    closed = 0
    for poll in Poll.objects.filter(state=State.OPEN, closes_at__lte=now):
        try:
            close_poll(poll, by=None)
            closed += 1
        except InvalidTransition:
            continue  # closed meanwhile by someone else: nothing to do
    return closed


def send_reminders(now: datetime | None = None) -> int:
    """One reminder, 24 hours before the close, to those who have not voted."""
    now = now or timezone.now()
    sent = 0
    due = Poll.objects.filter(
        state=State.OPEN,
        reminded=False,
        closes_at__lte=now + timedelta(hours=24),
        closes_at__gt=now,
    )
    for poll in due:
        with transaction.atomic():
            poll = Poll.objects.select_for_update().get(pk=poll.pk)
            if poll.reminded:
                continue
            if poll.is_secret:
                voted = set(poll.voter_marks.values_list("member_id", flat=True))
            else:
                voted = set(poll.ballots.values_list("voter_id", flat=True))
            waiting = RollEntry.objects.filter(poll=poll).exclude(member_id__in=voted)
            for entry in waiting.select_related("member__user", "member__cooperative"):
                accounts.notify(
                    entry.member.user,
                    "governance/email/reminder",
                    {
                        "poll": poll,
                        "coop": poll.cooperative,
                        "site": django_settings.SITE_URL,
                    },
                )
                sent += 1
            poll.reminded = True
            poll.save(update_fields=["reminded"])
    return sent


def open_admission_poll(member: Member) -> Poll | None:
    """When the bylaws decide admission by a poll, each application opens one."""
    coop = member.cooperative
    if coop.bylaws["admission"] != "poll":
        return None
    hours = max(72, coop.bylaws["min_voting_hours"])
    poll = create_poll(
        by=None,
        coop=coop,
        kind="yes_no",
        subject=member,
        title=_("Admit %(name)s as a member?") % {"name": member.user.name},
        description=member.statement,
        closes_at=timezone.now() + timedelta(hours=hours),
    )
    return open_poll(poll, by=None)
