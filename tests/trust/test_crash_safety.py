"""Crash safety: the server is killed (SIGKILL to its whole process group:
the gunicorn arbiter and every worker at once, as a power cut or the OOM
killer would) in the middle of a burst of ballots and in the middle of
posting a surplus allocation, then started again on the same database.

What a member was told stays true: every ballot the server acknowledged
is counted exactly once, nothing is counted twice, the published tally is
what a recount of the ballots gives, an allocation is posted whole or not
at all (and posting it again is exact to the cent), and every
cooperative's ledger exports and verifies.

Runs on SQLite, and on PostgreSQL when the suite does (DATABASE_URL).
"""

from __future__ import annotations

import random
import threading
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bench.allocation_db import SURPLUS
from bench.casting import POLLS, Browser, Journey, Site, choose, hidden_fields, receipt_digest, vote
from tests.trust.servers import site

VOTERS = 80  # on each of the two polls' rolls
CONCURRENCY = 12  # voters in flight
KILL_AFTER = 60  # acknowledged ballots (of twice VOTERS) before the kill
ALLOCATION_MEMBERS = 14_000  # enough that posting writes for a measurable time


def _burst(web: Site, voters: dict[int, Any], journeys: list[Journey], kill: Any) -> int:
    """Every journey, CONCURRENCY at a time; ``kill`` once KILL_AFTER ballots
    are acknowledged (journeys not begun by then are left unsent). Returns
    how many ballots were acknowledged before the kill."""
    lock = threading.Lock()
    killed = threading.Event()
    acknowledged = 0

    def one(journey: Journey) -> None:
        nonlocal acknowledged
        if killed.is_set():
            return
        vote(web, voters[journey.voter], journey)
        with lock:
            if journey.acknowledged and not killed.is_set():
                acknowledged += 1
                if acknowledged >= KILL_AFTER:
                    kill()
                    killed.set()

    with ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(one, journeys))
    assert killed.is_set(), "the burst ended before the server was killed"
    return acknowledged


def _check_named(journeys: list[Journey], observed: dict[str, Any], roll: int) -> None:
    """Each voter's current ballot is the choice they were told was recorded;
    no voter counted twice; no ballot row without a confirmation sent; the
    published tally is the count of the current ballots."""
    sent: dict[int, list[Journey]] = defaultdict(list)
    for j in journeys:
        sent[j.voter].append(j)
    rows: Counter[int] = Counter()
    current: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for ballot in observed["ballots"]:
        rows[ballot["voter"]] += 1
        if ballot["current"]:
            current[ballot["voter"]].append(ballot["choice"])
    assert all(len(c) == 1 for c in current.values()), "a voter is counted twice"
    for voter, theirs in sent.items():
        acked = [j for j in theirs if j.acknowledged]
        if acked:
            assert current[voter] == [acked[-1].choice], f"voter {voter}'s vote is lost"
        confirmations = sum(j.sent for j in theirs)
        assert sum(len(j.acks) for j in theirs) <= rows[voter] <= confirmations
    assert set(rows) <= set(sent), "a ballot for a voter who sent none"
    totals = Counter(c[0]["answer"] for c in current.values())
    result = observed["result"]
    assert result["ballots"] == len(current) == roll
    assert {r["label"]: int(r["value"]) for r in result["rows"]} == {
        option: totals[option] for option in ("yes", "no", "abstain")
    }


def _check_secret(journeys: list[Journey], observed: dict[str, Any]) -> int:
    """Each receipt the server gave is on the bulletin board once, with the
    choice it was given for; one voter mark per voter who sent a ballot and
    one ballot per mark. Returns how many ballots are counted for voters
    whose confirmation reached the server just before the kill, unanswered."""
    board = Counter(b["receipt"] for b in observed["board"])
    choices = {b["receipt"]: b["choice"] for b in observed["board"]}
    marks = observed["marks"]
    assert len(marks) == len(set(marks)), "a voter is marked twice"
    assert len(observed["board"]) == len(marks) == observed["result"]["ballots"]
    given = set()
    for j in journeys:
        for receipt in set(j.receipts):
            digest = receipt_digest(receipt)
            assert board[digest] == 1, f"receipt {receipt} is on the board {board[digest]} times"
            assert choices[digest] == j.choice
            given.add(digest)
    senders = {j.voter for j in journeys if j.sent}
    assert set(marks) <= senders, "a voter is marked who sent no ballot"
    receipted = {j.voter for j in journeys if j.receipts}
    unanswered = set(marks) - receipted
    assert len(board) - len(given) == len(unanswered)
    return len(unanswered)


def test_every_acknowledged_ballot_survives_a_kill_in_the_middle_of_a_burst() -> None:
    with site() as s:
        setup = s.python("bench.casting_populate", "prepare", "--voters", str(VOTERS))
        s.server.start()
        polls = setup["polls"]
        web = Site("127.0.0.1", s.server.port, setup["slug"], polls, setup["messages"])
        voters = {v["member"]: v for v in setup["voters"]}
        rng = random.Random(2026)
        first = [
            Journey(poll, "cast", voter, choose(polls[poll]["kind"], polls[poll]["options"], rng))
            for poll in POLLS
            for voter in voters
        ]
        rng.shuffle(first)

        before_kill = _burst(web, voters, first, s.server.kill)
        in_flight = [j for j in first if j.sent and not j.acknowledged]
        unsent = [j for j in first if not j.sent]
        assert unsent, "the kill came after the burst, not in its middle"

        # Started again on the same database; every voter not told their
        # vote counted tries again, as a voter who saw an error page would.
        s.server.start()
        again = [Journey(j.poll, "retry", j.voter, j.choice) for j in first if not j.acknowledged]
        with ThreadPoolExecutor(CONCURRENCY) as pool:
            list(pool.map(lambda j: vote(web, voters[j.voter], j), again))
        assert not [f for j in again for f in j.failures], "a vote failed after the restart"
        for j in again:
            # A secret ballot already cast by a confirmation that was never
            # answered is refused, not cast twice.
            assert j.acknowledged or (j.poll == "secret" and j.refusals), j

        observed = s.python(
            "bench.casting_populate",
            "verify",
            "--named",
            str(polls["named"]["id"]),
            "--secret",
            str(polls["secret"]["id"]),
        )
        journeys = first + again
        _check_named([j for j in journeys if j.poll == "named"], observed["named"], VOTERS)
        unanswered = _check_secret([j for j in journeys if j.poll == "secret"], observed["secret"])

        # The published secret tally is what anyone recounting the board gets.
        board = Browser("127.0.0.1", s.server.port, {"sessionid": setup["voters"][0]["session"]})
        page = board.request(
            "GET", f"/coops/{setup['slug']}/polls/{polls['secret']['id']}/board.json"
        )
        assert page.status == 200
        (s.var / "board.json").write_text(page.body)
        recount = s.taawun("tally", "recount", str(s.var / "board.json"))
        assert recount.returncode == 0, recount.stderr
        ledgers = s.ledgers_verify()
        assert s.server.errors() == [], s.server.errors()
        acknowledged_first = [j for j in first if j.acknowledged]
        print(
            f"\n{s.vendor}: {before_kill} ballots acknowledged before the kill, "
            f"{len(in_flight)} confirmations in flight, {len(unsent)} voters not yet sent; "
            f"after the restart all {len(acknowledged_first)} acknowledged ballots found once "
            f"(lost: 0), {unanswered} secret ballots counted from confirmations answered by "
            f"no one; recount: {recount.stdout.strip()}; ledgers: {ledgers}"
        )


def _post_form(browser: Browser, path: str) -> dict[str, str]:
    page = browser.request("GET", path)
    assert page.status == 200, page.status
    return hidden_fields(page, f'action="{path}post/"')


def test_an_allocation_killed_while_posting_is_posted_whole_or_not_at_all() -> None:
    with site() as s:
        ready = s.inside("allocation-ready", "--members", str(ALLOCATION_MEMBERS))
        period = str(ready["period"])
        s.server.start()
        treasurer = Browser("127.0.0.1", s.server.port, {"sessionid": ready["session"]})
        new = f"/coops/{ready['slug']}/economy/periods/{period}/allocate/"
        page = treasurer.request("GET", new)
        form = hidden_fields(page, "csrfmiddlewaretoken")
        form.update({"surplus": SURPLUS, "propose": "1"})
        proposed = treasurer.request("POST", new, form)
        assert proposed.status == 302, proposed.body[:500]
        detail = proposed.location
        post = _post_form(treasurer, detail)

        # Post, and kill the server while the transaction is writing the
        # capital entries (caught in the act, frozen, then killed).
        s.empty_wal()
        answers: list[Any] = []
        posting = threading.Thread(
            target=lambda: answers.append(_request(treasurer, detail + "post/", post))
        )
        posting.start()
        caught = s.freeze_while(lambda: s.writing(ready["tables"]["entries"]))
        half_written = s.wal_bytes()
        s.server.kill()
        posting.join(timeout=30)
        assert caught, "the posting never began writing"
        assert answers and isinstance(answers[0], OSError), "the treasurer was told it posted"

        s.server.start()
        state = s.inside("allocation-state", "--period", period)
        (allocation,) = state["allocations"]
        assert allocation["state"] == "proposed", "the allocation shows as posted"
        assert allocation["capital_entries"] == 0, "half an allocation is posted"
        assert allocation["members"] == ALLOCATION_MEMBERS
        assert state["ledger"] == {"economy.allocation_proposed": 1}
        ledgers = s.ledgers_verify()

        # Posting again, on the restarted server, posts it whole and exact.
        posted = treasurer.request("POST", detail + "post/", _post_form(treasurer, detail))
        assert posted.status == 302
        shown = treasurer.request("GET", posted.location)
        assert "The allocation is posted" in shown.body
        state = s.inside("allocation-state", "--period", period)
        (allocation,) = state["allocations"]
        assert allocation["state"] == "posted"
        assert allocation["problems"] == []
        assert allocation["capital_entries"] == allocation["retained_shares"] > 0
        assert state["ledger"] == {
            "economy.allocation_proposed": 1,
            "economy.allocation_posted": 1,
        }
        after = s.ledgers_verify()
        assert s.server.errors() == [], s.server.errors()
        print(
            f"\n{s.vendor}: killed while posting to {ALLOCATION_MEMBERS} members"
            + (f" ({half_written} bytes of uncommitted log written)" if half_written else "")
            + f"; after the restart 0 capital entries, ledger {ledgers}; posted again: "
            f"{allocation['capital_entries']} entries, exact; ledger {after}"
        )


def _request(browser: Browser, path: str, form: dict[str, str]) -> Any:
    try:
        return browser.request("POST", path, form)
    except OSError as error:
        return error
