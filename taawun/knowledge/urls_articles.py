"""Routes of the knowledge base. An article's address is its short name,
which may be Arabic (or any script), hence ``str`` and not ``slug``."""

from django.urls import URLPattern, path

from taawun.knowledge import views_articles as views

P = "coops/<slug:slug>/knowledge/"
A = P + "<str:article_slug>/"

urlpatterns: list[URLPattern] = [
    path(P, views.article_list, name="articles"),
    path(P + "new/", views.article_new, name="articles_new"),
    path(A, views.article_detail, name="article"),
    path(A + "edit/", views.article_edit, name="article_edit"),
    path(A + "translate/", views.article_translate, name="article_translate"),
    path(A + "history/", views.article_history, name="article_history"),
    path(A + "compare/", views.article_compare, name="article_compare"),
    path(A + "revisions/<int:number>/", views.revision_detail, name="article_revision"),
    path(
        A + "revisions/<int:number>/restore/",
        views.revision_restore,
        name="article_restore",
    ),
]
