"""Knowledge pages (search) for the catalogue in tests/web: what they need in the
world, made through the real actions, and the pages themselves.

Only the search form itself is in the catalogue: the browser checks compare
the address they land on with the page's path, which a results page
(/search?q=…) has a query string beside. Results pages are checked with
Django's test client in tests/knowledge/test_search_pages.py."""

from __future__ import annotations

from typing import Any

from taawun.knowledge.models import Article
from tests.web.page import Page

PAGES: list[Page] = [
    Page("search", "/search"),
    Page("search-as-member", "/search", who="member"),
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
