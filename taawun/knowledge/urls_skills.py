"""Routes of the knowledge commons: skills (filled in by its views)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
