"""Routes of the knowledge commons: mentoring (filled in by its views)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
