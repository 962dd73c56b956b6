"""Routes of the knowledge commons: courses (filled in by its views)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
