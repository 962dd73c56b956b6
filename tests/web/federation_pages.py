"""Network pages for the catalogue in tests/web: what they need in the world
and the pages themselves.

The world's cooperative belongs to a network hosted here (so its founder
coordinates it), which also has a member cooperative on another server and
one asking to join; the cooperative belongs to a network elsewhere and asks
to follow a cooperative there, from which an article and a call came. What
comes from other servers is written as the inbox leaves it (Actor,
Follow and RemoteObject rows), since no other server runs here. The founder
administers the server (is_staff): nothing else in the site reads that
flag. Ids: fed_remote (the remote member's actor), fed_follow (the pending
follow), fed_item (the network-wide call), fed_private (an item for another
network)."""

from __future__ import annotations

from typing import Any

from taawun.federation import identity, policy
from taawun.federation.models import Actor, Flag, Follow, RemoteObject
from taawun.membership import networks
from tests.web.page import Page

N = "/networks/fed-pages/"
C = "/coops/{slug}/network/"
FAR = "far.taawun.test"

PAGES: list[Page] = [
    Page("fed-networks", "/networks/"),
    Page("fed-directory", N),
    Page("fed-directory-as-member", N, who="member"),
    Page("fed-directory-search", N + "?skill=security"),
    # أمن ("security"), spelt with its hamza.
    Page("fed-directory-search-arabic", N + "?skill=%D8%A3%D9%85%D9%86"),
    Page("fed-directory-nothing-found", N + "?skill=cobol"),
    Page("fed-manage", N + "manage/", who="founder"),
    Page("fed-manage-forbidden", N + "manage/", who="member", status=403),
    Page("fed-remove-member", N + "members/elsewhere/{fed_remote}/remove/", who="founder"),
    Page("fed-coop-network", C, who="founder"),
    Page("fed-coop-network-with-errors", C, who="founder", submit_empty=True),
    Page("fed-coop-network-as-member", C, who="member"),
    Page("fed-coop-network-leave", C + "follows/{fed_follow}/leave/", who="founder"),
    Page("fed-shared", C + "shared/", who="member"),
    Page("fed-shared-calls", C + "shared/?kind=call", who="member"),
    Page("fed-item", "/network/items/{fed_item}/", who="member"),
    Page("fed-item-not-readable", "/network/items/{fed_private}/", who="member", status=404),
    Page("fed-admin", "/federation/admin/", who="founder"),
    Page("fed-admin-with-errors", "/federation/admin/", who="founder", submit_empty=True),
    Page("fed-admin-forbidden", "/federation/admin/", who="member", status=403),
]


def _remote(slug: str, role: str, names: dict[str, str], data: dict[str, Any]) -> Actor:
    uri = f"https://{FAR}/ap/{role}s/{slug}"
    return Actor.objects.create(
        uri=uri,
        kind=Actor.Kind.GROUP,
        role=role,
        domain=FAR,
        username=slug,
        names=names,
        url=f"https://{FAR}/{role}s/{slug}/",
        inbox=uri + "/inbox",
        data={"id": uri, "type": "Group", **data},
    )


def build(world: Any) -> None:
    """Make what these pages show; record ids in world.ids."""
    founder, coop = world.founder, world.coop
    founder.is_staff = True
    founder.save(update_fields=["is_staff"])
    network = networks.create_network(
        slug="fed-pages", names={"en": "Arab Tech Network", "ar": "شبكة التقنية العربية"}
    )
    networks.join_network(coop, network)
    network_actor = identity.network_actor(network)
    ours = identity.coop_actor(coop)

    member = _remote(
        "tunis-coop",
        Actor.Role.COOPERATIVE,
        {"en": "Tunis Tech Cooperative", "ar": "تعاونية تونس التقنية"},
        {
            "location": {"type": "Place", "countryCode": "TN"},
            "skills": [
                {
                    "slug": "information-security",
                    "nameMap": {"ar": "أمن المعلومات", "en": "Information security"},
                    "count": 3,
                    "highestLevel": 4,
                }
            ],
            "services": [{"name": "Security audits", "summary": "For web sites and networks."}],
        },
    )
    asking = _remote("sfax-coop", Actor.Role.COOPERATIVE, {"en": "Sfax Cooperative"}, {})
    elsewhere = _remote(
        "maghreb", Actor.Role.NETWORK, {"en": "Maghreb Network", "ar": "شبكة المغرب"}, {}
    )
    Follow.objects.create(
        follower=member, followed=network_actor, state="accepted", uri=member.uri + "#join"
    )
    Follow.objects.create(follower=asking, followed=network_actor, uri=asking.uri + "#join")
    Follow.objects.create(
        follower=ours, followed=elsewhere, state="accepted", uri=ours.uri + "#maghreb"
    )
    follow = Follow.objects.create(follower=ours, followed=member, uri=ours.uri + "#tunis")

    def came(kind: str, name: str, audience: str, to: list[str]) -> RemoteObject:
        return RemoteObject.objects.create(
            uri=f"{member.uri}/{kind}s/{len(name)}",
            kind=kind,
            actor=member,
            audience=audience,
            networks=to,
            name=name,
            content="<p>Two <strong>security</strong> audits, paid.</p><ul><li>Plan</li></ul>",
            language="en",
            url=f"https://{FAR}/{kind}s/{len(name)}/",
        )

    came("article", "Hardening a community network", "public", [])
    call = came("call", "Partners for a school's network audit", "network", [network_actor.uri])
    private = came("event", "A meeting of another network", "network", [f"https://{FAR}/other"])

    policy.block_domain("spam.example", reason="Sends spam to our inbox.")
    policy.allow_domain(FAR)
    Flag.objects.create(
        actor=member,
        object_uris=[f"{identity.site_url()}/ap/articles/00000000-0000-0000-0000-000000000000"],
        content="This article copies ours.",
        activity_uri=f"{member.uri}/flags/1",
    )
    world.ids.update(
        fed_remote=member.pk, fed_follow=follow.pk, fed_item=call.pk, fed_private=private.pk
    )
