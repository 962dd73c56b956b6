"""What the knowledge-base pages read: a cooperative's articles as one
reader may see them, an article by its address, its translations and its
revisions. Every read takes the reader's scope (``rules.reader_scope``), so
an article the reader may not read is never listed, and answers "not found"."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from taawun.errors import NotFound
from taawun.knowledge.models import Article, ArticleComment, ArticleRevision, Skill, Tag
from taawun.knowledge.rules import ReaderScope, require_readable
from taawun.membership.models import Cooperative

# Languages written right to left among CONTENT_LANGUAGES.
RIGHT_TO_LEFT = frozenset({"ar", "fa", "ur"})


def direction(language: str) -> str:
    return "rtl" if language in RIGHT_TO_LEFT else "ltr"


def readable_articles(
    coop: Cooperative,
    scope: ReaderScope,
    *,
    tag: str = "",
    skill: str = "",
    language: str = "",
) -> QuerySet[Article]:
    """The articles of ``coop`` the reader may read, the latest changed first."""
    articles = Article.objects.filter(scope.q(), cooperative=coop)
    if tag:
        articles = articles.filter(tags__name=tag)
    if skill:
        articles = articles.filter(skills__slug=skill)
    if language:
        articles = articles.filter(language=language)
    return articles.order_by("-updated_at", "-id").prefetch_related("tags")


def tags_in_use(coop: Cooperative, scope: ReaderScope) -> QuerySet[Tag]:
    readable = Article.objects.filter(scope.q(), cooperative=coop)
    return Tag.objects.filter(articles__in=readable).distinct().order_by("name")


def skills_in_use(coop: Cooperative, scope: ReaderScope) -> list[Skill]:
    readable = Article.objects.filter(scope.q(), cooperative=coop)
    return sorted(
        Skill.objects.filter(articles__in=readable).distinct(), key=lambda s: s.name.casefold()
    )


def languages_in_use(coop: Cooperative, scope: ReaderScope) -> set[str]:
    return set(
        Article.objects.filter(scope.q(), cooperative=coop)
        .values_list("language", flat=True)
        .distinct()
    )


def get_article(coop: Cooperative, slug: str, scope: ReaderScope) -> Article:
    """The article at this address, if the reader may read it (NotFound
    either way, so that its existence is not told)."""
    article = (
        Article.objects.filter(cooperative=coop, slug=slug)
        .select_related("cooperative", "author__user")
        .first()
    )
    if article is None:
        raise NotFound(_("There is no such article in this cooperative."))
    require_readable(scope, article.visibility, article.cooperative_id)
    return article


def translations(article: Article, scope: ReaderScope) -> list[Article]:
    """The same article in other languages, those the reader may read."""
    return list(
        Article.objects.filter(scope.q(), cooperative=article.cooperative, family=article.family)
        .exclude(pk=article.pk)
        .order_by("language")
    )


def family_languages(article: Article) -> set[str]:
    """Every language the article is written in, readable or not (a
    translation is refused in a language the family has)."""
    return set(
        Article.objects.filter(cooperative=article.cooperative, family=article.family).values_list(
            "language", flat=True
        )
    )


def revisions(article: Article) -> QuerySet[ArticleRevision]:
    """Newest first, with their authors."""
    return article.revisions.select_related("author__user").order_by("-number")


def get_revision(article: Article, number: int) -> ArticleRevision:
    revision = article.revisions.select_related("author__user").filter(number=number).first()
    if revision is None:
        raise NotFound(_("This article has no revision %(number)s.") % {"number": number})
    return revision


def latest_revision(article: Article) -> ArticleRevision | None:
    return revisions(article).first()


def comments(article: Article) -> QuerySet[ArticleComment]:
    return article.comments.select_related("author").order_by("created_at", "id")
