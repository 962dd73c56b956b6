"""Reading a chain: pages, the head, and the JSONL export."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet

from taawun.ledger import chain as chainlib
from taawun.ledger.actions import entry_as_dict
from taawun.ledger.models import LedgerEntry, LedgerHead


def entries(chain: str) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.filter(chain=chain)


def head(chain: str) -> LedgerHead:
    found = LedgerHead.objects.filter(chain=chain).first()
    return found or LedgerHead(chain=chain, seq=0, hash=chainlib.GENESIS)


def export_lines(chain: str) -> Iterator[bytes]:
    """The chain as JSONL, one canonical line per entry, streamed in seq order."""
    for entry in entries(chain).order_by("seq").iterator(chunk_size=2000):
        yield chainlib.export_line(entry_as_dict(entry))
