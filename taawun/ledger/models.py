"""The stored ledger: entries of each chain and the head of each chain.

The ledger knows chains by an opaque id (a cooperative's public UUID), not by
a foreign key: it imports no capability app, and it outlives anything a
capability may rename.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _


class LedgerHead(models.Model):
    """The last entry of a chain. Appends lock this row, so they are serial."""

    chain = models.CharField(max_length=64, unique=True)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.chain}@{self.seq}"


class LedgerEntry(models.Model):
    chain = models.CharField(max_length=64)
    seq = models.PositiveBigIntegerField()
    at = models.DateTimeField()
    kind = models.CharField(max_length=64)
    # None means the system acted; "" would be a member id that is empty.
    actor = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    # The canonical JSON text of the entry's data, stored as written so that
    # the export reproduces it byte for byte on every database.
    data = models.TextField()
    prev = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering: ClassVar = ["chain", "seq"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["chain", "seq"], name="ledger_one_entry_per_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.chain}#{self.seq} {self.kind}"
