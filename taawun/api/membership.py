from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Body, Router, Status

from taawun.accounts import actions as accounts
from taawun.accounts import two_factor
from taawun.accounts.rules import signed_in
from taawun.api.schemas import (
    ApplicationOut,
    ApplyIn,
    CoopDetailOut,
    CoopIn,
    CoopOut,
    ErrorOut,
    InvitationOut,
    InviteIn,
    MemberOut,
    MeOut,
    OfficesIn,
    ReasonIn,
    RegisterEntryOut,
    StatusIn,
    TokenIn,
    TokenOut,
)
from taawun.errors import InvalidInput, NotSignedIn, SecondFactorRequired
from taawun.ledger import queries as ledger_queries
from taawun.membership import actions, queries, rules
from taawun.membership.models import Cooperative, Member
from taawun.web import ratelimits

router = Router(tags=["membership"])
ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    410: ErrorOut,
    422: ErrorOut,
}


def _coop_out(coop: Cooperative, members: int | None = None) -> dict[str, Any]:
    return {
        "slug": coop.slug,
        "name": coop.name,
        "names": coop.names,
        "country": coop.country,
        "currency": coop.currency,
        "languages": coop.languages,
        "members": members,
    }


def _member_out(m: Member) -> dict[str, Any]:
    return {
        "id": m.pk,
        "number": m.number,
        "name": m.user.name,
        "handle": m.user.handle,
        "membership_class": m.membership_class,
        "status": m.status,
        "offices": m.offices,
    }


def _application_out(m: Member) -> dict[str, Any]:
    return {
        "id": m.pk,
        "name": m.user.name,
        "membership_class": m.membership_class,
        "status": m.status,
        "statement": m.statement,
        "applied_at": m.applied_at,
    }


@router.post("/tokens", auth=None, response={201: TokenOut, 429: ErrorOut, **ERRORS})
def create_token(request: HttpRequest, payload: TokenIn) -> Status[dict[str, str]] | HttpResponse:
    """Exchange an email and password for an API token (shown once). An
    account with two-factor sign-in also sends ``code``: a token is as good
    as a signed-in session, so it needs both factors too. Counted with the
    sign-in form's attempts from the same address."""
    refused = ratelimits.check(request, "sign-in", ratelimits.SIGN_IN, "ip")
    if refused is not None:
        return refused
    user = authenticate(request, username=payload.email, password=payload.password)
    if user is None:
        raise NotSignedIn(_("The email or password is not right."))
    if two_factor.required_for(user) and not two_factor.has_second_factor(user):
        raise SecondFactorRequired(
            _("Officers sign in with two factors: set up an authenticator app on the site first."),
            field="code",
        )
    if two_factor.has_second_factor(user):
        if not payload.code.strip():
            raise SecondFactorRequired(field="code")
        try:
            accounts.verify_second_factor(user, payload.code)
        except InvalidInput as error:
            raise NotSignedIn(error.message, field="code") from error
    _token, secret = accounts.create_api_token(user, payload.name)
    return Status(201, {"token": secret, "name": payload.name})


@router.get("/me", response={200: MeOut, **ERRORS})
def me(request: HttpRequest) -> dict[str, Any]:
    """Who the token or session belongs to, and their memberships."""
    user = signed_in(request)
    return {
        "email": user.email,
        "name": user.name,
        "handle": user.handle,
        "language": user.language,
        "memberships": [
            {
                "coop": m.cooperative.slug,
                "id": m.pk,
                "number": m.number,
                "status": m.status,
                "membership_class": m.membership_class,
                "offices": m.offices,
                "powers": sorted(rules.powers_of(m)),
            }
            for m in queries.memberships_of(user)
        ],
    }


@router.get("/coops", auth=None, response=list[CoopOut])
def list_coops(request: HttpRequest) -> list[dict[str, Any]]:
    return [_coop_out(c) for c in Cooperative.objects.order_by("slug")]


@router.post("/coops", response={201: CoopOut, **ERRORS})
def create_coop(request: HttpRequest, payload: CoopIn) -> Status[dict[str, Any]]:
    coop = actions.create_cooperative(
        founder=signed_in(request),
        slug=payload.slug,
        names=payload.names,
        country=payload.country,
        currency=payload.currency,
        languages=payload.languages,
        bylaws=payload.bylaws,
    )
    return Status(201, _coop_out(coop, 1))


@router.get("/coops/{slug}", auth=None, response={200: CoopDetailOut, **ERRORS})
def get_coop(request: HttpRequest, slug: str) -> dict[str, Any]:
    coop = queries.get_cooperative(slug)
    head = ledger_queries.head(str(coop.public_id))
    return {
        **_coop_out(coop, queries.directory(coop).count()),
        "bylaws": coop.bylaws,
        "ledger_head": head.hash,
        "ledger_length": head.seq,
    }


@router.put("/coops/{slug}/bylaws", response={200: CoopDetailOut, **ERRORS})
def amend_bylaws(request: HttpRequest, slug: str, payload: Body[dict[str, Any]]) -> dict[str, Any]:
    coop = actions.amend_bylaws(
        by=signed_in(request),
        coop=queries.get_cooperative(slug),
        bylaws=payload,
    )
    return get_coop(request, coop.slug)


@router.get("/coops/{slug}/members", response={200: list[MemberOut], **ERRORS})
def list_members(
    request: HttpRequest, slug: str, q: str = "", offset: int = 0, limit: int = 100
) -> list[dict[str, Any]]:
    """The member directory (members only), by member number."""
    coop = queries.get_cooperative(slug)
    rules.access_member(request.user, coop)
    offset, limit = max(offset, 0), min(max(limit, 1), 500)
    return [_member_out(m) for m in queries.directory(coop, q)[offset : offset + limit]]


@router.get("/coops/{slug}/register", response={200: list[RegisterEntryOut], **ERRORS})
def member_register(
    request: HttpRequest, slug: str, offset: int = 0, limit: int = 500
) -> list[dict[str, Any]]:
    """The member register, for officers who keep it."""
    coop = queries.get_cooperative(slug)
    rules.access_officer(request.user, coop, "keep_register")
    offset, limit = max(offset, 0), min(max(limit, 1), 2000)
    return [
        {
            **_member_out(m),
            "email": m.user.email,
            "applied_at": m.applied_at,
            "admitted_at": m.admitted_at,
            "ended_at": m.ended_at,
        }
        for m in queries.register(coop)[offset : offset + limit]
    ]


@router.get("/coops/{slug}/members/{member_id}", response={200: MemberOut, **ERRORS})
def get_member(request: HttpRequest, slug: str, member_id: int) -> dict[str, Any]:
    coop = queries.get_cooperative(slug)
    rules.access_member(request.user, coop)
    return _member_out(queries.get_member(coop, member_id))


@router.post("/coops/{slug}/members/{member_id}/status", response={200: MemberOut, **ERRORS})
def change_status(
    request: HttpRequest, slug: str, member_id: int, payload: StatusIn
) -> dict[str, Any]:
    coop = queries.get_cooperative(slug)
    rules.access_member(request.user, coop)
    member = actions.change_member_status(
        queries.get_member(coop, member_id),
        by=signed_in(request),
        to=payload.to,
        reason=payload.reason,
    )
    return _member_out(member)


@router.put("/coops/{slug}/members/{member_id}/offices", response={200: MemberOut, **ERRORS})
def set_offices(
    request: HttpRequest, slug: str, member_id: int, payload: OfficesIn
) -> dict[str, Any]:
    coop = queries.get_cooperative(slug)
    rules.access_member(request.user, coop)
    member = actions.set_offices(
        queries.get_member(coop, member_id),
        by=signed_in(request),
        offices=payload.offices,
    )
    return _member_out(member)


@router.post("/coops/{slug}/applications", response={201: ApplicationOut, **ERRORS})
def apply(request: HttpRequest, slug: str, payload: ApplyIn) -> Status[dict[str, Any]]:
    member = actions.apply_for_membership(
        user=signed_in(request),
        coop=queries.get_cooperative(slug),
        membership_class=payload.membership_class,
        statement=payload.statement,
    )
    return Status(201, _application_out(member))


@router.get("/coops/{slug}/applications", response={200: list[ApplicationOut], **ERRORS})
def list_applications(request: HttpRequest, slug: str) -> list[dict[str, Any]]:
    coop = queries.get_cooperative(slug)
    rules.access_officer(request.user, coop, "admit")
    return [_application_out(m) for m in queries.applications(coop)]


@router.post("/coops/{slug}/applications/{member_id}/admit", response={200: MemberOut, **ERRORS})
def admit(request: HttpRequest, slug: str, member_id: int) -> dict[str, Any]:
    coop = queries.get_cooperative(slug)
    rules.access_member(request.user, coop)
    member = actions.admit_member(queries.get_member(coop, member_id), by=signed_in(request))
    return _member_out(member)


@router.post(
    "/coops/{slug}/applications/{member_id}/reject", response={200: ApplicationOut, **ERRORS}
)
def reject(request: HttpRequest, slug: str, member_id: int, payload: ReasonIn) -> dict[str, Any]:
    coop = queries.get_cooperative(slug)
    rules.access_member(request.user, coop)
    member = actions.reject_application(
        queries.get_member(coop, member_id),
        by=signed_in(request),
        reason=payload.reason,
    )
    return _application_out(member)


@router.post("/coops/{slug}/invitations", response={201: InvitationOut, **ERRORS})
def invite(request: HttpRequest, slug: str, payload: InviteIn) -> Status[dict[str, Any]]:
    invitation, _token = actions.invite_member(
        by=signed_in(request),
        coop=queries.get_cooperative(slug),
        email=payload.email,
        membership_class=payload.membership_class,
    )
    return Status(
        201,
        {
            "id": invitation.pk,
            "email": invitation.email,
            "membership_class": invitation.membership_class,
            "expires_at": invitation.expires_at,
        },
    )
