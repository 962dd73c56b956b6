from django.urls import path

from taawun.privacy import views

app_name = "privacy"

urlpatterns = [
    path("accounts/data/", views.my_data, name="data"),
    path("accounts/data/download/", views.download, name="download"),
]
