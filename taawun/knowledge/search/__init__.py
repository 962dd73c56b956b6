"""One search over the knowledge commons and the cooperatives' deliberation.

Articles, discussions, proposals, members' skills, courses and calls for
collaboration are each kept as a ``SearchDocument`` (``documents``) beside a
full-text index (``engine``: FTS5 on SQLite, a tsvector on PostgreSQL).
``search`` takes what a reader typed (``query``), finds what that reader may
read (``taawun.knowledge.rules.reader_scope``: nobody finds what they may
not read), ranks it, and marks the words found (``highlight``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from taawun.errors import InvalidInput
from taawun.knowledge.models import CONTENT_LANGUAGES, SearchDocument
from taawun.knowledge.rules import ReaderScope, reader_scope
from taawun.knowledge.search import engine
from taawun.knowledge.search.engine import COUNT_LIMIT
from taawun.knowledge.search.highlight import highlight, query_forms, snippet
from taawun.knowledge.search.query import MAX_WORDS, ParsedQuery, parse_query
from taawun.membership.models import Cooperative

PAGE_SIZE = 20
LAST_PAGE = COUNT_LIMIT // PAGE_SIZE
Kind = SearchDocument.Kind
# What one result is, as its label says.
KIND_NAMES: dict[str, Promise] = {
    Kind.ARTICLE: gettext_lazy("article"),
    Kind.DISCUSSION: gettext_lazy("discussion"),
    Kind.PROPOSAL: gettext_lazy("proposal"),
    Kind.MEMBER: gettext_lazy("member's skills"),
    Kind.COURSE: gettext_lazy("course"),
    Kind.CALL: gettext_lazy("call for collaboration"),
}
LANGUAGE_NAMES = dict(CONTENT_LANGUAGES)
SLUG = re.compile(r"[-\w]{1,50}\Z", re.ASCII)

__all__ = ["Hit", "Results", "parse_query", "search"]


@dataclass(frozen=True)
class Hit:
    kind: str
    kind_name: str
    title: SafeString  # escaped, the words found marked
    url: str
    snippet: SafeString  # likewise
    cooperative: str
    cooperative_slug: str
    language: str
    language_name: str
    rank: float


@dataclass(frozen=True)
class Results:
    query: ParsedQuery
    hits: list[Hit]
    total: int  # at most COUNT_LIMIT
    more: bool  # there are more than COUNT_LIMIT
    page: int
    pages: int

    @property
    def notes(self) -> list[str]:
        """What the reader should know about how their words were read."""
        if self.query.trimmed:
            return [
                _("Your search was long: only its first %(count)d words were searched for.")
                % {"count": MAX_WORDS}
            ]
        return []


def _check(kind: str, language: str, page: int) -> None:
    if kind and kind not in Kind.values:
        raise InvalidInput(_("There is no such kind of result."), field="kind")
    if language and language not in LANGUAGE_NAMES:
        raise InvalidInput(_("There is no such language to search in."), field="language")
    if page < 1:
        raise InvalidInput(_("Pages are numbered from 1."), field="page")
    if page > LAST_PAGE:
        raise InvalidInput(
            _("Only the first %(count)d pages of results are shown: add a word to narrow it.")
            % {"count": LAST_PAGE},
            field="page",
        )


def search(
    text: str,
    *,
    user: Any = None,
    scope: ReaderScope | None = None,
    kind: str = "",
    language: str = "",
    cooperative: str = "",
    page: int = 1,
) -> Results:
    """Page ``page`` of what ``user`` (None: a visitor) may read that
    matches ``text``, best first; optionally only one kind, one language
    or one cooperative (its short name). An empty query finds nothing and
    asks the database nothing: ``results.query.empty`` says so."""
    _check(kind, language, page)
    query = parse_query(text)
    if query.empty:
        return Results(query, [], 0, False, 1, 0)
    if scope is None:
        scope = reader_scope(user)
    documents = SearchDocument.objects.filter(scope.q())
    if kind:
        documents = documents.filter(kind=kind)
    if language:
        documents = documents.filter(language=language)
    if cooperative:
        coop = (
            Cooperative.objects.filter(slug=cooperative).first()
            if SLUG.match(cooperative)
            else None
        )
        if coop is None:
            raise InvalidInput(_("There is no cooperative with this short name."), field="coop")
        documents = documents.filter(cooperative=coop)
    offset = (page - 1) * PAGE_SIZE
    ranked, total = engine.ranked_page(documents, query.groups, offset, PAGE_SIZE)
    if total is None:  # past the last page: how many are there?
        total = engine.count(documents, query.groups)
    rows = SearchDocument.objects.select_related("cooperative").in_bulk([pk for pk, _r in ranked])
    pages = math.ceil(min(total, COUNT_LIMIT) / PAGE_SIZE)
    wanted = query_forms(query.words)
    hits = [
        Hit(
            kind=row.kind,
            kind_name=str(KIND_NAMES[row.kind]),
            title=highlight(row.title, wanted),
            url=row.url,
            snippet=snippet(row.text, wanted),
            cooperative=row.cooperative.name if row.cooperative else "",
            cooperative_slug=row.cooperative.slug if row.cooperative else "",
            language=row.language,
            language_name=LANGUAGE_NAMES.get(row.language, row.language),
            rank=rank,
        )
        for row, rank in ((rows[pk], rank) for pk, rank in ranked if pk in rows)
    ]
    return Results(query, hits, min(total, COUNT_LIMIT), total > COUNT_LIMIT, page, pages)
