"""Routes of the knowledge commons: calls (filled in by its views)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
