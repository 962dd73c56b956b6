"""The search API: GET /api/search?q=…, the same search as the page.

A visitor (no token, no session) finds what is public; with a token or a
session, what that person may read. ``title`` and ``snippet`` are HTML:
escaped text with the words found in ``<mark>``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from taawun.api.auth import TokenAuth, session_auth
from taawun.api.schemas import ErrorOut
from taawun.errors import InvalidInput
from taawun.knowledge.search import search as run_search
from taawun.web import ratelimits

router = Router(tags=["search"])


def visitor(request: HttpRequest) -> bool:
    """No credentials at all: a visitor. A token that is not valid is still
    refused (401), not read as a visitor."""
    return "HTTP_AUTHORIZATION" not in request.META


class SearchHitOut(Schema):
    kind: str = Field(description="article, discussion, proposal, member, course or call")
    title: str = Field(description="HTML: escaped, the words found in <mark>")
    url: str
    snippet: str = Field(description="HTML: escaped, the words found in <mark>")
    cooperative: str
    cooperative_slug: str
    language: str
    rank: float = Field(description="higher is better; comparable within one answer only")


class SearchOut(Schema):
    words: list[str] = Field(description="the words searched for, as normalised")
    total: int = Field(description="results in all, counted up to 1000")
    more: bool = Field(description="true when there are more than `total`")
    page: int
    pages: int
    notes: list[str] = Field(description="how the words were read, e.g. a long search cut")
    results: list[SearchHitOut]


@router.get(
    "/search",
    auth=[TokenAuth(), session_auth, visitor],
    response={200: SearchOut, 400: ErrorOut, 401: ErrorOut, 422: ErrorOut, 429: ErrorOut},
)
@ratelimits.limit("search", ratelimits.SEARCH, key="ip", methods=("GET",))
def search(
    request: HttpRequest,
    q: str = "",
    kind: str = "",
    lang: str = "",
    coop: str = "",
    page: int = 1,
) -> dict[str, Any]:
    """Search articles, discussions, proposals, members' skills, courses and
    calls for collaboration; 20 results a page, best first."""
    results = run_search(
        q, user=request.user, kind=kind, language=lang, cooperative=coop, page=page
    )
    if results.query.empty:
        raise InvalidInput(
            _("Type a word to search for: punctuation and marks alone find nothing."), field="q"
        )
    return {
        "words": list(results.query.words),
        "total": results.total,
        "more": results.more,
        "page": results.page,
        "pages": results.pages,
        "notes": results.notes,
        "results": [
            {
                "kind": hit.kind,
                "title": str(hit.title),
                "url": hit.url,
                "snippet": str(hit.snippet),
                "cooperative": hit.cooperative,
                "cooperative_slug": hit.cooperative_slug,
                "language": hit.language,
                "rank": hit.rank,
            }
            for hit in results.hits
        ],
    }
