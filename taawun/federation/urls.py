"""Federation's routes: discovery (WebFinger, NodeInfo), our actors and
their collections, the documents of things that travel, and the inboxes."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt

from taawun.federation import urls_decisions, urls_pages
from taawun.federation import views_discovery as views

app_name = "federation"


def _later(module: str, name: str) -> Any:
    """A view imported when first called, so that the routes load before
    every module they point to does (and import no more than a request needs)."""

    def view(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        target = getattr(import_module(module), name)
        response: HttpResponse = target(request, **kwargs)
        return response

    return view


# Other servers post to inboxes without a CSRF token: their HTTP signature
# is what authenticates them (taawun.federation.inbox checks it).
receive = csrf_exempt(_later("taawun.federation.inbox", "receive"))
object_document = _later("taawun.federation.objects", "object_document_view")

ACTOR = r"^ap/(?P<kind>coops|networks|people)/(?P<key>[-\w]+)"

urlpatterns = [
    path(".well-known/webfinger", views.webfinger, name="webfinger"),
    path(".well-known/nodeinfo", views.nodeinfo_links, name="nodeinfo-links"),
    path("nodeinfo/2.1", views.nodeinfo, name="nodeinfo"),
    path("ap/actor", views.instance, name="instance"),
    path("ap/inbox", receive, name="shared-inbox"),
    re_path(ACTOR + r"$", views.actor, name="actor"),
    re_path(ACTOR + r"/inbox$", receive, name="inbox"),
    re_path(ACTOR + r"/outbox$", views.outbox, name="outbox"),
    re_path(ACTOR + r"/followers$", views.followers, name="followers"),
    re_path(ACTOR + r"/following$", views.following, name="following"),
    re_path(
        r"^ap/(?P<kind>article|call|event|question|answer)s/(?P<public_id>[0-9a-f-]{36})$",
        object_document,
        name="object",
    ),
    re_path(r"^ap/activities/(?P<public_id>[0-9a-f-]{36})$", views.activity, name="activity"),
]

urlpatterns += urls_pages.urlpatterns + urls_decisions.urlpatterns
