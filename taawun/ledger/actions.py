"""Appending to the ledger: the only write the ledger has."""

from __future__ import annotations

import json
from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone

from taawun.ledger import chain as chainlib
from taawun.ledger.models import LedgerEntry, LedgerHead


def append_entry(
    chain: str, kind: str, *, actor: str | None, data: Mapping[str, object]
) -> LedgerEntry:
    """Seal and store the next entry of ``chain``.

    Called inside the action's own transaction, so the entry is written if
    and only if the change it records is.
    """
    with transaction.atomic():
        head, _created = LedgerHead.objects.select_for_update().get_or_create(
            chain=chain, defaults={"seq": 0, "hash": chainlib.GENESIS}
        )
        # Microseconds survive both databases, so the stored time formats back
        # to exactly the string that was hashed.
        at = timezone.now()
        sealed = chainlib.seal(
            coop=chain,
            seq=head.seq + 1,
            at=at,
            kind=kind,
            actor=actor,
            data=data,
            prev=head.hash,
        )
        entry = LedgerEntry.objects.create(
            chain=chain,
            seq=head.seq + 1,
            at=at,
            kind=kind,
            actor=actor,
            data=chainlib.canonical_json(sealed["data"]).decode("utf-8"),
            prev=head.hash,
            hash=str(sealed["hash"]),
        )
        head.seq = entry.seq
        head.hash = entry.hash
        head.save(update_fields=["seq", "hash"])
        return entry


def entry_as_dict(entry: LedgerEntry) -> dict[str, object]:
    """The entry as the export writes it (and as the hash covers it)."""
    return {
        "coop": entry.chain,
        "seq": entry.seq,
        "at": chainlib.format_time(entry.at),
        "kind": entry.kind,
        "actor": entry.actor,
        "data": json.loads(entry.data),
        "prev": entry.prev,
        "hash": entry.hash,
    }
