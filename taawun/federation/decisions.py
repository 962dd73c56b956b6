"""Network decisions, from the question to the announced result.

On the network's instance:

- ``open_decision``: a coordinator asks; the roll of member cooperatives is
  frozen (as for any poll) and the question goes out as ``Create(Question)``
  from the network's actor to the members on other instances. Members on
  this instance read it here: nothing travels.
- ``receive_answer``: an answer (``Create(Note)`` with ``inReplyTo`` the
  question) from a cooperative counts only if that cooperative is a verified
  member at that moment (a local ``NetworkMembership``, or an accepted
  Follow of the network's actor) and was on the roll, the decision is open
  and the option exists. A later answer replaces the earlier one.
- ``close_decision`` / ``close_due_decisions``: count (``tally``), store and
  announce the result as ``Update(Question)`` with ``closed``, the count per
  option and a summary.

On a member cooperative's instance:

- ``receive_question``: a network's Question (Create or Update) becomes a
  ``RemoteObject``; an Update brings the result.
- ``answer_decision``: an officer answers for the cooperative.
- ``open_internal_poll`` and ``answer_from_closed_polls``: the members vote
  in an ordinary poll, and its winner is sent as the cooperative's answer.

Both sides write to their ledgers: the network's chain ``network:<slug>``
and the cooperative's own chain.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import default_task_backend, task

from taawun import markdown
from taawun.errors import Conflict, InvalidInput, InvalidTransition, PermissionDenied
from taawun.federation import identity
from taawun.federation.models import (
    Activity,
    Actor,
    CoopAnswer,
    Follow,
    NetworkAnswer,
    NetworkDecision,
    RemoteObject,
)
from taawun.federation.rules import represents
from taawun.federation.tally import DecisionResult, count_network_answers
from taawun.governance.models import Poll
from taawun.ledger.actions import append_entry
from taawun.membership import actions as membership
from taawun.membership.models import Cooperative, Member, Network, NetworkMembership

MIN_OPTIONS = 2
MAX_OPTIONS = 10
OPTION_LENGTH = 200
# Roles a remote follower of a network can have and still be a member
# cooperative: a person or another network following it is only a reader.
NOT_COOPERATIVES = (Actor.Role.NETWORK, Actor.Role.MEMBER, Actor.Role.INSTANCE)
DECISION_CONTEXT: list[Any] = [
    *identity.AS_CONTEXT,
    {
        "toot": "http://joinmastodon.org/ns#",
        "votersCount": "toot:votersCount",
        "quorum": "taawun:quorum",
        "threshold": "taawun:threshold",
        "result": "taawun:result",
    },
]
_QUESTION_PATH = re.compile(r"/ap/questions/([0-9a-f-]{36})$")


def network_chain(network: Network) -> str:
    """The ledger chain of a network hosted here."""
    return f"network:{network.slug}"


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if timezone.is_aware(moment) else None


# --- Checks -----------------------------------------------------------------


def check_options(options: Iterable[Any]) -> list[str]:
    """2 to 10 distinct options, each under 200 characters, in the order given."""
    cleaned = [str(option).strip() for option in options if str(option).strip()]
    if len(cleaned) < MIN_OPTIONS:
        raise InvalidInput(_("Give at least two options."), field="options")
    if len(cleaned) > MAX_OPTIONS:
        raise InvalidInput(_("Give at most %(n)d options.") % {"n": MAX_OPTIONS}, field="options")
    if any(len(option) > OPTION_LENGTH for option in cleaned):
        raise InvalidInput(_("Keep each option under 200 characters."), field="options")
    if len({option.casefold() for option in cleaned}) != len(cleaned):
        raise InvalidInput(_("Two options are the same."), field="options")
    return cleaned


def check_fraction(value: Any, field: str) -> Decimal:
    """A share from 0 to 1, with at most three decimals (as the network stores it).
    A threshold of 1 could never be passed (an option must have MORE than
    the threshold), so it is refused."""
    try:
        share = Decimal(str(value))
    except (InvalidOperation, ValueError):
        share = Decimal("NaN")
    upper = Decimal(1) if field == "quorum" else Decimal("0.999")
    if (
        not share.is_finite()
        or not Decimal(0) <= share <= upper
        or share != share.quantize(Decimal("0.001"))
    ):
        if field == "quorum":
            message = _("The quorum must be a share from 0 to 100%.")
        else:
            message = _("The threshold must be a share from 0 to 99.9%.")
        raise InvalidInput(message, field=field)
    return share.quantize(Decimal("0.001"))


def _text(value: str, field: str, *, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(_("This cannot be empty."), field=field)
    if len(value) > limit:
        raise InvalidInput(
            _("Keep this under %(limit)d characters.") % {"limit": limit}, field=field
        )
    return value


def _check_closing(closes_at: datetime, now: datetime) -> datetime:
    if timezone.is_naive(closes_at):
        raise InvalidInput(_("Give the closing time with its time zone."), field="closes_at")
    if closes_at <= now:
        raise InvalidInput(_("The closing time must be in the future."), field="closes_at")
    if closes_at - now > timedelta(days=366):
        raise InvalidInput(_("A decision can stay open for at most a year."), field="closes_at")
    return closes_at


# --- Who is a member -----------------------------------------------------------


def is_coordinator(member: Member | None, network: Network) -> bool:
    """An officer of a member cooperative of this network (on this instance)."""
    return bool(
        member is not None
        and represents(member)
        and NetworkMembership.objects.filter(
            network=network, cooperative_id=member.cooperative_id
        ).exists()
    )


def _require_coordinator(member: Member, network: Network) -> None:
    if not is_coordinator(member, network):
        raise PermissionDenied(_("Only the network's coordinators can do this."))


def _require_representative(member: Member, coop: Cooperative) -> None:
    if member.cooperative_id != coop.pk or not represents(member):
        raise PermissionDenied(
            _("Only the cooperative's officers can speak for it in the network.")
        )


def member_actors(network: Network) -> dict[str, Actor]:
    """The network's verified member cooperatives now, by actor URI: those
    on this instance (a ``NetworkMembership``) and those elsewhere whose
    Follow of the network the network accepted."""
    actors = {
        identity.coop_uri(coop): identity.coop_actor(coop)
        for coop in Cooperative.objects.filter(network_memberships__network=network)
    }
    accepted = (
        Follow.objects.filter(
            followed__network=network, state=Follow.State.ACCEPTED, follower__local=False
        )
        .exclude(follower__role__in=NOT_COOPERATIVES)
        .select_related("follower")
    )
    for follow in accepted:
        actors[follow.follower.uri] = follow.follower
    return actors


def is_verified_member(network: Network, actor: Actor) -> bool:
    if actor.local:
        return actor.cooperative_id is not None and (
            NetworkMembership.objects.filter(
                network=network, cooperative_id=actor.cooperative_id
            ).exists()
        )
    return (
        actor.role not in NOT_COOPERATIVES
        and Follow.objects.filter(
            follower=actor, followed__network=network, state=Follow.State.ACCEPTED
        ).exists()
    )


# --- Publishing ---------------------------------------------------------------


def _activity(kind: str, actor: Actor, obj: dict[str, Any], to: list[str]) -> Activity:
    uri = identity.activity_uri(uuid.uuid4())
    data = {
        "@context": DECISION_CONTEXT,
        "id": uri,
        "type": kind,
        "actor": actor.uri,
        "published": iso(timezone.now()),
        "to": to,
        "object": obj,
    }
    return Activity.objects.create(
        uri=uri,
        type=kind,
        actor=actor,
        object_uri=str(obj["id"]),
        local=True,
        public=False,
        data=data,
    )


def _deliver(activity: Activity, recipients: Iterable[Actor], signer: Actor) -> None:
    """Queue the activity for the recipients on other instances (ours read
    the rows directly), in the same transaction as the change it carries."""
    from taawun.federation import delivery

    inboxes = sorted({a.delivery_inbox for a in recipients if not a.local and a.delivery_inbox})
    if inboxes:
        delivery.enqueue(activity, inboxes, signer)


def _counts(decision: NetworkDecision) -> dict[str, int]:
    if decision.result:
        return dict(decision.result["counts"])
    counts = dict.fromkeys(decision.options, 0)
    roll = set(decision.roll)
    for answer in decision.answers.select_related("cooperative"):
        if answer.cooperative.uri in roll and answer.choice in counts:
            counts[answer.choice] += 1
    return counts


def question_json(decision: NetworkDecision) -> dict[str, Any]:
    """The decision as an ActivityStreams Question, addressed to the roll.
    Once closed it carries ``closed``, the count per option and the result."""
    counts = _counts(decision)
    network = decision.network
    doc: dict[str, Any] = {
        "@context": DECISION_CONTEXT,
        "id": decision.uri,
        "type": "Question",
        "attributedTo": identity.network_uri(network),
        "name": decision.title,
        "content": markdown.render(decision.body),
        "mediaType": "text/html",
        "source": {"content": decision.body, "mediaType": "text/markdown"},
        "oneOf": [
            {
                "type": "Note",
                "name": option,
                "replies": {"type": "Collection", "totalItems": counts.get(option, 0)},
            }
            for option in decision.options
        ],
        "votersCount": sum(counts.values()),
        "published": iso(decision.opened_at),
        "endTime": iso(decision.closes_at),
        "quorum": str(decision.quorum),
        "threshold": str(decision.threshold),
        "to": list(decision.roll),
        "url": f"{identity.site_url()}/networks/{network.slug}/decisions/{decision.public_id}/",
    }
    if decision.state == NetworkDecision.State.CLOSED and decision.closed_at:
        doc["closed"] = iso(decision.closed_at)
        doc["result"] = decision.result
    return doc


def question_document(public_id: Any) -> dict[str, Any] | None:
    """The Question document for ``/ap/questions/<public_id>`` (None if unknown)."""
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        return None
    decision = NetworkDecision.objects.select_related("network").filter(public_id=key).first()
    return question_json(decision) if decision else None


def answer_document(public_id: Any) -> dict[str, Any] | None:
    """The Note of one of our cooperatives' latest answers (None if unknown
    or replaced since: only the current answer is served)."""
    try:
        uri = identity.object_uri("answer", uuid.UUID(str(public_id)))
    except ValueError:
        return None
    answer = (
        CoopAnswer.objects.filter(uri=uri, state=CoopAnswer.State.SENT)
        .select_related("cooperative", "question__actor", "decision__network")
        .first()
    )
    if answer is None or answer.sent_at is None:
        return None
    if answer.decision is not None:
        network_uri = identity.network_uri(answer.decision.network)
    else:
        assert answer.question is not None
        network_uri = answer.question.actor.uri
    return _answer_note(
        uri, identity.coop_uri(answer.cooperative), answer, network_uri, answer.sent_at
    )


def _answer_note(
    uri: str, author: str, answer: CoopAnswer, network_uri: str, sent_at: datetime
) -> dict[str, Any]:
    return {
        "@context": identity.AS_CONTEXT,
        "id": uri,
        "type": "Note",
        "attributedTo": author,
        "name": answer.choice,
        "inReplyTo": answer.question_uri,
        "to": [network_uri],
        "published": iso(sent_at),
    }


# --- The network's side ----------------------------------------------------------


def open_decision(
    network: Network,
    *,
    by: Member,
    title: str,
    body: str,
    options: list[Any],
    closes_at: datetime,
    quorum: Any = None,
    threshold: Any = None,
) -> NetworkDecision:
    """Ask the member cooperatives; the network's own quorum and threshold
    apply unless the question sets its own."""
    _require_coordinator(by, network)
    now = timezone.now()
    fields = {
        "title": _text(title, "title", limit=200),
        "body": _text(body, "body", limit=20000, required=False),
        "options": check_options(options),
        "closes_at": _check_closing(closes_at, now),
        "quorum": check_fraction(network.decision_quorum if quorum is None else quorum, "quorum"),
        "threshold": check_fraction(
            network.decision_threshold if threshold is None else threshold, "threshold"
        ),
    }
    with transaction.atomic():
        members = member_actors(network)
        decision = NetworkDecision.objects.create(
            network=network, opened_by=by, opened_at=now, roll=sorted(members), **fields
        )
        append_entry(
            network_chain(network),
            "network_decision.opened",
            actor=str(by.public_id),
            data={
                "decision": str(decision.public_id),
                "uri": decision.uri,
                "title": decision.title,
                "options": decision.options,
                "quorum": str(decision.quorum),
                "threshold": str(decision.threshold),
                "closes_at": iso(decision.closes_at),
                "roll": decision.roll,
            },
        )
        sender = identity.network_actor(network)
        activity = _activity("Create", sender, question_json(decision), decision.roll)
        _deliver(activity, members.values(), sender)
        transaction.on_commit(lambda: _schedule(decision.closes_at))
    return decision


def _check_answer(decision: NetworkDecision, actor: Actor, choice: str) -> None:
    """Why an answer does not count, if it does not."""
    if decision.state != NetworkDecision.State.OPEN or decision.closes_at <= timezone.now():
        raise InvalidInput(_("This network decision is closed: it takes no more answers."))
    if not is_verified_member(decision.network, actor):
        raise InvalidInput(_("Only member cooperatives of the network can answer."))
    if actor.uri not in decision.roll:
        raise InvalidInput(
            _("Only the cooperatives that were members when the question opened can answer.")
        )
    if choice not in decision.options:
        raise InvalidInput(_("Choose one of the question's options."), field="choice")


def _record_answer(decision: NetworkDecision, actor: Actor, choice: str, uri: str) -> NetworkAnswer:
    with transaction.atomic():
        decision = (
            NetworkDecision.objects.select_for_update()
            .select_related("network")
            .get(pk=decision.pk)
        )
        _check_answer(decision, actor, choice)
        earlier = NetworkAnswer.objects.filter(decision=decision, cooperative=actor).first()
        answer, _created = NetworkAnswer.objects.update_or_create(
            decision=decision,
            cooperative=actor,
            defaults={"choice": choice, "uri": uri, "received_at": timezone.now()},
        )
        append_entry(
            network_chain(decision.network),
            "network_decision.answer_received",
            actor=actor.uri,
            data={
                "decision": str(decision.public_id),
                "cooperative": actor.uri,
                "choice": choice,
                "answer": uri,
                "replaces": earlier.choice if earlier else None,
            },
        )
        return answer


def decision_for_uri(uri: Any) -> NetworkDecision | None:
    """Our decision whose Question has this id, if any."""
    if not isinstance(uri, str) or not identity.is_local(uri):
        return None
    found = _QUESTION_PATH.search(uri)
    if found is None:
        return None
    decision = NetworkDecision.objects.select_related("network").filter(public_id=found.group(1))
    match = decision.first()
    return match if match is not None and match.uri == uri else None


def _single_uri(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return str(value["id"])
    if isinstance(value, list) and len(value) == 1:
        return _single_uri(value[0])
    return None


def receive_answer(note: dict[str, Any], coop_actor: Actor) -> NetworkAnswer:
    """A cooperative's answer (a Note named after the option, in reply to
    our question) arrived in the network's inbox."""
    if not isinstance(note, dict) or note.get("type") != "Note":
        raise InvalidInput(_("An answer is a Note that names one option."))
    note_id = note.get("id")
    if not isinstance(note_id, str) or identity.domain_of(note_id) != coop_actor.domain:
        raise InvalidInput(_("The answer does not come from the cooperative's own server."))
    author = _single_uri(note.get("attributedTo"))
    if author is not None and author != coop_actor.uri:
        raise InvalidInput(_("The answer is not the sending cooperative's."))
    decision = decision_for_uri(_single_uri(note.get("inReplyTo")))
    if decision is None:
        raise InvalidInput(_("The answer does not reply to a decision of a network here."))
    choice = note.get("name")
    if not isinstance(choice, str):
        raise InvalidInput(_("Choose one of the question's options."), field="choice")
    return _record_answer(decision, coop_actor, choice.strip(), note_id)


def close_decision(decision: NetworkDecision, *, by: Member | None = None) -> NetworkDecision:
    """Count and announce. ``by`` None: the deadline closed it.

    The cooperatives counted are those on the roll that are still members:
    one the network removed meanwhile no longer speaks in it."""
    with transaction.atomic():
        decision = (
            NetworkDecision.objects.select_for_update()
            .select_related("network")
            .get(pk=decision.pk)
        )
        network = decision.network
        if by is not None:
            _require_coordinator(by, network)
        if decision.state != NetworkDecision.State.OPEN:
            raise InvalidTransition(_("This decision is already closed."))
        current = member_actors(network)
        members = set(decision.roll) & set(current)
        answers = {
            a.cooperative.uri: a.choice for a in decision.answers.select_related("cooperative")
        }
        result = count_network_answers(
            members, answers, decision.options, decision.quorum, decision.threshold
        )
        decision.result = result.to_dict()
        decision.state = NetworkDecision.State.CLOSED
        decision.closed_at = timezone.now()
        decision.save(update_fields=["result", "state", "closed_at"])
        append_entry(
            network_chain(network),
            "network_decision.closed",
            actor=str(by.public_id) if by else None,
            data={
                "decision": str(decision.public_id),
                "result": decision.result,
                # What anyone can recount the result from.
                "counted_members": sorted(members),
                "answers": [[uri, answers[uri]] for uri in sorted(answers)],
            },
        )
        sender = identity.network_actor(network)
        activity = _activity("Update", sender, question_json(decision), decision.roll)
        asked = [current[uri] for uri in decision.roll if uri in current]
        asked += list(Actor.objects.filter(uri__in=set(decision.roll) - set(current)))
        _deliver(activity, asked, sender)
        return decision


def close_due_decisions(now: datetime | None = None) -> int:
    now = now or timezone.now()
    closed = 0
    due = NetworkDecision.objects.filter(state=NetworkDecision.State.OPEN, closes_at__lte=now)
    for decision in due:
        try:
            close_decision(decision)
            closed += 1
        except InvalidTransition:
            continue  # closed meanwhile by a coordinator
    return closed


# --- A member cooperative's side -------------------------------------------------------


def _clean_html(html: Any) -> str:
    if not isinstance(html, str):
        return ""
    return markdown.clean(html)


def _remote_options(obj: dict[str, Any]) -> list[str]:
    if "anyOf" in obj:
        raise InvalidInput(_("A network question must ask for one option, not several."))
    one_of = obj.get("oneOf")
    if not isinstance(one_of, list):
        raise InvalidInput(_("Give at least two options."), field="options")
    names = [item.get("name") if isinstance(item, dict) else None for item in one_of]
    if any(not isinstance(name, str) for name in names):
        raise InvalidInput(_("Each option of the question needs a name."), field="options")
    options = check_options(names)
    if len(options) != len(names):
        raise InvalidInput(_("Each option of the question needs a name."), field="options")
    return options


def _our_coops_in(network_actor: Actor) -> list[Cooperative]:
    follows = Follow.objects.filter(
        followed=network_actor,
        state=Follow.State.ACCEPTED,
        follower__local=True,
        follower__cooperative__isnull=False,
    ).select_related("follower__cooperative")
    return [f.follower.cooperative for f in follows if f.follower.cooperative is not None]


def receive_question(obj: dict[str, Any], network_actor: Actor) -> RemoteObject:
    """A network one of our cooperatives belongs to asks a question, or (an
    Update) closes it and announces the result."""
    if not isinstance(obj, dict) or obj.get("type") != "Question":
        raise InvalidInput(_("This is not a network question."))
    uri = obj.get("id")
    if not isinstance(uri, str) or identity.domain_of(uri) != network_actor.domain:
        raise InvalidInput(_("The question does not come from the network's own server."))
    if _single_uri(obj.get("attributedTo")) != network_actor.uri:
        raise InvalidInput(_("The question is not the sending network's."))
    if not _our_coops_in(network_actor):
        raise InvalidInput(_("None of the cooperatives here is a member of this network."))
    options = _remote_options(obj)
    ends = parse_time(obj.get("endTime"))
    if ends is None:
        raise InvalidInput(_("The question has no valid closing time."), field="closes_at")
    name = obj.get("name")
    now = timezone.now()
    with transaction.atomic():
        existing = RemoteObject.objects.select_for_update().filter(uri=uri).first()
        if existing is not None and existing.actor_id != network_actor.pk:
            raise InvalidInput(_("Only the network that asked can change its question."))
        if existing is not None and existing.deleted_at is not None:
            raise InvalidInput(_("This question was withdrawn."))
        data = dict(obj)
        data["oneOf"] = [
            {**item, "name": option}
            for item, option in zip(obj["oneOf"], options, strict=True)
            if isinstance(item, dict)
        ]
        fields = {
            "kind": RemoteObject.Kind.QUESTION,
            "actor": network_actor,
            "audience": RemoteObject.Audience.NETWORK,
            "networks": [network_actor.uri],
            "name": (name if isinstance(name, str) else "").strip()[:300],
            "content": _clean_html(obj.get("content")),
            "url": obj["url"] if isinstance(obj.get("url"), str) else "",
            "data": data,
            "updated": now,
        }
        question, created = RemoteObject.objects.update_or_create(uri=uri, defaults=fields)
        if created:
            question.published = parse_time(obj.get("published")) or now
            question.save(update_fields=["published"])
        return question


@dataclass
class CoopQuestion:
    """A network's question as a member cooperative sees it, whether the
    network is on this instance (``decision``) or elsewhere (``remote``)."""

    uri: str
    title: str
    content: str  # safe HTML
    options: list[str]
    closes_at: datetime | None
    closed: bool
    result: DecisionResult | None
    network_name: str
    decision: NetworkDecision | None = None
    remote: RemoteObject | None = None
    answer: CoopAnswer | None = None

    @property
    def is_open(self) -> bool:
        return not self.closed and (self.closes_at is None or self.closes_at > timezone.now())

    @property
    def location(self) -> str:
        return "local" if self.decision is not None else "remote"

    @property
    def key(self) -> str:
        return (
            str(self.decision.public_id) if self.decision else str(getattr(self.remote, "pk", ""))
        )


def _remote_result(data: dict[str, Any], options: list[str]) -> DecisionResult | None:
    summary = data.get("result")
    if isinstance(summary, dict):
        try:
            return DecisionResult.from_dict(summary, options)
        except (KeyError, TypeError, ValueError, InvalidOperation):
            return None
    return None


def as_coop_question(question: NetworkDecision | RemoteObject) -> CoopQuestion:
    if isinstance(question, NetworkDecision):
        return CoopQuestion(
            uri=question.uri,
            title=question.title,
            content=markdown.render(question.body),
            options=list(question.options),
            closes_at=question.closes_at,
            closed=question.state == NetworkDecision.State.CLOSED,
            result=(
                DecisionResult.from_dict(question.result, question.options)
                if question.result
                else None
            ),
            network_name=question.network.name,
            decision=question,
        )
    data = question.data
    options = [str(item["name"]) for item in data.get("oneOf", [])]
    return CoopQuestion(
        uri=question.uri,
        title=question.name,
        content=question.content,
        options=options,
        closes_at=parse_time(data.get("endTime")),
        closed=bool(data.get("closed")) or question.deleted_at is not None,
        result=_remote_result(data, options),
        network_name=question.actor.name,
        remote=question,
    )


def coop_questions(coop: Cooperative) -> list[CoopQuestion]:
    """The questions of the networks ``coop`` belongs to, here and elsewhere,
    newest first, each with what the cooperative answered."""
    local = NetworkDecision.objects.filter(network__memberships__cooperative=coop).select_related(
        "network"
    )
    actor = identity.coop_actor(coop)
    networks = Follow.objects.filter(follower=actor, state=Follow.State.ACCEPTED).values_list(
        "followed_id", flat=True
    )
    remote = RemoteObject.objects.filter(
        kind=RemoteObject.Kind.QUESTION, actor_id__in=networks, deleted_at__isnull=True
    ).select_related("actor")
    found = [as_coop_question(d) for d in local] + [as_coop_question(r) for r in remote]
    answers = {a.question_uri: a for a in CoopAnswer.objects.filter(cooperative=coop)}
    for item in found:
        item.answer = answers.get(item.uri)
    epoch = datetime.min.replace(tzinfo=UTC)
    found.sort(key=lambda q: (q.is_open, q.closes_at or epoch), reverse=True)
    return found


def coop_question(coop: Cooperative, location: str, key: str) -> CoopQuestion | None:
    """One question ``coop`` was asked (None if it was not)."""
    for item in coop_questions(coop):
        if item.location == location and item.key == key:
            return item
    return None


def _fresh(question: NetworkDecision | RemoteObject) -> NetworkDecision | RemoteObject:
    """The question as stored now (a caller's copy may predate its close)."""
    if isinstance(question, NetworkDecision):
        return NetworkDecision.objects.select_related("network").get(pk=question.pk)
    return RemoteObject.objects.select_related("actor").get(pk=question.pk)


def _check_question_open(question: NetworkDecision | RemoteObject) -> CoopQuestion:
    seen = as_coop_question(question)
    if not seen.is_open:
        raise InvalidTransition(_("This network decision is closed: it takes no more answers."))
    return seen


def _send_answer(
    coop: Cooperative,
    question: NetworkDecision | RemoteObject,
    choice: str,
    *,
    by: Member | None,
    poll: Poll | None,
) -> CoopAnswer:
    question = _fresh(question)
    seen = _check_question_open(question)
    choice = (choice or "").strip()
    if choice not in seen.options:
        raise InvalidInput(_("Choose one of the question's options."), field="choice")
    actor = identity.coop_actor(coop)
    answer_uri = identity.object_uri("answer", uuid.uuid4())
    with transaction.atomic():
        if isinstance(question, NetworkDecision):
            _record_answer(question, actor, choice, answer_uri)
            network_uri = identity.network_uri(question.network)
        else:
            network = question.actor
            if not Follow.objects.filter(
                follower=actor, followed=network, state=Follow.State.ACCEPTED
            ).exists():
                raise PermissionDenied(_("Your cooperative is not a member of this network."))
            sent = CoopAnswer(choice=choice, question_uri=question.uri)
            note = _answer_note(answer_uri, actor.uri, sent, network.uri, timezone.now())
            del note["@context"]  # the activity carries it
            activity = _activity("Create", actor, note, [network.uri])
            # The network's own inbox (not a shared one): the answer is for it alone.
            inbox = network.inbox or network.delivery_inbox
            from taawun.federation import delivery

            delivery.enqueue(activity, [inbox], actor)
            network_uri = network.uri
        answer, _created = CoopAnswer.objects.update_or_create(
            cooperative=coop,
            question_uri=question.uri,
            defaults={
                "question": question if isinstance(question, RemoteObject) else None,
                "decision": question if isinstance(question, NetworkDecision) else None,
                "state": CoopAnswer.State.SENT,
                "choice": choice,
                "poll": poll,
                "answered_by": by,
                "sent_at": timezone.now(),
                "uri": answer_uri,
            },
        )
        membership.record(
            coop,
            "network_decision.answered",
            by,
            {
                "question": question.uri,
                "network": network_uri,
                "choice": choice,
                "answer": answer_uri,
                "poll": str(poll.public_id) if poll else None,
            },
        )
        return answer


def _polling(coop: Cooperative, question_uri: str) -> CoopAnswer | None:
    return CoopAnswer.objects.filter(
        cooperative=coop,
        question_uri=question_uri,
        state=CoopAnswer.State.POLLING,
        poll__state=Poll.State.OPEN,
    ).first()


def answer_decision(
    coop: Cooperative,
    question: NetworkDecision | RemoteObject,
    *,
    choice: str,
    by: Member,
) -> CoopAnswer:
    """An officer answers for the cooperative (again, to change the answer,
    until the question closes)."""
    _require_representative(by, coop)
    if _polling(coop, question.uri) is not None:
        raise Conflict(
            _("The members are voting on this question: their poll's result will be sent.")
        )
    return _send_answer(coop, question, choice, by=by, poll=None)


def open_internal_poll(
    coop: Cooperative,
    question: NetworkDecision | RemoteObject,
    *,
    by: Member,
    closes_at: datetime,
) -> Poll:
    """Let the members decide: a single-choice poll with the question's
    options, under the cooperative's own bylaws; its winner is sent as the
    cooperative's answer when it closes (``answer_from_closed_polls``)."""
    from taawun.governance import actions as governance

    _require_representative(by, coop)
    question = _fresh(question)
    seen = _check_question_open(question)
    if seen.closes_at is not None and closes_at > seen.closes_at:
        raise InvalidInput(
            _("The members' poll must close before the network's question does."),
            field="closes_at",
        )
    if _polling(coop, question.uri) is not None:
        raise Conflict(_("The members are already voting on this question."))
    with transaction.atomic():
        poll = governance.create_poll(
            by=by.user,
            coop=coop,
            kind=Poll.Kind.PLURALITY,
            title=seen.title[:200] or _("A network question"),
            description=_(
                "The network %(network)s asks its member cooperatives this question. "
                "The option that wins this poll is sent as our cooperative's answer."
            )
            % {"network": seen.network_name},
            options=seen.options,
            closes_at=closes_at,
        )
        poll = governance.open_poll(poll, by=by.user)
        CoopAnswer.objects.update_or_create(
            cooperative=coop,
            question_uri=question.uri,
            defaults={
                "question": question if isinstance(question, RemoteObject) else None,
                "decision": question if isinstance(question, NetworkDecision) else None,
                "state": CoopAnswer.State.POLLING,
                "poll": poll,
                "answered_by": by,
            },
        )
        membership.record(
            coop,
            "network_decision.poll_opened",
            by,
            {"question": question.uri, "poll": str(poll.public_id)},
        )
        transaction.on_commit(lambda: _schedule(closes_at))
        return poll


def poll_answer(result: dict[str, Any] | None) -> str | None:
    """The option an internal poll's result gives the network: its winner,
    if the poll reached its quorum and has one."""
    if not result or not result.get("quorum", {}).get("reached"):
        return None
    winners = result.get("winners") or []
    return str(winners[0]) if len(winners) == 1 else None


def answer_from_closed_polls() -> int:
    """Send the winner of each internal poll that has closed since; the
    worker runs it after closing polls. Returns how many answers went out."""
    sent = 0
    waiting = CoopAnswer.objects.filter(
        state=CoopAnswer.State.POLLING,
        poll__state__in=[Poll.State.CLOSED, Poll.State.DECIDED],
    ).select_related("cooperative", "poll", "question__actor", "decision__network")
    for pending in waiting:
        poll = pending.poll
        assert poll is not None
        question = pending.decision or pending.question
        assert question is not None
        choice = poll_answer(poll.result)
        reason = "no_winner"
        try:
            if choice is not None:
                _send_answer(pending.cooperative, question, choice, by=None, poll=poll)
                sent += 1
                continue
        except (InvalidInput, InvalidTransition, PermissionDenied):
            # The question closed first, or the cooperative left the network.
            reason = "refused"
        with transaction.atomic():
            pending.state = CoopAnswer.State.UNANSWERED
            pending.save(update_fields=["state"])
            membership.record(
                pending.cooperative,
                "network_decision.unanswered",
                None,
                {"question": question.uri, "poll": str(poll.public_id), "reason": reason},
            )
    return sent


# --- Background work --------------------------------------------------------------


@task()
def settle_network_decisions() -> int:
    """Close due polls and decisions, and send the answers polls gave."""
    from taawun.governance import actions as governance

    governance.close_due_polls()
    return answer_from_closed_polls() + close_due_decisions()


def _schedule(when: datetime) -> None:
    if default_task_backend.supports_defer:
        settle_network_decisions.using(run_after=when + timedelta(seconds=5)).enqueue()
