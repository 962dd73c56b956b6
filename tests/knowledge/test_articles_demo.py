"""The demo's articles are made through the actions: each cooperative gets
its own, with a history, a translation and a comment where the demo says."""

from __future__ import annotations

import pytest

from taawun.knowledge import demo_articles
from taawun.knowledge.models import Article
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("slug", ["masar-code", "nawa-net", "leeds-tech", "elsewhere"])
def test_each_demo_cooperative_gets_articles_with_their_history(slug):
    coop = factories.cooperative(slug=slug)
    author = coop.members.get(number=1)
    factories.member(coop)
    demo_articles.load(coop, author=author)
    articles = Article.objects.filter(cooperative=coop)
    assert articles.exists()
    for article in articles:
        assert article.revisions.count() == article.revision_count
    if slug != "leeds-tech":
        assert articles.filter(revision_count=2).exists()
        assert articles.values("family").distinct().count() < articles.count()
    assert any(a.comments.exists() for a in articles)


def test_loading_twice_adds_nothing():
    coop = factories.cooperative(slug="masar-code")
    author = coop.members.get(number=1)
    demo_articles.load(coop, author=author)
    count = Article.objects.count()
    demo_articles.load(coop, author=author)
    assert Article.objects.count() == count
