"""The permission matrix: what each role gets from every page and API operation.

Every URL pattern in ``taawun.urls`` (walked with ``get_resolver``) has one
rule in ``PAGES``, keyed by its ``namespace:name``; every operation in the
OpenAPI document has one rule in ``API``, keyed by ``(METHOD, path)``. A
rule names an address in the world that ``build_matrix_world`` makes and
an ``Access``: who gets the page (200), who is sent to sign in, who is
refused (403) and to whom the thing does not exist (404). The test in
``test_permission_matrix.py`` fails for a pattern or operation without a
rule, so a new endpoint cannot go unchecked.

The roles are the people a cooperative meets: a visitor (not signed in), an
officer of another cooperative, an applicant, a member holding no office,
one member holding each office of the default bylaws (secretary, treasurer,
board), and an administrator of this server (staff) who belongs to no
cooperative. What an office may do is read from the default bylaws, as
``taawun.membership.rules.powers_of`` reads it for a real member.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from taawun.accounts import actions as accounts
from taawun.accounts.models import User
from taawun.economy.models import Contribution
from taawun.federation import identity, publishing
from taawun.knowledge.models import Article
from taawun.membership.bylaws import default_bylaws
from taawun.membership.rules import powers_of
from tests import factories
from tests.web import World, build_world

OFFICES = tuple(office["code"] for office in default_bylaws()["offices"])
ROLES = ("visitor", "outsider", "applicant", "member", *OFFICES, "admin")
MEMBERS = ("member", *OFFICES)
OFFICE_POWERS = {office["code"]: set(office["powers"]) for office in default_bylaws()["offices"]}

# Who speaks for a cooperative in the network and coordinates its networks
# (taawun.federation.rules.REPRESENT_POWERS).
REPRESENT = ("keep_register", "amend_bylaws")

LOGIN = "login"  # a page: sent to the sign-in page; the API: 401
REFUSED = 403
MISSING = 404
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def powers(role: str) -> set[str]:
    return OFFICE_POWERS.get(role, set())


@dataclass(frozen=True)
class Access:
    """Who gets a page, and what the others get.

    ``who`` is ``everyone``; ``signed_in`` people; ``members`` of the
    cooperative; ``officers`` whose office holds one of ``powers`` or is one
    of ``offices``; members of ``some_cooperative``; the server's ``staff``;
    or just the ``roles`` named. Those it gives the page get ``granted``
    (200, or 302 where a page answers by sending them on); visitors get
    ``visitors`` (sent to sign in), people outside the cooperative (an
    outsider, an applicant, the server's administrator) ``outsiders``
    (refused, or 404 where the thing is hidden from them),
    members without the office ``refused``. ``but`` names the roles that
    get something else, and what."""

    who: str
    powers: tuple[str, ...] = ()
    offices: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    granted: int | str = 200
    visitors: int | str = LOGIN
    outsiders: int | str = REFUSED
    refused: int | str = REFUSED
    but: tuple[tuple[str, int | str], ...] = ()

    def gives(self, role: str) -> bool:
        if self.who == "everyone":
            return True
        if self.who == "read_only":
            return False
        if self.who == "signed_in":
            return role != "visitor"
        if self.who == "staff":
            return role == "admin"
        if self.who == "some_cooperative":
            return role in (*MEMBERS, "outsider")
        if self.who == "roles":
            return role in self.roles
        if self.who == "members":
            return role in MEMBERS
        assert self.who == "officers", self.who
        return bool(powers(role) & set(self.powers)) or role in self.offices

    def expect(self, role: str) -> int | str:
        exceptions = dict(self.but)
        if role in exceptions:
            return exceptions[role]
        if self.gives(role):
            return self.granted
        if role == "visitor":
            return self.visitors
        if role in MEMBERS:
            return self.refused
        return self.outsiders

    def answers(self, granted: int | str) -> Access:
        return replace(self, granted=granted)

    def hidden(self) -> Access:
        """The same, but to anyone outside the cooperative it does not exist."""
        return replace(self, visitors=MISSING, outsiders=MISSING)

    def except_for(self, **but: int | str) -> Access:
        return replace(self, but=tuple(sorted({**dict(self.but), **but}.items())))


EVERYONE = Access("everyone")
SIGNED_IN = Access("signed_in")
MEMBERS_ONLY = Access("members")
STAFF = Access("staff")
# A page that changes nothing, whoever sends it what (only for ``post``).
READ_ONLY = Access("read_only")


def office(*needed: str) -> Access:
    """Members whose office holds one of the powers ``needed``."""
    return Access("officers", powers=needed)


def holders(*offices: str) -> Access:
    """Members who hold one of the ``offices`` named in the bylaws' settings."""
    return Access("officers", offices=offices)


def only(*roles: str, visitors: int | str = LOGIN, outsiders: int | str = REFUSED) -> Access:
    """Just the ``roles`` named (the people a thing belongs to)."""
    return Access("roles", roles=roles, visitors=visitors, outsiders=outsiders)


def everyone(status: int) -> Access:
    """Every role gets ``status``: an address that answers only another method."""
    return Access("everyone", granted=status)


@dataclass(frozen=True)
class Rule:
    """An address (filled by ``MatrixWorld.fill``), who may read it (``get``)
    and who may send it something that changes data (``post``, by default
    those who may read it; for the API the operation's own method). ``body``
    is what a refused role sends: a valid request, so that only the
    permission check stands in its way (a page without one is sent an empty
    form, which its views check for permission first)."""

    path: str
    get: Access
    post: Access | None = None
    body: dict[str, Any] | None = None


C = "/coops/{slug}/"
E = C + "economy/"

# --- pages ---------------------------------------------------------------------------

# An address that only takes a POST answers 405 to every GET, before it
# looks at who is asking; its ``post`` is the rule that matters.
POST_ONLY = everyone(405)
# A member who sends a form to an action's address (open, close, move...)
# by GET is sent back to the page the action belongs to.
SENT_BACK = MEMBERS_ONLY.answers(302)
# A network's coordinators: officers of its member cooperatives who may
# speak for them (taawun.federation.rules.REPRESENT_POWERS).
COORDINATORS = office(*REPRESENT)

PAGES: dict[str, Rule] = {
    # web
    "web:home": Rule("/", EVERYONE, post=READ_ONLY),
    "web:about": Rule("/about/", EVERYONE, post=READ_ONLY),
    "web:set_language": Rule("/language/", POST_ONLY, post=EVERYONE),
    "web:healthz": Rule("/healthz", EVERYONE, post=READ_ONLY),
    # membership
    "membership:coops": Rule("/coops/", EVERYONE, post=READ_ONLY),
    "membership:coop_new": Rule("/coops/new/", SIGNED_IN),
    "membership:coop": Rule(C, EVERYONE, post=READ_ONLY),
    # Anyone may apply: a visitor makes an account as they apply.
    "membership:apply": Rule(C + "apply/", EVERYONE),
    # Members leave, applicants withdraw; to anyone else there is nothing to leave.
    "membership:withdraw": Rule(
        C + "withdraw/", only("applicant", *MEMBERS, visitors=MISSING, outsiders=MISSING)
    ),
    "membership:directory": Rule(C + "members/", MEMBERS_ONLY),
    "membership:member": Rule(C + "members/{member}/", MEMBERS_ONLY),
    "membership:register": Rule(C + "register/", office("keep_register")),
    "membership:register_csv": Rule(C + "register.csv", office("keep_register")),
    "membership:applications": Rule(C + "applications/", office("admit")),
    "membership:application": Rule(C + "applications/{applicant}/", office("admit")),
    "membership:invite": Rule(C + "invite/", office("invite")),
    "membership:bylaws": Rule(C + "bylaws/", EVERYONE, post=office("amend_bylaws")),
    "membership:bylaws_classes": Rule(C + "bylaws/classes/", office("amend_bylaws")),
    "membership:bylaws_offices": Rule(C + "bylaws/offices/", office("amend_bylaws")),
    "membership:ledger": Rule(C + "ledger/", MEMBERS_ONLY),
    "membership:ledger_export": Rule(C + "ledger.jsonl", MEMBERS_ONLY),
    "membership:accept_invitation": Rule("/invitations/{invitation}/", EVERYONE),
    # governance
    "governance:decisions": Rule(C + "decisions/", MEMBERS_ONLY),
    "governance:discussion_new": Rule(C + "discussions/new/", MEMBERS_ONLY),
    "governance:discussion": Rule(C + "discussions/{discussion}/", MEMBERS_ONLY),
    "governance:poll_new": Rule(C + "polls/new/", MEMBERS_ONLY),
    "governance:poll": Rule(C + "polls/{open_poll}/", MEMBERS_ONLY),
    # Opening and closing: the poll's author or the secretary (change_status).
    "governance:open": Rule(C + "polls/{open_poll}/open/", SENT_BACK, post=office("change_status")),
    "governance:close": Rule(
        C + "polls/{open_poll}/close/", SENT_BACK, post=office("change_status")
    ),
    "governance:vote": Rule(C + "polls/{open_poll}/vote/", SENT_BACK),
    "governance:proxy": Rule(C + "polls/{open_poll}/proxy/", SENT_BACK),
    "governance:outcome": Rule(C + "polls/{closed_poll}/outcome/", MEMBERS_ONLY),
    "governance:receipt": Rule(C + "polls/{closed_poll}/receipt/", MEMBERS_ONLY),
    # The world's polls are open ballots, which publish no bulletin board.
    "governance:board": Rule(
        C + "polls/{closed_poll}/board.json", MEMBERS_ONLY.answers(MISSING), post=READ_ONLY
    ),
    "governance:meeting_new": Rule(C + "meetings/new/", office("change_status")),
    "governance:minutes": Rule(C + "meetings/{meeting}/minutes/", MEMBERS_ONLY),
    # Every GET is sent on to the minutes, which check who is asking.
    "governance:meeting_open": Rule(
        C + "meetings/{meeting}/open/", everyone(302), post=office("change_status")
    ),
    # economy
    "economy:home": Rule(E, MEMBERS_ONLY),
    "economy:bylaws": Rule(E + "bylaws/", EVERYONE, post=office("amend_bylaws")),
    "economy:allocations": Rule(E + "allocations/", MEMBERS_ONLY),
    "economy:allocation_new": Rule(
        E + "periods/{allocation_period}/allocate/", office("keep_accounts")
    ),
    "economy:allocation": Rule(E + "allocations/{allocation}/", MEMBERS_ONLY),
    "economy:allocation_csv": Rule(E + "allocations/{allocation}/shares.csv", MEMBERS_ONLY),
    "economy:allocation_post": Rule(
        E + "allocations/{allocation}/post/", POST_ONLY, post=office("keep_accounts")
    ),
    "economy:allocation_withdraw": Rule(
        E + "allocations/{allocation}/withdraw/", office("keep_accounts")
    ),
    "economy:allocation_notice": Rule(E + "allocations/{allocation}/notice/", MEMBERS_ONLY),
    # Another member's notice (a member's own is for them, too).
    "economy:allocation_notice_of": Rule(
        E + "allocations/{allocation}/notice/{founder_member}/", office("keep_accounts")
    ),
    # The register of shares is open to every member, as the ledger is.
    "economy:shares_register": Rule(E + "shares/", MEMBERS_ONLY),
    "economy:shares_register_csv": Rule(E + "shares/register.csv", MEMBERS_ONLY),
    "economy:shares_my_statement": Rule(
        E + "shares/mine/", SENT_BACK.except_for(outsider=MISSING, applicant=MISSING, admin=MISSING)
    ),
    "economy:shares_statement": Rule(
        E + "shares/members/{founder_member}/", office("keep_accounts")
    ),
    "economy:shares_statement_csv": Rule(
        E + "shares/members/{founder_member}/statement.csv", office("keep_accounts")
    ),
    "economy:shares_subscribe": Rule(E + "shares/subscribe/", office("keep_accounts")),
    "economy:shares_payment": Rule(
        E + "shares/subscriptions/{shares_subscription}/payment/", office("keep_accounts")
    ),
    "economy:shares_transfer": Rule(E + "shares/transfer/", MEMBERS_ONLY),
    "economy:shares_redeem": Rule(E + "shares/redeem/", MEMBERS_ONLY),
    # Transfers are decided by the office the bylaws name (the board by default).
    "economy:shares_transfers": Rule(E + "shares/transfers/", holders("board")),
    "economy:shares_transfer_decide": Rule(
        E + "shares/transfers/{shares_transfer}/", holders("board")
    ),
    "economy:shares_redemptions": Rule(E + "shares/redemptions/", office("keep_accounts")),
    "economy:shares_redemption_decide": Rule(
        E + "shares/redemptions/{shares_redemption}/", office("keep_accounts")
    ),
    "economy:periods": Rule(E + "periods/", MEMBERS_ONLY),
    "economy:periods_new": Rule(E + "periods/new/", office("keep_accounts")),
    "economy:periods_detail": Rule(E + "periods/{period_open}/", MEMBERS_ONLY),
    "economy:periods_csv": Rule(E + "periods/{period_open}/totals.csv", MEMBERS_ONLY),
    "economy:periods_close": Rule(E + "periods/{period_ended}/close/", office("keep_accounts")),
    "economy:contributions_import": Rule(
        E + "periods/{period_open}/import/", office("keep_accounts")
    ),
    "economy:contributions_mine": Rule(E + "contributions/", MEMBERS_ONLY),
    "economy:contributions_log": Rule(E + "contributions/log/", MEMBERS_ONLY),
    "economy:contributions_pending": Rule(E + "contributions/waiting/", office("keep_accounts")),
    # A member without the power is sent to their own statement.
    "economy:capital_accounts": Rule(E + "capital/", replace(office("keep_accounts"), refused=302)),
    "economy:capital_statement": Rule(E + "capital/{founder_member}/", office("keep_accounts")),
    "economy:capital_csv": Rule(
        E + "capital/{founder_member}/statement.csv", office("keep_accounts")
    ),
    "economy:capital_entry_new": Rule(E + "capital/{member}/new/", office("keep_accounts")),
    "economy:pb_rounds": Rule(E + "budgets/", MEMBERS_ONLY),
    "economy:pb_round_new": Rule(E + "budgets/new/", office("keep_accounts")),
    "economy:pb_import": Rule(E + "budgets/import/", office("keep_accounts")),
    "economy:pb_round": Rule(E + "budgets/{pb_approval}/", MEMBERS_ONLY),
    "economy:pb_open": Rule(
        E + "budgets/{pb_proposing}/open/", SENT_BACK, post=office("keep_accounts")
    ),
    "economy:pb_close": Rule(
        E + "budgets/{pb_approval}/close/", SENT_BACK, post=office("keep_accounts")
    ),
    "economy:pb_result": Rule(E + "budgets/{pb_closed}/result/", MEMBERS_ONLY),
    "economy:pb_export": Rule(E + "budgets/{pb_closed}/export.pb", MEMBERS_ONLY),
    # knowledge: public articles, courses, calls and events are the commons;
    # writing in a cooperative's knowledge base is for its members.
    "knowledge:search": Rule("/search", EVERYONE, post=READ_ONLY),
    "knowledge:articles": Rule(C + "knowledge/", EVERYONE, post=READ_ONLY),
    "knowledge:articles_new": Rule(C + "knowledge/new/", MEMBERS_ONLY),
    "knowledge:article": Rule(C + "knowledge/{articles_private}/", MEMBERS_ONLY.hidden()),
    "knowledge:article_edit": Rule(C + "knowledge/{articles_public}/edit/", MEMBERS_ONLY),
    "knowledge:article_translate": Rule(C + "knowledge/{articles_public}/translate/", MEMBERS_ONLY),
    "knowledge:article_history": Rule(
        C + "knowledge/{articles_public}/history/", EVERYONE, post=READ_ONLY
    ),
    "knowledge:article_compare": Rule(
        C + "knowledge/{articles_public}/compare/", EVERYONE, post=READ_ONLY
    ),
    "knowledge:article_revision": Rule(
        C + "knowledge/{articles_public}/revisions/1/", EVERYONE, post=READ_ONLY
    ),
    "knowledge:article_restore": Rule(
        C + "knowledge/{articles_public}/revisions/1/restore/", MEMBERS_ONLY
    ),
    # The skills vocabulary is kept by members of any cooperative here.
    "knowledge:skills": Rule("/skills/", EVERYONE, post=READ_ONLY),
    "knowledge:skill_new": Rule("/skills/new/", Access("some_cooperative")),
    "knowledge:skills_mine": Rule("/skills/mine/", SIGNED_IN),
    "knowledge:skills_mine_remove": Rule("/skills/mine/python/remove/", POST_ONLY, post=SIGNED_IN),
    "knowledge:skill_edit": Rule("/skills/python/edit/", Access("some_cooperative")),
    "knowledge:coop_skills": Rule(C + "skills/", MEMBERS_ONLY),
    "knowledge:coop_skill": Rule(C + "skills/python/", MEMBERS_ONLY),
    "knowledge:services": Rule(C + "services/", MEMBERS_ONLY),
    "knowledge:service_new": Rule(C + "services/new/", office("keep_register")),
    "knowledge:service_edit": Rule(C + "services/{skills_service}/edit/", office("keep_register")),
    "knowledge:service_remove": Rule(
        C + "services/{skills_service}/remove/", POST_ONLY, post=office("keep_register")
    ),
    "knowledge:mentoring": Rule(C + "mentoring/", MEMBERS_ONLY),
    "knowledge:mentoring_new": Rule(C + "mentoring/new/", MEMBERS_ONLY),
    # A mentorship is the mentee's and the mentor's (here the founder's) alone.
    "knowledge:mentorship": Rule(C + "mentoring/{mentoring_open}/", only("member")),
    "knowledge:mentorship_accept": Rule(
        C + "mentoring/{mentoring_open}/accept/", POST_ONLY, post=only()
    ),
    "knowledge:mentorship_decline": Rule(
        C + "mentoring/{mentoring_open}/decline/", POST_ONLY, post=only()
    ),
    "knowledge:mentorship_withdraw": Rule(
        C + "mentoring/{mentoring_open}/withdraw/", POST_ONLY, post=only("member")
    ),
    "knowledge:mentorship_end": Rule(
        C + "mentoring/{mentoring_active}/end/", POST_ONLY, post=only("member")
    ),
    "knowledge:courses": Rule("/courses/", EVERYONE, post=READ_ONLY),
    "knowledge:coop_courses": Rule(C + "courses/", EVERYONE, post=READ_ONLY),
    "knowledge:course_new": Rule(C + "courses/new/", MEMBERS_ONLY),
    "knowledge:course": Rule(C + "courses/safe-steps/", EVERYONE, post=READ_ONLY),
    # Every GET is sent back to the course; enrolling needs an account.
    "knowledge:course_enrol": Rule(C + "courses/safe-steps/enrol/", everyone(302), post=SIGNED_IN),
    "knowledge:course_edit": Rule(C + "courses/safe-steps/edit/", MEMBERS_ONLY),
    "knowledge:course_translate": Rule(C + "courses/safe-steps/translate/", MEMBERS_ONLY),
    "knowledge:lesson_new": Rule(C + "courses/safe-steps/lessons/new/", MEMBERS_ONLY),
    "knowledge:lesson": Rule(C + "courses/safe-steps/lessons/1/", EVERYONE, post=READ_ONLY),
    "knowledge:lesson_edit": Rule(C + "courses/safe-steps/lessons/1/edit/", MEMBERS_ONLY),
    "knowledge:lesson_move": Rule(C + "courses/safe-steps/lessons/1/move/", SENT_BACK),
    "knowledge:calls": Rule("/calls/", EVERYONE, post=READ_ONLY),
    "knowledge:coop_calls": Rule(C + "calls/", EVERYONE, post=READ_ONLY),
    "knowledge:call_new": Rule(C + "calls/new/", MEMBERS_ONLY),
    # The world's open call is for a network: hidden from outside it.
    "knowledge:call": Rule(C + "calls/{calls_open}/", MEMBERS_ONLY.hidden()),
    "knowledge:call_edit": Rule(C + "calls/{calls_open}/edit/", MEMBERS_ONLY.hidden()),
    "knowledge:call_close": Rule(C + "calls/{calls_open}/close/", SENT_BACK.hidden()),
    "knowledge:events": Rule("/events/", EVERYONE, post=READ_ONLY),
    "knowledge:coop_events": Rule(C + "events/", EVERYONE, post=READ_ONLY),
    "knowledge:event_new": Rule(C + "events/new/", MEMBERS_ONLY),
    "knowledge:event": Rule(C + "events/{events_open}/", MEMBERS_ONLY.hidden()),
    "knowledge:event_edit": Rule(C + "events/{events_open}/edit/", MEMBERS_ONLY.hidden()),
    "knowledge:event_calendar": Rule(
        C + "events/{events_public}/event.ics", EVERYONE, post=READ_ONLY
    ),
    "knowledge:event_call_off": Rule(C + "events/{events_open}/call-off/", SENT_BACK.hidden()),
    # federation: discovery and ActivityPub documents, the same for every person
    # (other servers are told apart by their signatures, not by these roles).
    "federation:webfinger": Rule(
        "/.well-known/webfinger?resource=acct:{slug}@testserver", EVERYONE, post=READ_ONLY
    ),
    "federation:nodeinfo-links": Rule("/.well-known/nodeinfo", EVERYONE, post=READ_ONLY),
    "federation:nodeinfo": Rule("/nodeinfo/2.1", EVERYONE, post=READ_ONLY),
    "federation:instance": Rule("/ap/actor", EVERYONE, post=READ_ONLY),
    "federation:shared-inbox": Rule("/ap/inbox", POST_ONLY, post=READ_ONLY),
    "federation:actor": Rule("/ap/coops/{slug}", EVERYONE, post=READ_ONLY),
    "federation:inbox": Rule("/ap/coops/{slug}/inbox", POST_ONLY, post=READ_ONLY),
    "federation:outbox": Rule("/ap/coops/{slug}/outbox", EVERYONE, post=READ_ONLY),
    "federation:followers": Rule("/ap/coops/{slug}/followers", EVERYONE, post=READ_ONLY),
    "federation:following": Rule("/ap/coops/{slug}/following", EVERYONE, post=READ_ONLY),
    "federation:object": Rule("/ap/articles/{article_uuid}", EVERYONE, post=READ_ONLY),
    "federation:activity": Rule("/ap/activities/{activity}", EVERYONE, post=READ_ONLY),
    # federation: pages
    "federation:networks": Rule("/networks/", EVERYONE, post=READ_ONLY),
    "federation:network": Rule("/networks/fed-pages/", EVERYONE, post=READ_ONLY),
    "federation:network_manage": Rule("/networks/fed-pages/manage/", COORDINATORS),
    "federation:network_decide": Rule(
        "/networks/fed-pages/requests/{fed_follow}/", POST_ONLY, post=COORDINATORS
    ),
    "federation:network_remove_local": Rule(
        "/networks/fed-pages/members/here/{slug}/remove/", COORDINATORS
    ),
    "federation:network_remove_remote": Rule(
        "/networks/fed-pages/members/elsewhere/{fed_remote}/remove/", COORDINATORS
    ),
    "federation:coop_network": Rule(C + "network/", MEMBERS_ONLY, post=COORDINATORS),
    "federation:coop_network_join": Rule(C + "network/join/", POST_ONLY, post=COORDINATORS),
    "federation:coop_network_leave": Rule(C + "network/follows/{fed_follow}/leave/", COORDINATORS),
    "federation:coop_network_leave_local": Rule(
        C + "network/networks/fed-pages/leave/", COORDINATORS
    ),
    "federation:coop_shared": Rule(C + "network/shared/", MEMBERS_ONLY, post=READ_ONLY),
    # An item shared in a network: for the members of its cooperatives alone.
    "federation:item": Rule("/network/items/{fed_item}/", MEMBERS_ONLY.hidden(), post=READ_ONLY),
    "federation:instance_admin": Rule("/federation/admin/", STAFF),
    "federation:admin_unblock": Rule("/federation/admin/unblock/", POST_ONLY, post=STAFF),
    "federation:admin_allow": Rule("/federation/admin/allow/", POST_ONLY, post=STAFF),
    "federation:admin_disallow": Rule("/federation/admin/disallow/", POST_ONLY, post=STAFF),
    "federation:decisions": Rule("/networks/dec-network/decisions/", MEMBERS_ONLY),
    "federation:decision_new": Rule("/networks/dec-network/decisions/new/", COORDINATORS),
    "federation:decision": Rule("/networks/dec-network/decisions/{dec_open}/", MEMBERS_ONLY),
    "federation:decision_close": Rule(
        "/networks/dec-network/decisions/{dec_open}/close/", COORDINATORS.answers(302)
    ),
    "federation:coop_questions": Rule(C + "network-questions/", MEMBERS_ONLY),
    "federation:coop_question": Rule(
        C + "network-questions/local/{dec_open}/",
        MEMBERS_ONLY,
        post=COORDINATORS,
        body={"action": "answer", "answer-choice": "Yes"},
    ),
    # accounts
    "accounts:login": Rule(
        "/accounts/login/", SIGNED_IN.answers(302).except_for(visitor=200), post=EVERYONE
    ),
    "accounts:logout": Rule("/accounts/logout/", POST_ONLY, post=EVERYONE),
    "accounts:password_reset": Rule("/accounts/password-reset/", EVERYONE),
    "accounts:password_reset_done": Rule(
        "/accounts/password-reset/sent/", EVERYONE, post=READ_ONLY
    ),
    "accounts:password_reset_confirm": Rule(
        "/accounts/password-reset/MQ/no-such-token/", EVERYONE, post=READ_ONLY
    ),
    "accounts:password_reset_complete": Rule(
        "/accounts/password-reset/done/", EVERYONE, post=READ_ONLY
    ),
    "accounts:settings": Rule("/accounts/settings/", SIGNED_IN),
    "accounts:create_token": Rule("/accounts/tokens/", SIGNED_IN.answers(405), post=SIGNED_IN),
    # Another person's token: nobody but its owner (the founder) revokes it.
    "accounts:revoke_token": Rule(
        "/accounts/tokens/{token}/revoke/", SIGNED_IN.answers(405), post=only()
    ),
    # Two-factor sign-in and personal data: each signed-in person's own.
    "accounts:two_factor": Rule("/accounts/two-factor/", SIGNED_IN),
    "accounts:two_factor_setup": Rule("/accounts/two-factor/set-up/", SIGNED_IN),
    # The code step sends on whoever has no sign-in waiting for a code.
    "accounts:two_factor_code": Rule("/accounts/two-factor/code/", SIGNED_IN.answers(302)),
    "accounts:replace_recovery_codes": Rule(
        "/accounts/two-factor/recovery-codes/", SIGNED_IN.answers(405), post=SIGNED_IN
    ),
    "accounts:turn_off_two_factor": Rule(
        "/accounts/two-factor/turn-off/", SIGNED_IN.answers(405), post=SIGNED_IN
    ),
    "privacy:data": Rule("/accounts/data/", SIGNED_IN),
    "privacy:download": Rule("/accounts/data/download/", SIGNED_IN, post=READ_ONLY),
    # the API's own pages (its operations are in API below)
    "api:openapi-json": Rule("/api/openapi.json", EVERYONE, post=READ_ONLY),
    "api:openapi-view": Rule("/api/docs", EVERYONE, post=READ_ONLY),
    "api:api-root": Rule("/api/", everyone(MISSING), post=READ_ONLY),
    "^api/(?P<rest>.*)$": Rule("/api/no-such-endpoint", everyone(MISSING), post=READ_ONLY),
}


# --- API operations ------------------------------------------------------------------

A = "/api/coops/{slug}"
AE = A + "/economy"
TODAY = "2026-01-15"

API: dict[tuple[str, str], Rule] = {
    ("POST", "/api/tokens"): Rule("/api/tokens", EVERYONE),
    ("GET", "/api/me"): Rule("/api/me", SIGNED_IN),
    ("GET", "/api/coops"): Rule("/api/coops", EVERYONE),
    ("POST", "/api/coops"): Rule(
        "/api/coops",
        SIGNED_IN,
        body={
            "slug": "matrix-new",
            "names": {"en": "New"},
            "country": "EG",
            "currency": "EGP",
            "languages": ["en"],
        },
    ),
    ("GET", "/api/coops/{slug}"): Rule(A, EVERYONE),
    ("PUT", "/api/coops/{slug}/bylaws"): Rule(
        A + "/bylaws", office("amend_bylaws"), body={"quorum_percent": "40"}
    ),
    ("GET", "/api/coops/{slug}/members"): Rule(A + "/members", MEMBERS_ONLY),
    ("GET", "/api/coops/{slug}/register"): Rule(A + "/register", office("keep_register")),
    ("GET", "/api/coops/{slug}/members/{member_id}"): Rule(A + "/members/{member}", MEMBERS_ONLY),
    ("POST", "/api/coops/{slug}/members/{member_id}/status"): Rule(
        A + "/members/{member}/status",
        office("change_status"),
        body={"to": "suspended", "reason": "Matrix"},
    ),
    ("PUT", "/api/coops/{slug}/members/{member_id}/offices"): Rule(
        A + "/members/{member}/offices", office("assign_offices"), body={"offices": ["treasurer"]}
    ),
    ("POST", "/api/coops/{slug}/applications"): Rule(
        A + "/applications", SIGNED_IN, body={"membership_class": "worker"}
    ),
    ("GET", "/api/coops/{slug}/applications"): Rule(A + "/applications", office("admit")),
    ("POST", "/api/coops/{slug}/applications/{member_id}/admit"): Rule(
        A + "/applications/{applicant}/admit", office("admit"), body={}
    ),
    ("POST", "/api/coops/{slug}/applications/{member_id}/reject"): Rule(
        A + "/applications/{applicant}/reject", office("admit"), body={"reason": "Matrix"}
    ),
    ("POST", "/api/coops/{slug}/invitations"): Rule(
        A + "/invitations",
        office("invite"),
        body={"email": "matrix@example.org", "membership_class": "worker"},
    ),
    ("GET", "/api/coops/{slug}/ledger"): Rule(A + "/ledger", MEMBERS_ONLY),
    ("GET", "/api/coops/{slug}/ledger/head"): Rule(A + "/ledger/head", MEMBERS_ONLY),
    ("GET", "/api/coops/{slug}/ledger.jsonl"): Rule(A + "/ledger.jsonl", MEMBERS_ONLY),
    ("GET", "/api/coops/{slug}/economy/shares"): Rule(AE + "/shares", MEMBERS_ONLY),
    ("GET", "/api/coops/{slug}/economy/members/{member_id}/shares"): Rule(
        AE + "/members/{founder_member}/shares", office("keep_accounts")
    ),
    ("POST", "/api/coops/{slug}/economy/subscriptions"): Rule(
        AE + "/subscriptions", office("keep_accounts"), body={"member": "{member}", "shares": 1}
    ),
    ("POST", "/api/coops/{slug}/economy/subscriptions/{subscription_id}/payments"): Rule(
        AE + "/subscriptions/{shares_subscription}/payments",
        office("keep_accounts"),
        body={"amount": "10.00"},
    ),
    # Every member sees transfers and redemptions: the ledger shows them too.
    ("GET", "/api/coops/{slug}/economy/transfers"): Rule(AE + "/transfers", MEMBERS_ONLY),
    ("POST", "/api/coops/{slug}/economy/transfers"): Rule(
        AE + "/transfers", MEMBERS_ONLY, body={"to_member": "{member}", "shares": 1}
    ),
    ("POST", "/api/coops/{slug}/economy/transfers/{transfer_id}/decision"): Rule(
        AE + "/transfers/{shares_transfer}/decision", holders("board"), body={"approve": True}
    ),
    ("GET", "/api/coops/{slug}/economy/redemptions"): Rule(AE + "/redemptions", MEMBERS_ONLY),
    ("POST", "/api/coops/{slug}/economy/redemptions"): Rule(
        AE + "/redemptions", MEMBERS_ONLY, body={"shares": 1}
    ),
    ("POST", "/api/coops/{slug}/economy/redemptions/{redemption_id}/pay"): Rule(
        AE + "/redemptions/{shares_redemption}/pay", office("keep_accounts"), body={}
    ),
    ("POST", "/api/coops/{slug}/economy/redemptions/{redemption_id}/refuse"): Rule(
        AE + "/redemptions/{shares_redemption}/refuse",
        office("keep_accounts"),
        body={"reason": "Matrix"},
    ),
    ("GET", "/api/coops/{slug}/economy/periods"): Rule(AE + "/periods", MEMBERS_ONLY),
    ("POST", "/api/coops/{slug}/economy/periods"): Rule(
        AE + "/periods",
        office("keep_accounts"),
        body={"name": "Matrix", "starts_on": "2010-01-01", "ends_on": "2010-12-31"},
    ),
    ("POST", "/api/coops/{slug}/economy/periods/{period_id}/close"): Rule(
        AE + "/periods/{period_ended}/close", office("keep_accounts"), body={}
    ),
    ("GET", "/api/coops/{slug}/economy/periods/{period_id}/totals"): Rule(
        AE + "/periods/{period_open}/totals", MEMBERS_ONLY
    ),
    ("POST", "/api/coops/{slug}/economy/periods/{period_id}/hours"): Rule(
        AE + "/periods/{period_open}/hours", MEMBERS_ONLY, body={"hours": "2"}
    ),
    ("GET", "/api/coops/{slug}/economy/contributions/mine"): Rule(
        AE + "/contributions/mine", MEMBERS_ONLY
    ),
    ("GET", "/api/coops/{slug}/economy/contributions/pending"): Rule(
        AE + "/contributions/pending", office("keep_accounts")
    ),
    ("POST", "/api/coops/{slug}/economy/contributions/{contribution_id}/decision"): Rule(
        AE + "/contributions/{contribution}/decision",
        office("keep_accounts"),
        body={"approve": True},
    ),
    ("POST", "/api/coops/{slug}/economy/periods/{period_id}/import"): Rule(
        AE + "/periods/{period_open}/import", office("keep_accounts"), body={"file": "csv"}
    ),
    ("GET", "/api/coops/{slug}/economy/members/{member_id}/capital-account"): Rule(
        AE + "/members/{founder_member}/capital-account", office("keep_accounts")
    ),
    ("POST", "/api/coops/{slug}/economy/members/{member_id}/capital-account/entries"): Rule(
        AE + "/members/{member}/capital-account/entries",
        office("keep_accounts"),
        body={"kind": "interest", "amount": "5.00"},
    ),
    ("GET", "/api/coops/{slug}/economy/periods/{period_id}/allocations"): Rule(
        AE + "/periods/{allocation_period}/allocations", MEMBERS_ONLY
    ),
    ("POST", "/api/coops/{slug}/economy/periods/{period_id}/allocations"): Rule(
        AE + "/periods/{allocation_period}/allocations",
        office("keep_accounts"),
        body={"surplus": "1000.00"},
    ),
    ("GET", "/api/coops/{slug}/economy/allocations/{allocation_id}"): Rule(
        AE + "/allocations/{allocation}", MEMBERS_ONLY
    ),
    ("POST", "/api/coops/{slug}/economy/periods/{period_id}/allocations/preview"): Rule(
        AE + "/periods/{allocation_period}/allocations/preview",
        office("keep_accounts"),
        body={"surplus": "1000.00"},
    ),
    ("POST", "/api/coops/{slug}/economy/allocations/{allocation_id}/post"): Rule(
        AE + "/allocations/{allocation}/post", office("keep_accounts"), body={}
    ),
    ("POST", "/api/coops/{slug}/economy/allocations/{allocation_id}/withdraw"): Rule(
        AE + "/allocations/{allocation}/withdraw", office("keep_accounts"), body={"reason": "M"}
    ),
    ("GET", "/api/coops/{slug}/budgets"): Rule(A + "/budgets", MEMBERS_ONLY),
    ("GET", "/api/coops/{slug}/budgets/{round_id}"): Rule(
        A + "/budgets/{pb_approval}", MEMBERS_ONLY
    ),
    ("POST", "/api/coops/{slug}/budgets/{round_id}/ballot"): Rule(
        A + "/budgets/{pb_approval}/ballot", MEMBERS_ONLY, body={"projects": []}
    ),
    ("GET", "/api/coops/{slug}/budgets/{round_id}/export.pb"): Rule(
        A + "/budgets/{pb_closed}/export.pb", MEMBERS_ONLY
    ),
    ("GET", "/api/search"): Rule("/api/search?q=python", EVERYONE),
}


@dataclass
class MatrixWorld:
    """The pages' world (tests/web) and one account for each role."""

    world: World
    users: dict[str, User | None]
    ids: dict[str, Any]

    def fill(self, path: str) -> str:
        return path.format(**self.ids)


def build_matrix_world() -> MatrixWorld:
    """The page catalogue's world, a cooperative elsewhere whose founder is
    the outsider, a holder of each office, a server administrator, a token
    of the founder's (which nobody else may revoke) and a public activity."""
    world = build_world("en")
    coop = world.coop
    elsewhere = factories.cooperative(slug="matrix-elsewhere")
    admin = factories.person("Server Admin")
    admin.is_staff = True
    admin.save(update_fields=["is_staff"])
    users: dict[str, User | None] = {
        "visitor": None,
        "outsider": factories.founder_of(elsewhere),
        "applicant": world.applicant.user,
        "member": world.member.user,
        "admin": admin,
    }
    for code in OFFICES:
        holder = factories.member(coop, factories.person(code.title()), offices=[code])
        # The table reads an office's powers from the default bylaws; so do the rules.
        assert powers_of(holder) == OFFICE_POWERS[code]
        users[code] = holder.user
    token, _secret = accounts.create_api_token(world.founder, "matrix")
    pending = Contribution.objects.filter(
        member__cooperative=coop, state=Contribution.State.PENDING
    ).first()
    article = Article.objects.filter(cooperative=coop, visibility="public").first()
    activity = publishing.new_activity(
        "Create",
        identity.coop_actor(coop),
        {"type": "Note", "content": "Hello"},
        to=[PUBLIC],
        public=True,
    )
    assert pending is not None and article is not None
    ids: dict[str, Any] = {
        **world.ids,
        "slug": coop.slug,
        "member": world.member.pk,
        "applicant": world.applicant.pk,
        "invitation": world.invitation,
        "token": token.pk,
        "contribution": pending.pk,
        "article_uuid": article.public_id,
        "activity": activity.uri.rsplit("/", 1)[-1],
    }
    return MatrixWorld(world=world, users=users, ids=ids)
