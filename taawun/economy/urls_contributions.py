from django.urls import URLPattern, path

from taawun.economy import views_contributions as views

P = "coops/<slug:slug>/economy/"

urlpatterns: list[URLPattern] = [
    path(P + "periods/", views.period_list, name="periods"),
    path(P + "periods/new/", views.period_new, name="periods_new"),
    path(P + "periods/<int:period_id>/", views.period_detail, name="periods_detail"),
    path(P + "periods/<int:period_id>/totals.csv", views.period_csv, name="periods_csv"),
    path(P + "periods/<int:period_id>/close/", views.period_close, name="periods_close"),
    path(
        P + "periods/<int:period_id>/import/",
        views.contributions_import,
        name="contributions_import",
    ),
    path(P + "contributions/", views.contributions_mine, name="contributions_mine"),
    path(P + "contributions/log/", views.contributions_log, name="contributions_log"),
    path(
        P + "contributions/waiting/",
        views.contributions_pending,
        name="contributions_pending",
    ),
    path(P + "capital/", views.capital_accounts, name="capital_accounts"),
    path(P + "capital/<int:member_id>/", views.capital_statement, name="capital_statement"),
    path(
        P + "capital/<int:member_id>/statement.csv",
        views.capital_csv,
        name="capital_csv",
    ),
    path(
        P + "capital/<int:member_id>/new/",
        views.capital_entry_new,
        name="capital_entry_new",
    ),
]
