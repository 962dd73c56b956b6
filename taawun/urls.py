from django.urls import include, path

from taawun.api.api import api

urlpatterns = [
    path("", include("taawun.web.urls")),
    path("", include("taawun.membership.urls")),
    path("accounts/", include("taawun.accounts.urls")),
    path("api/", api.urls),
]
