from django.urls import URLPattern, path

from taawun.economy import views_budgeting as views

P = "coops/<slug:slug>/economy/"
B = P + "budgets/"

urlpatterns: list[URLPattern] = [
    path(B, views.rounds, name="pb_rounds"),
    path(B + "new/", views.round_new, name="pb_round_new"),
    path(B + "import/", views.import_page, name="pb_import"),
    path(B + "<int:round_id>/", views.round_page, name="pb_round"),
    path(B + "<int:round_id>/open/", views.round_step, {"step": "open"}, name="pb_open"),
    path(B + "<int:round_id>/close/", views.round_step, {"step": "close"}, name="pb_close"),
    path(B + "<int:round_id>/result/", views.result, name="pb_result"),
    path(B + "<int:round_id>/export.pb", views.export, name="pb_export"),
]
