from django.urls import path

from taawun.membership import views

app_name = "membership"

urlpatterns = [
    path("coops/", views.coop_list, name="coops"),
    path("coops/new/", views.coop_new, name="coop_new"),
    path("coops/<slug:slug>/", views.coop_detail, name="coop"),
    path("coops/<slug:slug>/apply/", views.apply, name="apply"),
    path("coops/<slug:slug>/withdraw/", views.withdraw, name="withdraw"),
    path("coops/<slug:slug>/members/", views.directory, name="directory"),
    path("coops/<slug:slug>/members/<int:member_id>/", views.member_detail, name="member"),
    path("coops/<slug:slug>/register/", views.register, name="register"),
    path("coops/<slug:slug>/register.csv", views.register_csv, name="register_csv"),
    path("coops/<slug:slug>/applications/", views.applications, name="applications"),
    path("coops/<slug:slug>/applications/<int:member_id>/", views.application, name="application"),
    path("coops/<slug:slug>/invite/", views.invite, name="invite"),
    path("coops/<slug:slug>/bylaws/", views.bylaws, name="bylaws"),
    path("coops/<slug:slug>/bylaws/classes/", views.bylaws_classes, name="bylaws_classes"),
    path("coops/<slug:slug>/bylaws/offices/", views.bylaws_offices, name="bylaws_offices"),
    path("coops/<slug:slug>/ledger/", views.ledger, name="ledger"),
    path("coops/<slug:slug>/ledger.jsonl", views.ledger_export, name="ledger_export"),
    path("invitations/<str:token>/", views.accept_invitation, name="accept_invitation"),
]
