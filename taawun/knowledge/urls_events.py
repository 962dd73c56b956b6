"""Routes of the knowledge commons: events."""

from django.urls import URLPattern, path

from taawun.knowledge import views_events as views

E = "coops/<slug:slug>/events/"

urlpatterns: list[URLPattern] = [
    path("events/", views.event_index, name="events"),
    path(E, views.event_list, name="coop_events"),
    path(E + "new/", views.event_new, name="event_new"),
    path(E + "<int:event_id>/", views.event_detail, name="event"),
    path(E + "<int:event_id>/edit/", views.event_edit, name="event_edit"),
    path(E + "<int:event_id>/event.ics", views.event_calendar, name="event_calendar"),
    path(E + "<int:event_id>/call-off/", views.event_call_off, name="event_call_off"),
]
