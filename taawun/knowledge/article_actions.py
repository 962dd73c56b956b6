"""Every change to the knowledge base: write an article, edit it, bring back
an earlier revision, translate it, comment on it.

A member of the cooperative (probation, active or suspended, as in
``taawun.membership.rules``) writes, edits, restores and translates its
articles; anyone signed in who may read an article comments on it. Every
change of an article is a new revision, numbered from 1, and nothing is
ever taken out of the history: a restore is a new revision carrying the
earlier text. A refusal raises an error of the taawun.errors family with
the field it concerns, and leaves nothing written.

The text is kept as the member typed it; what is unsafe in it (scripts,
styles, event handlers, ``javascript:`` links) is removed when it is shown
(``taawun.markdown``), so an article about web pages can still show
``<script>`` in a code block.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from taawun.errors import Conflict, InvalidInput, NotFound, NotSignedIn, PermissionDenied
from taawun.knowledge.models import (
    CONTENT_LANGUAGES,
    MAX_TEXT,
    Article,
    ArticleComment,
    ArticleRevision,
    Skill,
    Tag,
    Visibility,
)
from taawun.knowledge.rules import reader_scope, require_readable
from taawun.membership import rules
from taawun.membership.models import Cooperative, Member

MAX_TITLE = 200
MAX_SUMMARY = 200
MAX_COMMENT = 10_000
MAX_TAGS = 10
MAX_TAG = 50
# The address is at most 80 characters; the room left for "-2", "-3"...
MAX_SLUG = 80
SLUG_ROOM = 6
# Addresses that a page of the knowledge base takes (knowledge/new/).
RESERVED_SLUGS = frozenset({"new"})
# Tags are separated by commas, the Arabic comma (U+060C) included.
TAG_SEPARATORS = re.compile("[,\u060c]")

Tags = str | Iterable[str] | None
Skills = Iterable[int | str | Skill] | None


# --- Checks ------------------------------------------------------------------


def _writer(by: Any, coop: Cooperative) -> Member:
    """The acting user's membership of ``coop``, if they may write its articles."""
    if by is None or not by.is_authenticated:
        raise NotSignedIn()
    member = rules.membership_of(by, coop)
    if not rules.is_member(member):
        raise PermissionDenied(
            _("Only members of this cooperative can write and edit its articles.")
        )
    assert member is not None
    return member


def _too_long(limit: int) -> str:
    return ngettext(
        "This is too long: at most %(limit)s character.",
        "This is too long: at most %(limit)s characters.",
        limit,
    ) % {"limit": number_format(limit, force_grouping=True)}


def check_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise InvalidInput(_("Give the article a title."), field="title")
    if len(title) > MAX_TITLE:
        raise InvalidInput(_too_long(MAX_TITLE), field="title")
    return title


def check_body(body: str) -> str:
    """The text as typed (line ends made ``\\n``), if it is neither empty nor
    longer than MAX_TEXT characters."""
    body = (body or "").replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    if not body.strip():
        raise InvalidInput(_("Write the text of the article."), field="body")
    if len(body) > MAX_TEXT:
        raise InvalidInput(
            _(
                "This text is %(length)s characters long; an article can have at most "
                "%(limit)s characters. Split it into several articles."
            )
            % {
                "length": number_format(len(body), force_grouping=True),
                "limit": number_format(MAX_TEXT, force_grouping=True),
            },
            field="body",
        )
    return body


def check_summary(summary: str) -> str:
    summary = " ".join((summary or "").split())
    if len(summary) > MAX_SUMMARY:
        raise InvalidInput(_too_long(MAX_SUMMARY), field="summary")
    return summary


def check_language(language: str) -> str:
    if language not in dict(CONTENT_LANGUAGES):
        raise InvalidInput(_("Choose the language the article is written in."), field="language")
    return language


def check_visibility(visibility: str) -> str:
    if visibility not in Visibility.values:
        raise InvalidInput(_("Choose who can read the article."), field="visibility")
    return visibility


def tag_names(tags: Tags) -> list[str]:
    """Tags as kept: trimmed, lower case, inner spaces made single, each
    once, in the order given; at most MAX_TAGS of at most MAX_TAG characters."""
    pieces = TAG_SEPARATORS.split(tags) if isinstance(tags, str) else list(tags or [])
    names: list[str] = []
    for piece in pieces:
        name = " ".join(str(piece).split()).lower()
        if name and name not in names:
            names.append(name)
    for name in names:
        if len(name) > MAX_TAG:
            raise InvalidInput(
                _("The tag “%(tag)s…” is too long: a tag has at most %(limit)s characters.")
                % {"tag": name[:20], "limit": MAX_TAG},
                field="tags",
            )
    if len(names) > MAX_TAGS:
        raise InvalidInput(
            ngettext(
                "An article can have at most %(limit)s tag; you gave %(count)s.",
                "An article can have at most %(limit)s tags; you gave %(count)s.",
                MAX_TAGS,
            )
            % {"limit": MAX_TAGS, "count": len(names)},
            field="tags",
        )
    return names


def _tags(tags: Tags) -> list[Tag]:
    return [Tag.objects.get_or_create(name=name)[0] for name in tag_names(tags)]


def _skills(skills: Skills) -> list[Skill]:
    """Skills of the vocabulary, given as rows, ids or short names."""
    wanted = list(skills or [])
    rows = [s for s in wanted if isinstance(s, Skill)]
    ids = {int(s) for s in wanted if isinstance(s, int) or (isinstance(s, str) and s.isdigit())}
    slugs = {s for s in wanted if isinstance(s, str) and not s.isdigit()}
    found = list(Skill.objects.filter(pk__in=ids)) + list(Skill.objects.filter(slug__in=slugs))
    if len({s.pk for s in found}) < len(ids) + len(slugs):
        raise InvalidInput(_("Choose skills from the list."), field="skills")
    return list({s.pk: s for s in rows + found}.values())


def free_slug(coop: Cooperative, title: str) -> str:
    """An address for a new article of ``coop``, made from its title
    (Arabic stays Arabic); "-2", "-3"... when it is taken."""
    base = slugify(title, allow_unicode=True)[: MAX_SLUG - SLUG_ROOM].strip("-_") or "article"
    taken = set(
        Article.objects.filter(cooperative=coop, slug__startswith=base).values_list(
            "slug", flat=True
        )
    )
    taken |= RESERVED_SLUGS
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


# --- Writing -----------------------------------------------------------------


def _add_revision(
    article: Article,
    *,
    author: Member,
    summary: str,
    restored_from: int | None = None,
) -> ArticleRevision:
    """Record the article's current title and text as its next revision
    (the caller holds the article's row locked)."""
    article.revision_count += 1
    article.updated_at = timezone.now()
    article.save()
    return ArticleRevision.objects.create(
        article=article,
        number=article.revision_count,
        title=article.title,
        body=article.body,
        summary=summary,
        author=author,
        created_at=article.updated_at,
        restored_from=restored_from,
    )


def _create(
    *,
    coop: Cooperative,
    author: Member,
    family: Any,
    language: str,
    title: str,
    body: str,
    visibility: str,
    tags: list[Tag],
    skills: list[Skill],
    summary: str,
) -> Article:
    article = Article(
        cooperative=coop,
        slug=free_slug(coop, title),
        language=language,
        title=title,
        body=body,
        visibility=visibility,
        author=author,
    )
    if family is not None:
        article.family = family
    try:
        with transaction.atomic():
            article.save()
    except IntegrityError:
        # Another request took this address, or this language, a moment ago.
        raise Conflict(
            _("Another article was saved at the same moment; please send it again."),
            field="title",
        ) from None
    article.tags.set(tags)
    article.skills.set(skills)
    _add_revision(article, author=author, summary=summary)
    return article


@transaction.atomic
def write_article(
    *,
    by: Any,
    coop: Cooperative,
    title: str,
    body: str,
    language: str,
    visibility: str = Visibility.COOPERATIVE,
    tags: Tags = None,
    skills: Skills = None,
    summary: str = "",
) -> Article:
    """A new article, with its first revision."""
    author = _writer(by, coop)
    return _create(
        coop=coop,
        author=author,
        family=None,
        language=check_language(language),
        title=check_title(title),
        body=check_body(body),
        visibility=check_visibility(visibility),
        tags=_tags(tags),
        skills=_skills(skills),
        summary=check_summary(summary),
    )


@transaction.atomic
def edit_article(
    article: Article,
    *,
    by: Any,
    title: str,
    body: str,
    visibility: str,
    tags: Tags = None,
    skills: Skills = None,
    summary: str = "",
) -> Article:
    """A new revision of the article. An edit that changes nothing is
    refused, so that the history holds only real changes."""
    author = _writer(by, article.cooperative)
    title, body = check_title(title), check_body(body)
    visibility, summary = check_visibility(visibility), check_summary(summary)
    new_tags, new_skills = _tags(tags), _skills(skills)
    # Locked: two edits at once would both take the same revision number.
    article = Article.objects.select_for_update().get(pk=article.pk)
    unchanged = (
        title == article.title
        and body == article.body
        and visibility == article.visibility
        and {t.pk for t in new_tags} == set(article.tags.values_list("pk", flat=True))
        and {s.pk for s in new_skills} == set(article.skills.values_list("pk", flat=True))
    )
    if unchanged:
        raise InvalidInput(
            _(
                "Nothing has changed: change the title, the text, who can read it, "
                "the tags or the skills, then save."
            ),
            field="body",
        )
    article.title, article.body, article.visibility = title, body, visibility
    article.tags.set(new_tags)
    article.skills.set(new_skills)
    _add_revision(article, author=author, summary=summary)
    return article


@transaction.atomic
def restore_revision(article: Article, *, number: int, by: Any) -> ArticleRevision:
    """Bring back the title and text of revision ``number`` as a new revision
    (the history keeps everything in between)."""
    author = _writer(by, article.cooperative)
    article = Article.objects.select_for_update().get(pk=article.pk)
    earlier = article.revisions.filter(number=number).first()
    if earlier is None:
        raise NotFound(_("This article has no revision %(number)s.") % {"number": number})
    if earlier.title == article.title and earlier.body == article.body:
        raise Conflict(
            _("The article already reads as revision %(number)s: there is nothing to restore.")
            % {"number": number}
        )
    article.title, article.body = earlier.title, earlier.body
    return _add_revision(article, author=author, summary="", restored_from=number)


@transaction.atomic
def translate_article(
    article: Article,
    *,
    by: Any,
    language: str,
    title: str,
    body: str,
    visibility: str | None = None,
    tags: Tags = None,
    skills: Skills = None,
    summary: str = "",
) -> Article:
    """The same article in another language: a new article of the same
    family, with its own address and history. Who can read it, its tags and
    its skills are the original's unless given."""
    coop = article.cooperative
    author = _writer(by, coop)
    language = check_language(language)
    if Article.objects.filter(cooperative=coop, family=article.family, language=language).exists():
        raise Conflict(
            _("This article is already written in %(language)s.")
            % {"language": dict(CONTENT_LANGUAGES)[language]},
            field="language",
        )
    return _create(
        coop=coop,
        author=author,
        family=article.family,
        language=language,
        title=check_title(title),
        body=check_body(body),
        visibility=check_visibility(visibility or article.visibility),
        tags=_tags(tags) if tags is not None else list(article.tags.all()),
        skills=_skills(skills) if skills is not None else list(article.skills.all()),
        summary=check_summary(summary),
    )


@transaction.atomic
def comment_on_article(article: Article, *, by: Any, body: str) -> ArticleComment:
    """A comment by anyone signed in who may read the article."""
    if by is None or not by.is_authenticated:
        raise NotSignedIn()
    require_readable(reader_scope(by), article.visibility, article.cooperative_id)
    text = (body or "").strip()
    if not text:
        raise InvalidInput(_("Write your comment."), field="body")
    if len(text) > MAX_COMMENT:
        raise InvalidInput(_too_long(MAX_COMMENT), field="body")
    return ArticleComment.objects.create(article=article, author=by, body=text)
