from django.urls import path

from taawun.governance import views

app_name = "governance"

P = "coops/<slug:slug>/"

urlpatterns = [
    path(P + "decisions/", views.decisions, name="decisions"),
    path(P + "discussions/new/", views.discussion_new, name="discussion_new"),
    path(P + "discussions/<int:discussion_id>/", views.discussion, name="discussion"),
    path(P + "polls/new/", views.poll_new, name="poll_new"),
    path(P + "polls/<int:poll_id>/", views.poll, name="poll"),
    path(P + "polls/<int:poll_id>/open/", views.poll_action, {"action": "open"}, name="open"),
    path(P + "polls/<int:poll_id>/close/", views.poll_action, {"action": "close"}, name="close"),
    path(P + "polls/<int:poll_id>/vote/", views.vote, name="vote"),
    path(P + "polls/<int:poll_id>/proxy/", views.proxy, name="proxy"),
    path(P + "polls/<int:poll_id>/outcome/", views.outcome, name="outcome"),
    path(P + "polls/<int:poll_id>/receipt/", views.receipt, name="receipt"),
    path(P + "polls/<int:poll_id>/board.json", views.board, name="board"),
    path(P + "meetings/new/", views.meeting_new, name="meeting_new"),
    path(P + "meetings/<int:meeting_id>/minutes/", views.minutes, name="minutes"),
    path(P + "meetings/<int:meeting_id>/open/", views.meeting_open, name="meeting_open"),
]
