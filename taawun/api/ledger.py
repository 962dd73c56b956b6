from __future__ import annotations

from typing import Any

from django.http import HttpRequest, StreamingHttpResponse
from ninja import Router

from taawun.api.schemas import ErrorOut, LedgerEntryOut, LedgerHeadOut
from taawun.ledger import queries as ledger_queries
from taawun.ledger.actions import entry_as_dict
from taawun.membership import queries, rules

router = Router(tags=["ledger"])
ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


@router.get("/coops/{slug}/ledger", response={200: list[LedgerEntryOut], **ERRORS})
def ledger_entries(
    request: HttpRequest, slug: str, after: int = 0, limit: int = 100
) -> list[dict[str, Any]]:
    """Entries with seq greater than ``after``, oldest first (members only)."""
    coop = queries.get_cooperative(slug)
    rules.access_member(request.user, coop)
    limit = min(max(limit, 1), 1000)
    rows = ledger_queries.entries(str(coop.public_id)).filter(seq__gt=after).order_by("seq")
    return [entry_as_dict(e) for e in rows[:limit]]


@router.get("/coops/{slug}/ledger/head", response={200: LedgerHeadOut, **ERRORS})
def ledger_head(request: HttpRequest, slug: str) -> dict[str, Any]:
    coop = queries.get_cooperative(slug)
    rules.access_member(request.user, coop)
    head = ledger_queries.head(str(coop.public_id))
    return {"seq": head.seq, "hash": head.hash}


@router.get(
    "/coops/{slug}/ledger.jsonl",
    response=ERRORS,
    openapi_extra={
        "responses": {
            200: {
                "description": "One entry a line, each a JSON object, oldest first.",
                "content": {"application/jsonl": {"schema": {"type": "string"}}},
            }
        }
    },
)
def ledger_export(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    """The whole chain as JSONL, as `taawun ledger verify` reads it."""
    coop = queries.get_cooperative(slug)
    rules.access_member(request.user, coop)
    return StreamingHttpResponse(
        ledger_queries.export_lines(str(coop.public_id)), content_type="application/jsonl"
    )
