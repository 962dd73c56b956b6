"""What a test does inside one instance: set things up through the real
actions, and read what the instance holds.

Run as ``python -m tests.federation.driver`` by ``instances.Instance``, with
that instance's environment and the production settings: it reads one JSON
request a line from stdin (``{"function": name, "kwargs": {...}}``), runs
the function of this module by that name, and writes one JSON line back
(``{"result": ...}`` or ``{"error": traceback}``). Everything else the
process prints goes to its log.

Functions take and give plain values (slugs, emails, URIs), never rows:
their results cross a pipe. Each imports what it uses when it runs, so a
federation module that is missing or different fails the one step that
needs it, with its traceback.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from datetime import timedelta
from typing import Any

# --- set-up through the real actions ------------------------------------------


def ping() -> dict[str, str]:
    from taawun.federation import identity

    return {"site": identity.site_url(), "domain": identity.local_domain()}


def _user(email: str) -> Any:
    from taawun.accounts.models import User

    return User.objects.get(email__iexact=email)


def _coop(slug: str) -> Any:
    from taawun.membership.models import Cooperative

    return Cooperative.objects.get(slug=slug)


def _network(slug: str) -> Any:
    from taawun.membership.models import Network

    return Network.objects.get(slug=slug)


def make_person(email: str, name: str) -> str:
    from taawun.accounts.models import User

    User.objects.create_user(email, "correct horse battery staple", name=name, language="en")
    return email


def make_cooperative(
    slug: str, founder: str, name: str, country: str = "EG", min_voting_hours: int = 24
) -> dict[str, str]:
    """A cooperative founded by a new account ``founder`` (who holds every
    office, so speaks for it in the network)."""
    from taawun.federation import identity
    from taawun.membership import actions
    from taawun.membership.bylaws import default_bylaws

    bylaws = default_bylaws()
    bylaws["min_voting_hours"] = min_voting_hours

    make_person(founder, f"Founder of {name}")
    coop = actions.create_cooperative(
        founder=_user(founder),
        slug=slug,
        names={"en": name},
        country=country,
        currency="EGP",
        languages=["ar", "en"],
        bylaws=bylaws,
    )
    return {"slug": coop.slug, "uri": identity.coop_uri(coop), "handle": _handle(coop.slug)}


def _handle(username: str) -> str:
    from taawun.federation import identity

    return f"@{username}@{identity.local_domain()}"


def make_member(coop: str, email: str, name: str) -> str:
    """An ordinary member: applied, then admitted by the founder."""
    from taawun.membership import actions

    cooperative = _coop(coop)
    make_person(email, name)
    applied = actions.apply_for_membership(
        user=_user(email), coop=cooperative, membership_class="worker"
    )
    founder = cooperative.members.get(number=1).user
    actions.admit_member(applied, by=founder)
    return email


def make_network(slug: str, name: str, admission: str, coordinated_by: str) -> dict[str, str]:
    """A network hosted here, with the local cooperative ``coordinated_by``
    as its member (its officers coordinate the network)."""
    from taawun.federation import identity
    from taawun.membership import networks

    network = networks.create_network(slug=slug, names={"en": name})
    # The network's rule for admission is part of how it is set up, before
    # anyone asks to join.
    network.admission = admission
    network.save(update_fields=["admission"])
    networks.join_network(_coop(coordinated_by), network)
    return {"slug": slug, "uri": identity.network_uri(network), "handle": _handle(slug)}


def add_skill(by: str, name: str) -> str:
    from taawun.knowledge import skill_actions

    return str(skill_actions.add_skill(by=_user(by), names={"en": name}).slug)


def declare_skill(email: str, skill: str, level: int) -> None:
    from taawun.knowledge import skill_actions

    skill_actions.declare_skill(by=_user(email), skill=skill, level=level, mentors=False)


def add_service(coop: str, by: str, title: str, skills: list[str]) -> None:
    from taawun.knowledge import skill_actions
    from taawun.knowledge.skill_queries import skills_by_slug

    skill_actions.add_service(
        by=_user(by), coop=_coop(coop), title=title, skills=skills_by_slug(skills)
    )


def write_article(by: str, coop: str, title: str, body: str, visibility: str) -> str:
    """An article written by a member; its URI. Publishing follows from the
    save (taawun.federation.publishing's hooks), as on the article page."""
    from taawun.federation import identity
    from taawun.knowledge import article_actions

    article = article_actions.write_article(
        by=_user(by),
        coop=_coop(coop),
        title=title,
        body=body,
        language="en",
        visibility=visibility,
    )
    return identity.object_uri("article", article.public_id)


def post_call(
    by: str, coop: str, title: str, body: str, needs: list[list[Any]], visibility: str
) -> str:
    """A call for collaboration needing ``needs`` ([skill slug, level]...); its URI."""
    from taawun.federation import identity
    from taawun.knowledge import call_actions
    from taawun.knowledge.skill_queries import get_skill

    call = call_actions.post_call(
        by=_user(by),
        coop=_coop(coop),
        title=title,
        body=body,
        terms="paid",
        needs=[(get_skill(slug), int(level)) for slug, level in needs],
        visibility=visibility,
    )
    return identity.object_uri("call", call.public_id)


def remote_partners(call: str) -> list[dict[str, Any]]:
    """The partner cooperatives on other servers the call's page suggests."""
    from taawun.federation.partners import suggest_remote_partners
    from taawun.knowledge.models import Call

    found = Call.objects.get(public_id=call.rstrip("/").rsplit("/", 1)[1])
    return [
        {"uri": partner.actor.uri, "reason": str(partner.reason)}
        for partner in suggest_remote_partners(found)
    ]


# --- federation actions ---------------------------------------------------------


def _actor_summary(actor: Any) -> dict[str, Any]:
    return {
        "uri": actor.uri,
        "role": actor.role,
        "kind": actor.kind,
        "local": actor.local,
        "domain": actor.domain,
        "username": actor.username,
        "name": actor.name,
        "inbox": actor.inbox,
        "shared_inbox": actor.shared_inbox,
        "key_id": actor.key_id,
        "has_public_key": "BEGIN PUBLIC KEY" in actor.public_key_pem,
        "data": actor.data,
    }


def resolve(handle: str) -> dict[str, Any]:
    """Find another server's actor by its handle, as a member typing it would
    (WebFinger, then the signed fetch of its document)."""
    from taawun.federation.remote_actors import resolve_handle

    return _actor_summary(resolve_handle(handle))


def actor(uri: str) -> dict[str, Any] | None:
    from taawun.federation.models import Actor

    found = Actor.objects.filter(uri=uri).first()
    return _actor_summary(found) if found else None


def follow(coop: str, handle: str, by: str) -> str:
    """An officer (``by``) of the cooperative follows another cooperative, as
    the cooperative's network page does; the follow's state."""
    from taawun.federation import publishing, rules

    cooperative = _coop(coop)
    rules.access_representative(_user(by), cooperative)
    return str(publishing.follow(cooperative, handle).state)


def ask_to_join(coop: str, handle: str, by: str) -> str:
    """An officer asks, for the cooperative, to join a network; the state."""
    from taawun.federation import publishing, rules

    cooperative = _coop(coop)
    rules.access_representative(_user(by), cooperative)
    return str(publishing.ask_to_join(cooperative, handle).state)


def follow_state(follower: str, followed: str) -> str | None:
    """The state of the follow (or request to join) ``follower`` → ``followed``."""
    from taawun.federation.models import Follow

    found = Follow.objects.filter(follower__uri=follower, followed__uri=followed).first()
    return found.state if found else None


def join_requests(network: str) -> list[str]:
    """The cooperatives (actor URIs) waiting for the network's answer."""
    from taawun.federation import directory

    return [f.follower.uri for f in directory.pending_requests(_network(network))]


def decide_join(network: str, follower: str, accept: bool, by: str) -> None:
    """The network's coordinator ``by`` accepts or refuses a request."""
    from taawun.federation import directory, publishing, rules

    found = _network(network)
    rules.access_coordinator(_user(by), found)
    request = directory.pending_requests(found).get(follower__uri=follower)
    publishing.decide_join(request, accept=accept)


def network_members(network: str) -> list[str]:
    """The member cooperatives of a network hosted here (actor URIs)."""
    from taawun.federation import directory, identity

    members = directory.member_coops(_network(network))
    return sorted(
        m.actor.uri if m.actor is not None else identity.coop_uri(m.cooperative) for m in members
    )


def directory_search(network: str, text: str) -> list[dict[str, Any]]:
    """The network directory's answer to a search by skill."""
    from taawun.federation import directory, identity

    found = directory.search(directory.member_coops(_network(network)), text)
    answer = []
    for match in found:
        member = match.coop
        uri = (
            member.actor.uri if member.actor is not None else identity.coop_uri(member.cooperative)
        )
        answer.append({"uri": uri, "skill": match.skill.slug, "members": match.skill.members})
    return answer


def block_domain(domain: str) -> None:
    from taawun.federation import policy

    policy.block_domain(domain, reason="test: blocked")


def unblock_domain(domain: str) -> None:
    from taawun.federation import policy

    policy.unblock_domain(domain)


# --- what arrived, and who may read it -------------------------------------------------


def _remote_summary(obj: Any) -> dict[str, Any]:
    return {
        "id": obj.pk,
        "uri": obj.uri,
        "kind": obj.kind,
        "actor": obj.actor.uri,
        "audience": obj.audience,
        "networks": obj.networks,
        "name": obj.name,
        "content": obj.content,
        "deleted": obj.deleted_at is not None,
        "data": obj.data,
    }


def remote_objects(kind: str = "") -> list[dict[str, Any]]:
    """Everything from other servers, in the order it arrived."""
    from taawun.federation.models import RemoteObject

    objects = RemoteObject.objects.select_related("actor").order_by("id")
    if kind:
        objects = objects.filter(kind=kind)
    return [_remote_summary(obj) for obj in objects]


def remote_object(uri: str) -> dict[str, Any] | None:
    from taawun.federation.models import RemoteObject

    found = RemoteObject.objects.select_related("actor").filter(uri=uri).first()
    return _remote_summary(found) if found else None


def readable_remote(email: str) -> list[str]:
    """The URIs of the objects from elsewhere that this person may read."""
    from taawun.federation.objects import readable_remote as readable

    return sorted(obj.uri for obj in readable(_user(email)))


def activities_about(object_uri: str) -> list[dict[str, Any]]:
    """The activities this instance sent or received about ``object_uri``,
    with where each was delivered."""
    from taawun.federation.models import Activity

    found = Activity.objects.filter(object_uri=object_uri).select_related("actor").order_by("id")
    return [
        {
            "type": a.type,
            "actor": a.actor.uri,
            "local": a.local,
            "deliveries": [[d.inbox, d.state] for d in a.deliveries.order_by("id")],
        }
        for a in found
    ]


def received_mentioning(uri: str) -> list[list[str]]:
    """The activities received from other servers that carry ``uri`` (as
    their object, or inside what they forward): [type, sender] each."""
    from taawun.federation.models import Activity

    found = Activity.objects.filter(local=False).select_related("actor").order_by("id")
    return [[a.type, a.actor.uri] for a in found if uri in json.dumps(a.data)]


def deliveries_to(domain: str) -> dict[str, int]:
    """How many deliveries to ``domain`` are in each state, and how many were
    tried and failed (attempts made, still pending)."""
    from django.db.models import Count

    from taawun.federation.models import Delivery

    rows = Delivery.objects.filter(inbox__contains=f"//{domain}/")
    counts = {row["state"]: row["n"] for row in rows.values("state").annotate(n=Count("id"))}
    counts["failed_once"] = rows.filter(state="pending", attempts__gt=0).count()
    return counts


def retry_now(domain: str) -> int:
    """Bring the next attempt of the deliveries waiting for ``domain`` to now:
    the back-off (a minute, then longer) has passed, as it would for an
    instance that comes back after a while."""
    from django.utils import timezone

    from taawun.federation.models import Delivery

    return Delivery.objects.filter(
        inbox__contains=f"//{domain}/", state=Delivery.State.PENDING
    ).update(next_attempt_at=timezone.now())


def skill_holders(coop: str) -> list[dict[str, Any]]:
    """The cooperative's skills as its profile (and actor document) tells them."""
    from taawun.knowledge.skill_queries import coop_profile

    return [
        {"slug": entry.skill.slug, "members": entry.members, "highest": entry.highest}
        for entry in coop_profile(_coop(coop))["skills"]
    ]


# --- network decisions -----------------------------------------------------------------


def _member(coop: str, email: str) -> Any:
    return _coop(coop).members.get(user__email__iexact=email)


def open_decision(
    network: str, by: str, title: str, body: str, options: list[str], minutes: int
) -> str:
    """A coordinator (``by``, an officer of a member cooperative here) asks
    the network's cooperatives; the question's URI."""
    from django.utils import timezone

    from taawun.federation import decisions
    from taawun.membership.models import Member

    found = _network(network)
    coordinator = Member.objects.get(
        user__email__iexact=by, cooperative__network_memberships__network=found
    )
    decision = decisions.open_decision(
        found,
        by=coordinator,
        title=title,
        body=body,
        options=options,
        closes_at=timezone.now() + timedelta(minutes=minutes),
    )
    return str(decision.uri)


def _question(question_uri: str) -> Any:
    """The question as a cooperative here has it: the decision itself if the
    network is hosted here, else what reached us."""
    from taawun.federation.models import RemoteObject
    from taawun.federation.models_decisions import NetworkDecision

    public_id = question_uri.rstrip("/").rsplit("/", 1)[1]
    local = NetworkDecision.objects.filter(public_id=public_id).first()
    if local is not None and local.uri == question_uri:
        return local
    return RemoteObject.objects.get(uri=question_uri, kind=RemoteObject.Kind.QUESTION)


def answer_decision(coop: str, question: str, choice: str, by: str) -> None:
    """An officer answers for the cooperative."""
    from taawun.federation import decisions

    decisions.answer_decision(_coop(coop), _question(question), choice=choice, by=_member(coop, by))


def open_internal_poll(coop: str, question: str, by: str, seconds: int) -> int:
    """An officer lets the members decide the cooperative's answer, in a poll
    closing in ``seconds``; the poll's id."""
    from django.utils import timezone

    from taawun.federation import decisions

    poll = decisions.open_internal_poll(
        _coop(coop),
        _question(question),
        by=_member(coop, by),
        closes_at=timezone.now() + timedelta(seconds=seconds),
    )
    return int(poll.pk)


def poll_info(poll: int) -> dict[str, Any]:
    from taawun.governance.models import Poll

    found = Poll.objects.get(pk=poll)
    return {
        "title": found.title,
        "kind": found.kind,
        "options": found.options,
        "state": found.state,
        "roll_size": found.roll_size,
        "result": found.result,
    }


def vote(poll: int, email: str, option: str) -> None:
    """A member's vote for ``option`` in their cooperative's poll."""
    from taawun.governance import actions
    from taawun.governance.models import Poll

    found = Poll.objects.get(pk=poll)
    actions.cast_vote(found, by=_user(email), choice={"option": found.options.index(option)})


def coop_answer(coop: str, question: str) -> dict[str, Any] | None:
    """What our cooperative answered (or is polling its members on)."""
    from taawun.federation.models_decisions import CoopAnswer

    found = CoopAnswer.objects.filter(cooperative=_coop(coop), question_uri=question).first()
    if found is None:
        return None
    return {"state": found.state, "choice": found.choice, "poll": found.poll_id}


def network_answers(decision: str) -> dict[str, str]:
    """The answers that reached the network, by cooperative actor URI."""
    from taawun.federation.models_decisions import NetworkAnswer

    public_id = decision.rstrip("/").rsplit("/", 1)[1]
    return {
        answer.cooperative.uri: answer.choice
        for answer in NetworkAnswer.objects.filter(decision__public_id=public_id).select_related(
            "cooperative"
        )
    }


def close_decision(decision: str, by: str) -> dict[str, Any]:
    """A coordinator closes the decision; what the network counted."""
    from taawun.federation import decisions
    from taawun.federation.models_decisions import NetworkDecision
    from taawun.membership.models import Member

    public_id = decision.rstrip("/").rsplit("/", 1)[1]
    found = NetworkDecision.objects.get(public_id=public_id)
    coordinator = Member.objects.get(
        user__email__iexact=by, cooperative__network_memberships__network=found.network
    )
    closed = decisions.close_decision(found, by=coordinator)
    return {"state": closed.state, "result": closed.result}


def question_seen(coop: str, question: str) -> dict[str, Any] | None:
    """The network's question as the cooperative's page shows it: open or
    closed, and the result once announced."""
    from taawun.federation import decisions

    for item in decisions.coop_questions(_coop(coop)):
        if item.uri == question:
            return {
                "title": item.title,
                "options": item.options,
                "closed": item.closed,
                "result": item.result.to_dict() if item.result else None,
                "answer": item.answer.choice if item.answer else None,
            }
    return None


# --- what to show when a scenario fails -------------------------------------------------


def federation_state() -> dict[str, Any]:
    from django.db.models import Count

    from taawun.federation.models import Activity, Actor, Delivery, Follow, RemoteObject

    return {
        "actors": [
            f"{a.role} {'local' if a.local else 'remote'} {a.uri}"
            for a in Actor.objects.order_by("id")
        ],
        "follows": [
            f"{f.follower.uri} -> {f.followed.uri}: {f.state}"
            for f in Follow.objects.select_related("follower", "followed").order_by("id")
        ],
        "activities (last 30)": [
            f"{'sent' if a.local else 'received'} {a.type} {a.uri} object={a.object_uri}"
            for a in Activity.objects.order_by("-id")[:30]
        ],
        "deliveries": {
            row["state"]: row["n"]
            for row in Delivery.objects.values("state").annotate(n=Count("id"))
        },
        "deliveries not delivered (last 20)": [
            f"{d.activity.type} -> {d.inbox}: {d.state}, {d.attempts} attempts, {d.last_error}"
            for d in Delivery.objects.exclude(state="delivered")
            .select_related("activity")
            .order_by("-id")[:20]
        ],
        "remote objects": [
            f"{o.kind} {o.audience} {o.uri} {o.name!r}" for o in RemoteObject.objects.order_by("id")
        ],
    }


# --- the loop -------------------------------------------------------------------------------


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taawun.settings")
    import django

    django.setup()
    from django.db import connections
    from django.utils import translation

    translation.activate("en")
    replies = sys.stdout
    # Whatever the code run here prints goes to the log, not into the replies.
    sys.stdout = sys.stderr
    functions = {
        name: value
        for name, value in globals().items()
        if callable(value)
        and not name.startswith("_")
        and name != "main"
        and getattr(value, "__module__", None) == __name__
    }
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            function = functions[request["function"]]
            reply: dict[str, Any] = {"result": function(**request["kwargs"])}
        except Exception:
            reply = {"error": traceback.format_exc()}
        finally:
            # Each step sees what the server and the worker wrote meanwhile.
            connections.close_all()
        replies.write(json.dumps(reply, default=str, ensure_ascii=False) + "\n")
        replies.flush()


if __name__ == "__main__":
    main()
