from django.urls import include, path, re_path

from taawun.api.api import api, not_found

urlpatterns = [
    path("", include("taawun.web.urls")),
    path("", include("taawun.membership.urls")),
    path("", include("taawun.governance.urls")),
    path("", include("taawun.economy.urls")),
    path("", include("taawun.knowledge.urls")),
    path("", include("taawun.federation.urls")),
    path("", include("taawun.privacy.urls")),
    path("accounts/", include("taawun.accounts.urls")),
    path("api/", api.urls),
    re_path(r"^api/(?P<rest>.*)$", not_found),
]

handler400 = "taawun.web.views.bad_request"
