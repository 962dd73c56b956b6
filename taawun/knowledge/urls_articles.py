"""Routes of the knowledge commons: articles (filled in by its views)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
