"""Concurrency: many voters at once against the server as a user runs it
(`taawun serve`, gunicorn with its default workers), every one of them
clicking "Cast my vote" twice at once, then changing their vote.

Nothing is counted twice, nothing is lost, no request fails (no 5xx: a
SQLite "database is locked" or a PostgreSQL deadlock would be one), the
server's log reports no error, and the whole burst ends within a bound (a
deadlock that the databases did not break would not).

Runs on SQLite, and on PostgreSQL when the suite does (DATABASE_URL).
"""

from __future__ import annotations

import random
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

from bench.casting import (
    POLLS,
    Integrity,
    Journey,
    Site,
    change,
    check_named,
    check_secret,
    choose,
    vote,
)
from tests.trust.servers import site

VOTERS = 60  # on each of the two polls' rolls
CLIENTS = 40  # voters in flight at once
CHANGES = 20  # voters per poll who change their vote afterwards
BURST_SECONDS = 120  # a burst still running after this is stuck


def _together(web: Site, voters: dict[int, Any], journeys: list[Journey]) -> float:
    """Every journey, CLIENTS at a time; the seconds it took. Fails if the
    burst does not end within BURST_SECONDS."""
    started = time.monotonic()
    pool = ThreadPoolExecutor(CLIENTS)
    futures = [pool.submit(vote, web, voters[j.voter], j) for j in journeys]
    done, stuck = wait(futures, timeout=BURST_SECONDS)
    pool.shutdown(wait=not stuck, cancel_futures=True)
    assert not stuck, f"{len(stuck)} voters still waiting after {BURST_SECONDS} s"
    for future in done:
        future.result()
    return time.monotonic() - started


def _exact(report: Integrity) -> None:
    assert (report.lost, report.doubled, report.unconfirmed) == (0, 0, 0), report.problems
    assert report.totals_match and report.ok, report.problems
    assert report.counted == report.acknowledged == VOTERS


def test_forty_voters_at_once_double_clicking_are_each_counted_once() -> None:
    with site() as s:
        setup = s.python("bench.casting_populate", "prepare", "--voters", str(VOTERS))
        s.server.start()
        polls = setup["polls"]
        web = Site("127.0.0.1", s.server.port, setup["slug"], polls, setup["messages"])
        voters = {v["member"]: v for v in setup["voters"]}
        rng = random.Random(40)

        # Both polls at once, every voter's confirmation sent twice at once.
        cast = [
            Journey(
                poll,
                "cast",
                voter,
                choose(polls[poll]["kind"], polls[poll]["options"], rng),
                copies=2,
            )
            for poll in POLLS
            for voter in voters
        ]
        rng.shuffle(cast)
        cast_seconds = _together(web, voters, cast)

        # Then voters change their vote in both polls at once: a new named
        # ballot, and the secret ballot replaced with its receipt.
        changes = []
        for poll in POLLS:
            kind, options = polls[poll]["kind"], polls[poll]["options"]
            acked = [j for j in cast if j.poll == poll and j.acknowledged]
            for j in rng.sample(acked, CHANGES):
                changes.append(
                    Journey(
                        poll,
                        "change",
                        j.voter,
                        change(kind, options, j.choice, rng),
                        receipt_used=j.receipts[0] if poll == "secret" else None,
                    )
                )
        rng.shuffle(changes)
        change_seconds = _together(web, voters, changes)

        journeys = cast + changes
        failures = Counter(f for j in journeys for f in j.failures)
        assert not failures, failures.most_common(5)
        assert all(j.acknowledged for j in journeys)
        # A double click on a secret ballot shows the same receipt twice (one
        # ballot), or one receipt and a refusal; never two ballots.
        for j in cast:
            if j.poll == "secret":
                assert len(set(j.receipts)) == 1, j

        observed = s.python(
            "bench.casting_populate",
            "verify",
            "--named",
            str(polls["named"]["id"]),
            "--secret",
            str(polls["secret"]["id"]),
        )
        _exact(check_named(journeys, observed["named"], polls["named"]["options"]))
        _exact(check_secret(journeys, observed["secret"], polls["secret"]["options"]))
        assert s.server.errors() == [], s.server.errors()
        s.ledgers_verify()
        confirmations = sum(j.sent for j in journeys)
        print(
            f"\n{s.vendor}: {len(cast)} voters casting {CLIENTS} at a time, each clicking twice, "
            f"in {cast_seconds:.1f} s, then {len(changes)} changes in {change_seconds:.1f} s: "
            f"{confirmations} confirmations, 0 failed, 0 lost, 0 doubled"
        )
