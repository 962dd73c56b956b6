"""Routes of network decisions, included by ``taawun.federation.urls``
under the ``federation`` namespace."""

from django.urls import URLPattern, path

from taawun.federation import views_decisions as views

N = "networks/<slug:network>/decisions/"
Q = "coops/<slug:slug>/network-questions/"

urlpatterns: list[URLPattern] = [
    path(N, views.decision_list, name="decisions"),
    path(N + "new/", views.decision_new, name="decision_new"),
    path(N + "<uuid:public_id>/", views.decision_detail, name="decision"),
    path(N + "<uuid:public_id>/close/", views.decision_close, name="decision_close"),
    path(Q, views.coop_question_list, name="coop_questions"),
    path(Q + "<str:location>/<str:key>/", views.coop_question, name="coop_question"),
]
