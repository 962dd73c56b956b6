"""The network's pages for people: the networks hosted here and elsewhere,
a network's directory (its public face, searchable by skill), its
coordinators' answers to requests to join, a cooperative's follows and
networks, what came from the network, and the instance's block and allow
lists. Parse, check the rule, call one action, render.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from taawun.errors import NotFound, TaawunError
from taawun.federation import directory, identity, objects, policy, publishing, rules
from taawun.federation.forms_pages import (
    SHARED_KINDS,
    AllowForm,
    BlockForm,
    DecisionForm,
    DomainForm,
    FollowForm,
    HandleForm,
    JoinForm,
    KindForm,
    SkillSearchForm,
)
from taawun.federation.models import Actor, DomainRule, Flag, Follow, RemoteObject
from taawun.membership import queries as membership_queries
from taawun.membership.models import Cooperative
from taawun.membership.rules import access_member

# --- Networks ----------------------------------------------------------------------


def network_list(request: HttpRequest) -> HttpResponse:
    context = {
        "hosted": directory.hosted_networks(),
        "elsewhere": directory.networks_elsewhere(),
    }
    return render(request, "federation/pages/networks.html", context)


def network_directory(request: HttpRequest, slug: str) -> HttpResponse:
    """Who is in the network and what they offer; with ``?skill=``, which
    member cooperatives offer that skill and at what level. Public: counts
    of members, never their names."""
    network = directory.get_network(slug)
    form = SkillSearchForm(request.GET)
    text = form.cleaned_data["skill"].strip() if form.is_valid() else ""
    members = directory.member_coops(network)
    context: dict[str, Any] = {
        "network": network,
        "form": form,
        "searched": text,
        "members": members,
        "handle": directory.network_handle(network),
        "coordinates": rules.can_coordinate(request.user, network),
        "reads_decisions": rules.reads_network(request.user, network),
    }
    if text:
        context["matches"] = directory.search(members, text)
    return render(request, "federation/pages/directory.html", context)


def network_manage(request: HttpRequest, slug: str) -> HttpResponse:
    network = directory.get_network(slug)
    rules.access_coordinator(request.user, network)
    context = {
        "network": network,
        "requests": directory.pending_requests(network),
        "members": directory.member_coops(network),
    }
    return render(request, "federation/pages/manage.html", context)


@require_POST
def network_decide(request: HttpRequest, slug: str, follow_id: int) -> HttpResponse:
    network = directory.get_network(slug)
    rules.access_coordinator(request.user, network)
    follow = directory.get_pending_request(network, follow_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to accept or to refuse the request."))
        return redirect("federation:network_manage", network.slug)
    accept = form.cleaned_data["decision"] == "accept"
    publishing.decide_join(follow, accept=accept)
    name = follow.follower.name
    if accept:
        messages.success(request, _("%(name)s is now a member of the network.") % {"name": name})
    else:
        messages.success(request, _("The request of %(name)s is refused.") % {"name": name})
    return redirect("federation:network_manage", network.slug)


def network_remove(
    request: HttpRequest, slug: str, coop: str | None = None, actor_id: int | None = None
) -> HttpResponse:
    """Remove a member cooperative: a page asking to confirm, then the POST."""
    network = directory.get_network(slug)
    rules.access_coordinator(request.user, network)
    local = directory.get_local_member(network, coop) if coop is not None else None
    remote = directory.get_remote_member(network, actor_id) if actor_id is not None else None
    name = local.name if local is not None else remote.name if remote is not None else ""
    if request.method == "POST":
        member = identity.coop_actor(local) if local is not None else remote
        assert member is not None
        publishing.remove_member(network, member)
        messages.success(
            request, _("%(name)s is no longer a member of the network.") % {"name": name}
        )
        return redirect("federation:network_manage", network.slug)
    return _confirm(
        request,
        title=_("Remove %(name)s from %(network)s?") % {"name": name, "network": network.name},
        text=_(
            "The cooperative stops receiving what the network shares and cannot answer its "
            "decisions. It may ask to join again."
        ),
        button=_("Remove %(name)s") % {"name": name},
        back=reverse("federation:network_manage", args=[network.slug]),
    )


def _confirm(
    request: HttpRequest, *, title: str, text: str, button: str, back: str
) -> HttpResponse:
    context = {"title": title, "text": text, "button": button, "back": back}
    return render(request, "federation/pages/confirm.html", context)


# --- A cooperative in the network -------------------------------------------------------


def _coop_page(
    request: HttpRequest,
    coop: Cooperative,
    *,
    follow_form: HandleForm | None = None,
    join_form: HandleForm | None = None,
) -> HttpResponse:
    member = access_member(request.user, coop)
    context = {
        "coop": coop,
        "acts": rules.represents(member),
        "places": directory.coop_networks(coop),
        "follow_form": follow_form or FollowForm(),
        "join_form": join_form or JoinForm(),
    }
    return render(request, "federation/pages/coop_network.html", context)


def _send(form: HandleForm, action: Callable[[str], Follow]) -> Follow | None:
    """Call ``action`` with the form's handle; a refusal (a server blocked
    here, an address that does not answer or names no cooperative or
    network) lands beside the field, and nothing has changed."""
    handle = form.cleaned_data["handle"]
    if not policy.domain_allowed(handle.rsplit("@", 1)[1]):
        form.add_error("handle", _("This server is blocked here: nothing is sent to it."))
        return None
    try:
        return action(handle)
    except TaawunError as error:
        form.add_error("handle", str(error.message))
        return None


def coop_network(request: HttpRequest, slug: str) -> HttpResponse:
    """A cooperative's networks and follows; its officers follow another
    cooperative here (the page's own form)."""
    coop = membership_queries.get_cooperative(slug)
    if request.method != "POST":
        return _coop_page(request, coop)
    rules.access_representative(request.user, coop)
    form = FollowForm(request.POST)
    follow = _send(form, lambda h: publishing.follow(coop, h)) if form.is_valid() else None
    if follow is None:
        return _coop_page(request, coop, follow_form=form)
    names = {"coop": coop.name, "name": follow.followed.name}
    if follow.state == Follow.State.ACCEPTED:
        messages.success(request, _("%(coop)s now follows %(name)s.") % names)
    else:
        messages.success(request, _("%(coop)s asked to follow %(name)s; it will answer.") % names)
    return redirect("federation:coop_network", coop.slug)


@require_POST
def coop_network_join(request: HttpRequest, slug: str) -> HttpResponse:
    coop = membership_queries.get_cooperative(slug)
    rules.access_representative(request.user, coop)
    form = JoinForm(request.POST)
    follow = _send(form, lambda h: publishing.ask_to_join(coop, h)) if form.is_valid() else None
    if follow is None:
        return _coop_page(request, coop, join_form=form)
    names = {"coop": coop.name, "name": follow.followed.name}
    if follow.state == Follow.State.ACCEPTED:
        messages.success(request, _("%(coop)s is now a member of %(name)s.") % names)
    else:
        messages.success(
            request,
            _("%(coop)s asked to join %(name)s; its coordinators will answer.") % names,
        )
    return redirect("federation:coop_network", coop.slug)


def coop_network_leave(request: HttpRequest, slug: str, follow_id: int) -> HttpResponse:
    """Stop following a cooperative, or leave (or withdraw the request to
    join) a network elsewhere: a page asking to confirm, then the POST."""
    coop = membership_queries.get_cooperative(slug)
    rules.access_representative(request.user, coop)
    follow = directory.get_own_follow(coop, follow_id)
    followed = follow.followed
    network = followed.role == Actor.Role.NETWORK
    if request.method == "POST":
        publishing.unfollow(coop, followed)
        if network:
            message = _("%(coop)s left %(name)s.")
        else:
            message = _("%(coop)s no longer follows %(name)s.")
        messages.success(request, message % {"coop": coop.name, "name": followed.name})
        return redirect("federation:coop_network", coop.slug)
    names = {"coop": coop.name, "name": followed.name}
    if network:
        title = _("Should %(coop)s leave %(name)s?") % names
        text = _("The cooperative stops receiving what the network shares.")
        button = _("Leave %(name)s") % names
    else:
        title = _("Should %(coop)s stop following %(name)s?") % names
        text = _("What it publishes stops reaching the cooperative.")
        button = _("Stop following %(name)s") % names
    back = reverse("federation:coop_network", args=[coop.slug])
    return _confirm(request, title=title, text=text, button=button, back=back)


def coop_network_leave_local(request: HttpRequest, slug: str, network: str) -> HttpResponse:
    """Leave a network hosted on this server."""
    coop = membership_queries.get_cooperative(slug)
    rules.access_representative(request.user, coop)
    found = directory.get_local_network_of(coop, network)
    names = {"coop": coop.name, "name": found.name}
    if request.method == "POST":
        # Through publishing, so that an accepted request to join goes too.
        publishing.unfollow(coop, identity.network_actor(found))
        messages.success(request, _("%(coop)s left %(name)s.") % names)
        return redirect("federation:coop_network", coop.slug)
    return _confirm(
        request,
        title=_("Should %(coop)s leave %(name)s?") % names,
        text=_("The cooperative stops receiving what the network shares."),
        button=_("Leave %(name)s") % names,
        back=reverse("federation:coop_network", args=[coop.slug]),
    )


# --- What came from the network ---------------------------------------------------------


def _readable(request: HttpRequest) -> QuerySet[RemoteObject]:
    return objects.readable_remote(request.user).select_related("actor")


def coop_shared(request: HttpRequest, slug: str) -> HttpResponse:
    coop = membership_queries.get_cooperative(slug)
    access_member(request.user, coop)
    form = KindForm(request.GET)
    kind = form.cleaned_data["kind"] if form.is_valid() else ""
    items = _readable(request).order_by("-published", "-id")
    if kind:
        items = items.filter(kind=kind)
    else:
        items = items.filter(kind__in=[k.value for k in SHARED_KINDS])
    page = Paginator(items, settings.TAAWUN_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"coop": coop, "form": form, "kind": kind, "page": page}
    return render(request, "federation/pages/shared.html", context)


def item(request: HttpRequest, item_id: int) -> HttpResponse:
    found = _readable(request).filter(pk=item_id).first()
    if found is None:
        raise NotFound(_("There is nothing here that you may read."))
    return render(request, "federation/pages/item.html", {"item": found})


# --- The instance's rules for other servers ---------------------------------------------


def _admin_page(
    request: HttpRequest, *, block: BlockForm | None = None, allow: AllowForm | None = None
) -> HttpResponse:
    rules_ = DomainRule.objects.order_by("domain")
    context = {
        "block_form": block or BlockForm(),
        "allow_form": allow or AllowForm(),
        "blocked": rules_.filter(kind=DomainRule.Kind.BLOCK),
        "allowed": rules_.filter(kind=DomainRule.Kind.ALLOW),
        "allowlist_only": getattr(settings, "TAAWUN_FEDERATION_ALLOWLIST_ONLY", False),
        "flags": Flag.objects.select_related("actor").order_by("-received_at", "-id")[:100],
    }
    return render(request, "federation/pages/admin.html", context)


def _run(form: BlockForm | AllowForm, action: Callable[[], object]) -> bool:
    try:
        action()
    except TaawunError as error:
        form.add_error("domain", str(error.message))
        return False
    return True


def instance_admin(request: HttpRequest) -> HttpResponse:
    """The block list (the page's own form), the allow list and the reports."""
    rules.access_instance_admin(request.user)
    if request.method != "POST":
        return _admin_page(request)
    form = BlockForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        if _run(form, lambda: policy.block_domain(data["domain"], reason=data["reason"])):
            domain = policy.normalise_domain(data["domain"])
            messages.success(request, _("%(domain)s is blocked.") % {"domain": domain})
            return redirect("federation:instance_admin")
    return _admin_page(request, block=form)


def _lift_rule(request: HttpRequest, lift: Any, done: str) -> HttpResponse:
    """Unblock or take off the allow list: one button per listed domain."""
    rules.access_instance_admin(request.user)
    form = DomainForm(request.POST)
    if form.is_valid():
        domain = form.cleaned_data["domain"]
        try:
            lift(domain)
        except TaawunError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, done % {"domain": domain})
    return redirect("federation:instance_admin")


@require_POST
def admin_unblock(request: HttpRequest) -> HttpResponse:
    return _lift_rule(request, policy.unblock_domain, _("%(domain)s is no longer blocked."))


@require_POST
def admin_allow(request: HttpRequest) -> HttpResponse:
    rules.access_instance_admin(request.user)
    form = AllowForm(request.POST)
    if form.is_valid() and _run(form, lambda: policy.allow_domain(form.cleaned_data["domain"])):
        domain = policy.normalise_domain(form.cleaned_data["domain"])
        messages.success(request, _("%(domain)s is on the allow list.") % {"domain": domain})
        return redirect("federation:instance_admin")
    return _admin_page(request, allow=form)


@require_POST
def admin_disallow(request: HttpRequest) -> HttpResponse:
    return _lift_rule(
        request, policy.disallow_domain, _("%(domain)s is no longer on the allow list.")
    )
