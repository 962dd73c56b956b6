"""Ranked polls (IRV, STV, Schulze), counted by taawun.tally."""

from __future__ import annotations

from typing import Any

from taawun.governance.models import Poll


def count_ranked(
    poll: Poll, choices: list[tuple[dict[str, Any], int]], *, seed: str
) -> dict[str, Any]:
    raise NotImplementedError("waiting for taawun.tally")
