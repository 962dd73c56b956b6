"""Routes of the knowledge commons: search (filled in by its views)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
