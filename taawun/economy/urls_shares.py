from django.urls import URLPattern, path

from taawun.economy import views_shares as views

P = "coops/<slug:slug>/economy/"

urlpatterns: list[URLPattern] = [
    path(P + "shares/", views.register, name="shares_register"),
    path(P + "shares/register.csv", views.register_csv, name="shares_register_csv"),
    path(P + "shares/mine/", views.my_statement, name="shares_my_statement"),
    path(P + "shares/members/<int:member_id>/", views.statement, name="shares_statement"),
    path(
        P + "shares/members/<int:member_id>/statement.csv",
        views.statement_csv,
        name="shares_statement_csv",
    ),
    path(P + "shares/subscribe/", views.subscribe, name="shares_subscribe"),
    path(
        P + "shares/subscriptions/<int:subscription_id>/payment/",
        views.payment,
        name="shares_payment",
    ),
    path(P + "shares/transfer/", views.transfer, name="shares_transfer"),
    path(P + "shares/redeem/", views.redeem, name="shares_redeem"),
    path(P + "shares/transfers/", views.transfers, name="shares_transfers"),
    path(
        P + "shares/transfers/<int:transfer_id>/",
        views.transfer_decide,
        name="shares_transfer_decide",
    ),
    path(P + "shares/redemptions/", views.redemptions, name="shares_redemptions"),
    path(
        P + "shares/redemptions/<int:redemption_id>/",
        views.redemption_decide,
        name="shares_redemption_decide",
    ),
]
