"""Routes of the network's pages for people (in the ``federation``
namespace): the networks, a network's directory and its coordinators'
page, a cooperative's networks and follows, what came from the network,
and the instance's block and allow lists."""

from django.urls import URLPattern, path

from taawun.federation import views_pages as views

N = "networks/<slug:slug>/"
C = "coops/<slug:slug>/network/"

urlpatterns: list[URLPattern] = [
    path("networks/", views.network_list, name="networks"),
    path(N, views.network_directory, name="network"),
    path(N + "manage/", views.network_manage, name="network_manage"),
    path(N + "requests/<int:follow_id>/", views.network_decide, name="network_decide"),
    path(N + "members/here/<slug:coop>/remove/", views.network_remove, name="network_remove_local"),
    path(
        N + "members/elsewhere/<int:actor_id>/remove/",
        views.network_remove,
        name="network_remove_remote",
    ),
    path(C, views.coop_network, name="coop_network"),
    path(C + "join/", views.coop_network_join, name="coop_network_join"),
    path(C + "follows/<int:follow_id>/leave/", views.coop_network_leave, name="coop_network_leave"),
    path(
        C + "networks/<slug:network>/leave/",
        views.coop_network_leave_local,
        name="coop_network_leave_local",
    ),
    path(C + "shared/", views.coop_shared, name="coop_shared"),
    path("network/items/<int:item_id>/", views.item, name="item"),
    path("federation/admin/", views.instance_admin, name="instance_admin"),
    path("federation/admin/unblock/", views.admin_unblock, name="admin_unblock"),
    path("federation/admin/allow/", views.admin_allow, name="admin_allow"),
    path("federation/admin/disallow/", views.admin_disallow, name="admin_disallow"),
]
