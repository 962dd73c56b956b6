"""Routes of the knowledge commons: calls for collaboration."""

from django.urls import URLPattern, path

from taawun.knowledge import views_calls as views

C = "coops/<slug:slug>/calls/"

urlpatterns: list[URLPattern] = [
    path("calls/", views.call_index, name="calls"),
    path(C, views.call_list, name="coop_calls"),
    path(C + "new/", views.call_new, name="call_new"),
    path(C + "<int:call_id>/", views.call_detail, name="call"),
    path(C + "<int:call_id>/edit/", views.call_edit, name="call_edit"),
    path(C + "<int:call_id>/close/", views.call_close, name="call_close"),
]
