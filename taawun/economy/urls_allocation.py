from django.urls import URLPattern, path

from taawun.economy import views_allocation as views
from taawun.economy import views_bylaws

P = "coops/<slug:slug>/economy/"

urlpatterns: list[URLPattern] = [
    path(P, views.home, name="home"),
    path(P + "bylaws/", views_bylaws.economy_bylaws, name="bylaws"),
    path(P + "allocations/", views.allocation_list, name="allocations"),
    path(P + "periods/<int:period_id>/allocate/", views.allocation_new, name="allocation_new"),
    path(P + "allocations/<int:allocation_id>/", views.allocation_detail, name="allocation"),
    path(
        P + "allocations/<int:allocation_id>/shares.csv",
        views.allocation_csv,
        name="allocation_csv",
    ),
    path(
        P + "allocations/<int:allocation_id>/post/", views.allocation_post, name="allocation_post"
    ),
    path(
        P + "allocations/<int:allocation_id>/withdraw/",
        views.allocation_withdraw,
        name="allocation_withdraw",
    ),
    path(
        P + "allocations/<int:allocation_id>/notice/",
        views.allocation_notice,
        name="allocation_notice",
    ),
    path(
        P + "allocations/<int:allocation_id>/notice/<int:member_id>/",
        views.allocation_notice,
        name="allocation_notice_of",
    ),
]
