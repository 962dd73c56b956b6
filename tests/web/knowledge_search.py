"""Knowledge pages (search) for the catalogue in tests/web: what they need in the
world, made through the real actions, and the pages themselves.

Results pages are here too (the query in their address), with marked
words in the titles and snippets; the rest of the search's behaviour is
checked with Django's test client in tests/knowledge/test_search_pages.py."""

from __future__ import annotations

from typing import Any

from taawun.knowledge.models import Article
from tests.web.page import Page

PAGES: list[Page] = [
    Page("search", "/search"),
    Page("search-as-member", "/search", who="member"),
    # البذور ("the seeds"): the public article for a visitor, both for a member.
    Page("search-results", "/search?q=%D8%A7%D9%84%D8%A8%D8%B0%D9%88%D8%B1"),
    Page(
        "search-results-as-member",
        "/search?q=%D8%A8%D8%A7%D9%84%D8%A8%D8%B0%D9%88%D8%B1&kind=article",
        who="member",
    ),
    Page("search-nothing-found", "/search?q=zzzqqq"),
]


def build(world: Any) -> None:
    """A public article and a members-only one, so that the form offers the
    cooperative to both readers."""
    author = world.coop.members.get(user=world.founder)
    for slug, visibility in (("search-open", "public"), ("search-inside", "cooperative")):
        article = Article.objects.create(
            cooperative=world.coop,
            slug=slug,
            language="ar",
            title="مكتبة البذور في القرية",
            body="نحفظ **البذور** المحلية ونتبادلها كل موسم.",
            visibility=visibility,
            author=author,
        )
        world.ids[f"search_{slug.replace('-', '_')}"] = article.pk
