"""Routes of the knowledge commons: search, at /search?q=… as the issue
gives it (no trailing slash: the page is a query, not a folder)."""

from django.urls import URLPattern, path

from taawun.knowledge import views_search as views

urlpatterns: list[URLPattern] = [
    path("search", views.search_page, name="search"),
]
