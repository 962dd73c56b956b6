"""`python -m bench.casting`: a thousand voters casting at once.

For each database (SQLite, PostgreSQL) this makes a fresh database, runs
`taawun migrate`, fills it with one cooperative whose voter roll is
`--voters` members, and opens two polls through governance.actions (so each
roll is frozen as for a real vote): a named yes/no poll and a secret ranked
poll (instant runoff). Every voter gets a signed-in session, made in-process
(bench/casting_populate.py: signing in is not what is measured). Then the
server starts as a user starts it (`taawun serve`, gunicorn with its default
workers) and the voters go through the real voting pages over HTTP on
loopback, `--concurrency` of them at a time, in three waves:

1. every voter votes in the named poll;
2. every voter votes in the secret poll;
3. a share of the voters (`--changes`) change their vote in both polls at
   once: a new named ballot, and a secret ballot replaced with its receipt.

Each voter's journey is what a browser does: GET the poll page (the CSRF
token), POST the ballot, read the "check your vote" page, POST the
confirmation, and, for a redirect, GET the page it leads to. A ballot counts
as acknowledged only when the server says so: the receipt page of a secret
ballot, or the success message "Your vote is recorded." / "Your vote is
changed." in the voter's own language. A few voters (`--double-submits` per
poll) send the confirmation twice at once, as a double click does.

Afterwards both polls are closed through governance.actions.close_poll and
the database is checked against what the clients were told: every
acknowledged ballot counted once, with the voter's latest acknowledged
choice; no ballot lost, none doubled; every secret receipt on the bulletin
board; the published totals equal to the totals of the ballots the clients
sent. The results replace the section between `<!-- bench:casting:start -->`
and `<!-- bench:casting:end -->` in docs/benchmarks.md.

    .venv/bin/python -m bench.casting [--voters N] [--concurrency C]
                                      [--changes SHARE] [--double-submits N]
                                      [--seed S] [--backends sqlite,postgres]
                                      [--out docs/benchmarks.md | --no-write]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import html
import http.client
import json
import math
import os
import random
import re
import resource
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, NoReturn

from bench.run import (
    INTRO,
    QUIET,
    QUIET_WAIT,
    RESULTS,
    ROOT,
    BenchError,
    CpuMeter,
    add_database_arguments,
    base_env,
    default_workers,
    machine,
    parsed_backends,
    postgres_admin,
    postgres_url,
    say,
    serving,
    taawun_bin,
    wait_for_quiet,
)

# Its own database, not bench.run's: the benchmarks may run side by side, and
# each drops its database before it starts.
POSTGRES_DB = "taawun_bench_casting"
START = "<!-- bench:casting:start -->"
END = "<!-- bench:casting:end -->"
COMMAND = "make bench"
DEFAULTS = {
    "voters": 1000,
    "concurrency": 50,
    "changes": 0.25,
    "double_submits": 20,
    "seed": 2026,
    "patience": 900,
}
HTTP_TIMEOUT = 120  # seconds; a slower answer is a failure, not a latency
YES_NO = ["yes", "no", "abstain"]
POLLS = ("named", "secret")
POLL_LABELS = {"named": "named yes/no", "secret": "secret ranked (IRV)"}
WAVE_LABELS = {
    ("named", "cast"): "1. Named poll: every voter votes",
    ("secret", "cast"): "2. Secret poll: every voter votes",
    ("both", "change"): "3. Changes of vote in both polls, interleaved",
}


# --- one voter's browser -------------------------------------------------------------


@dataclass
class Response:
    status: int
    location: str
    body: str
    seconds: float


class Browser:
    """One voter's browser on loopback: its cookies, one request at a time.

    gunicorn's sync workers close the connection after each response, so
    every request opens its own, as a browser would have to."""

    def __init__(self, host: str, port: int, cookies: dict[str, str]) -> None:
        self.host = host
        self.port = port
        self.cookies = dict(cookies)

    def copy(self) -> Browser:
        return Browser(self.host, self.port, self.cookies)

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> Response:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.monotonic()
        conn = http.client.HTTPConnection(self.host, self.port, timeout=HTTP_TIMEOUT)
        try:
            conn.request(method, path, body=body, headers=headers)
            answer = conn.getresponse()
            text = answer.read().decode("utf-8", "replace")
        finally:
            conn.close()
        seconds = time.monotonic() - started
        for line in answer.headers.get_all("Set-Cookie") or []:
            self._store(line)
        location = urllib.parse.urlsplit(answer.headers.get("Location", "")).path
        return Response(answer.status, location, text, seconds)

    def _store(self, line: str) -> None:
        first, *attributes = line.split(";")
        name, _eq, value = first.strip().partition("=")
        deleted = any(a.strip().lower() == "max-age=0" for a in attributes)
        if deleted or not value:
            self.cookies.pop(name, None)
        else:
            self.cookies[name] = value


_FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.DOTALL)
_INPUT = re.compile(r"<input\b[^>]*>")
_ATTRIBUTE = re.compile(r'([\w-]+)="([^"]*)"')
_RECEIPT = re.compile(r'<\w+\s[^>]*\bclass="[^"]*\breceipt\b[^"]*"[^>]*>')
_VALUE = re.compile(r'\bvalue="([^"]*)"')
_CODE = re.compile(r"\s*<code>([^<]+)</code>")
_MESSAGE = re.compile(r'<p class="message ([\w ]+)">(.*?)</p>', re.DOTALL)


def hidden_fields(page: Response, marker: str) -> dict[str, str]:
    """The hidden fields of the first form on the page whose markup contains
    `marker`: what a browser sends with it besides what the voter typed (the
    CSRF token, the choice to confirm, and whatever else the server put there)."""
    for form in _FORM.findall(page.body):
        if marker not in form:
            continue
        fields = {}
        for tag in _INPUT.findall(form):
            attributes = {k: html.unescape(v) for k, v in _ATTRIBUTE.findall(tag)}
            if attributes.get("type") == "hidden" and "name" in attributes:
                fields[attributes["name"]] = attributes.get("value", "")
        if "csrfmiddlewaretoken" not in fields:
            raise _Failed(f"HTTP {page.status}, a form without a CSRF token")
        return fields
    raise _Failed(f"HTTP {page.status}, no form with {marker}{_snippet(page)}")


def find_receipt(body: str) -> str | None:
    """The receipt on the page that issues it: the value of the element of
    class "receipt" (a field to copy it from), or the code inside it."""
    for match in _RECEIPT.finditer(body):
        found = _VALUE.search(match.group(0)) or _CODE.match(body, match.end())
        if found and found.group(1).strip():
            return html.unescape(found.group(1)).strip()
    return None


def messages(body: str) -> list[tuple[str, str]]:
    """The (tag, text) of each message the page shows."""
    return [(tag, html.unescape(text).strip()) for tag, text in _MESSAGE.findall(body)]


class _Failed(Exception):
    """A step of a journey that did not answer as a browser expects."""


# --- journeys ----------------------------------------------------------------------------


@dataclass
class Journey:
    """One voter going through the voting pages once, and what they were told."""

    poll: str  # "named" or "secret"
    wave: str  # "cast" or "change"
    voter: int  # the member's id
    choice: dict[str, Any]  # what the voter chose
    copies: int = 1  # confirmations sent at once (2: a double click)
    receipt_used: str | None = None  # a secret ballot replaced with this receipt
    sent: int = 0  # confirmations that reached the server
    answered: list[str] = field(default_factory=list)  # "ack", "refused", "failed": in turn
    acks: list[str] = field(default_factory=list)  # "recorded", "changed" or "receipt"
    receipts: list[str] = field(default_factory=list)  # receipts the server issued
    refusals: list[str] = field(default_factory=list)  # error messages the server answered
    failures: list[str] = field(default_factory=list)  # HTTP errors, exceptions
    confirm_seconds: list[float] = field(default_factory=list)
    seconds: float = 0.0  # the whole journey
    started: float = 0.0
    ended: float = 0.0

    @property
    def acknowledged(self) -> bool:
        return bool(self.acks)


@dataclass
class Site:
    """What the voters need to find the polls, from the set-up."""

    host: str
    port: int
    slug: str
    polls: dict[str, dict[str, Any]]
    texts: dict[str, dict[str, str]]  # acknowledgement messages, by language


def ballot_form(kind: str, choice: dict[str, Any], options: list[str]) -> dict[str, str]:
    """The fields of the voting form that make this choice."""
    if kind == "yes_no":
        return {"answer": choice["answer"]}
    ranking = choice["ranking"]
    return {f"o{i}": str(ranking.index(i) + 1) if i in ranking else "" for i in range(len(options))}


@dataclass
class Answer:
    """What the server answered one confirmation."""

    seconds: float
    ack: str | None = None  # "recorded", "changed" or "receipt"
    receipt: str | None = None
    refusal: str | None = None
    failure: str | None = None


def confirm(browser: Browser, site: Site, path: str, form: dict[str, str], language: str) -> Answer:
    """POST the confirmation and read what the server says (following a redirect)."""
    started = time.monotonic()
    try:
        answer = browser.request("POST", path, form)
    except (OSError, http.client.HTTPException) as error:
        return Answer(time.monotonic() - started, failure=f"{type(error).__name__}: {error}")
    if answer.status == 200:
        receipt = find_receipt(answer.body)
        if receipt:
            return Answer(answer.seconds, ack="receipt", receipt=receipt)
        return Answer(answer.seconds, failure="HTTP 200 to the confirmation, without a receipt")
    if answer.status != 302:
        return Answer(
            answer.seconds, failure=f"HTTP {answer.status} to the confirmation{_snippet(answer)}"
        )
    try:
        page = browser.request("GET", answer.location)
    except (OSError, http.client.HTTPException) as error:
        return Answer(answer.seconds, failure=f"after the confirmation, {error}")
    if page.status != 200:
        return Answer(answer.seconds, failure=f"HTTP {page.status} after the confirmation")
    shown = messages(page.body)
    texts = site.texts.get(language, site.texts["en"])
    for tag, text in shown:
        if "success" in tag:
            for ack in ("recorded", "changed"):
                if text == texts[ack]:
                    return Answer(answer.seconds, ack=ack)
    errors = [text for tag, text in shown if "error" in tag]
    if errors:
        return Answer(answer.seconds, refusal=" ".join(errors))
    return Answer(answer.seconds, failure=f"no message after the confirmation: {shown!r}")


def _snippet(answer: Response) -> str:
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", answer.body)).strip()
    return f": {text[:200]}" if text else ""


def vote(site: Site, voter: dict[str, Any], journey: Journey) -> Journey:
    """One voter's journey through the voting pages; never raises."""
    poll = site.polls[journey.poll]
    page_path = f"/coops/{site.slug}/polls/{poll['id']}/"
    vote_path = f"{page_path}vote/"
    browser = Browser(site.host, site.port, {"sessionid": voter["session"]})
    journey.started = time.monotonic()
    try:
        page = browser.request("GET", page_path)
        if page.status != 200 or vote_path not in page.body:
            raise _Failed(f"HTTP {page.status}: the poll page has no voting form")
        form = hidden_fields(page, f'action="{vote_path}"')
        form.update(ballot_form(poll["kind"], journey.choice, poll["options"]))
        if journey.receipt_used:
            form["receipt"] = journey.receipt_used
        check = browser.request("POST", vote_path, form)
        if check.status != 200:
            raise _Failed(f"HTTP {check.status}: no 'check your vote' page{_snippet(check)}")
        # The form of "Cast my vote", sent as the browser would send it.
        confirm_form = hidden_fields(check, 'name="confirm"')
        if json.loads(confirm_form.get("choice", "null")) != journey.choice:
            raise _Failed("the 'check your vote' page shows another choice")
        if confirm_form.get("receipt") != journey.receipt_used:
            raise _Failed("the 'check your vote' page lost the receipt")
        tabs = [browser] + [browser.copy() for _ in range(journey.copies - 1)]
        answers: list[Answer] = []
        # A double click sends the same confirmation twice at once.
        together = threading.Barrier(len(tabs))

        def click(tab: Browser) -> None:
            together.wait()
            answers.append(confirm(tab, site, vote_path, confirm_form, voter["language"]))

        clicks = [threading.Thread(target=click, args=(tab,)) for tab in tabs]
        for thread in clicks:
            thread.start()
        for thread in clicks:
            thread.join()
        journey.sent = len(answers)
        for answer in answers:  # in the order the answers came
            journey.answered.append(
                "ack" if answer.ack else "refused" if answer.refusal else "failed"
            )
            journey.confirm_seconds.append(answer.seconds)
            if answer.ack:
                journey.acks.append(answer.ack)
            if answer.receipt:
                journey.receipts.append(answer.receipt)
            if answer.refusal:
                journey.refusals.append(answer.refusal)
            if answer.failure:
                journey.failures.append(answer.failure)
    except _Failed as error:
        journey.failures.append(str(error))
    except (OSError, http.client.HTTPException, ValueError) as error:
        journey.failures.append(f"{type(error).__name__}: {error}")
    journey.ended = time.monotonic()
    journey.seconds = journey.ended - journey.started
    return journey


# --- the choices -------------------------------------------------------------------------


def choose(kind: str, options: list[str], rng: random.Random) -> dict[str, Any]:
    if kind == "yes_no":
        return {"answer": rng.choices(YES_NO, weights=[50, 35, 15])[0]}
    ranking = list(range(len(options)))
    rng.shuffle(ranking)
    return {"ranking": ranking[: rng.randint(1, len(options))]}


def change(
    kind: str, options: list[str], before: dict[str, Any], rng: random.Random
) -> dict[str, Any]:
    """Another choice than before, so that a change that is lost shows."""
    while True:
        after = choose(kind, options, rng)
        if after != before:
            return after


# --- the integrity checks (pure: fed from the clients and from the database) -------------


@dataclass
class Integrity:
    poll: str
    acknowledged: int = 0  # voters whose ballot the server acknowledged
    counted: int = 0  # ballots in the published result
    lost: int = 0  # acknowledged, but not counted (or counted with an older choice)
    doubled: int = 0  # counted more than once for a voter, or counted with no ballot sent
    unconfirmed: int = 0  # counted from a confirmation the server never answered
    receipts: int = 0  # acknowledged secret receipts found on the bulletin board
    totals_match: bool = True
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class _Voter:
    latest: dict[str, Any] | None = None  # the latest acknowledged choice
    pending: list[dict[str, Any]] = field(default_factory=list)  # sent later, unanswered
    acks: int = 0  # acknowledged confirmations (each one a named ballot row)
    receipts: list[str] = field(default_factory=list)


def _voters(journeys: Sequence[Journey], poll: str) -> dict[int, _Voter]:
    """Each voter's latest acknowledged choice, from the journeys in the order run."""
    voters: dict[int, _Voter] = {}
    for j in journeys:
        if j.poll != poll:
            continue
        v = voters.setdefault(j.voter, _Voter())
        v.acks += len(j.acks)
        v.receipts += j.receipts
        if j.acknowledged:
            v.latest, v.pending = j.choice, []
        elif j.sent:
            v.pending.append(j.choice)
    return voters


def _latest(voters: dict[int, _Voter]) -> list[dict[str, Any]]:
    return [v.latest for v in voters.values() if v.latest is not None]


def _counts(choices: Sequence[dict[str, Any]], key: str) -> Counter[Any]:
    return Counter(c[key] if key == "answer" else c["ranking"][0] for c in choices)


def _check_totals(
    report: Integrity, result: dict[str, Any], expected: Counter[str], options: list[str]
) -> None:
    """The published rows (first-round tallies for a ranked poll) against the
    totals of the ballots the clients were told were counted."""
    rows = {row["label"]: Fraction(str(row["value"])) for row in result.get("rows", [])}
    wanted = {label: Fraction(expected.get(label, 0)) for label in options}
    if rows != wanted:
        report.totals_match = False
        report.problems.append(
            "published totals "
            + ", ".join(f"{k} {v}" for k, v in rows.items())
            + " differ from the clients' "
            + ", ".join(f"{k} {v}" for k, v in wanted.items())
        )


def check_named(
    journeys: Sequence[Journey], observed: dict[str, Any], options: list[str]
) -> Integrity:
    """A named poll: every Ballot row (with history) against what the voters were told."""
    report = Integrity("named")
    voters = _voters(journeys, "named")
    current: dict[int, list[dict[str, Any]]] = {}
    rows: Counter[int] = Counter()
    for ballot in observed["ballots"]:
        rows[ballot["voter"]] += 1
        if ballot["current"]:
            current.setdefault(ballot["voter"], []).append(ballot["choice"])
    result = observed["result"] or {}
    report.counted = int(result.get("ballots", 0))
    acked = {voter: v for voter, v in voters.items() if v.latest is not None}
    report.acknowledged = len(acked)
    for voter, v in acked.items():
        found = current.get(voter, [])
        if not found:
            report.lost += 1
        elif found[-1] != v.latest and found[-1] not in v.pending:
            report.lost += 1  # counted, but not the vote the voter was last told of
        elif found[-1] != v.latest:
            report.unconfirmed += 1
        # Each acknowledged confirmation wrote one row; an unanswered one may have.
        if not v.acks <= rows[voter] <= v.acks + len(v.pending):
            report.problems.append(
                f"voter {voter}: {rows[voter]} ballot rows for {v.acks} acknowledged votes"
            )
    for voter, found in current.items():
        report.doubled += len(found) - 1
        if voter not in acked:
            sender = voters.get(voter)
            if sender is not None and found[-1] in sender.pending:
                report.unconfirmed += 1
            else:
                report.doubled += 1  # counted, yet this voter sent no such ballot
    counted_rows = sum(len(found) for found in current.values())
    if report.counted != counted_rows:
        report.problems.append(
            f"the result counts {report.counted} ballots, the table holds {counted_rows}"
        )
    _check_totals(report, result, _counts(_latest(acked), "answer"), options)
    _summarise(report)
    return report


def receipt_digest(receipt: str) -> str:
    """As governance.actions.receipt_digest: what the bulletin board shows."""
    return hashlib.sha256(receipt.strip().encode()).hexdigest()


def check_secret(
    journeys: Sequence[Journey], observed: dict[str, Any], options: list[str]
) -> Integrity:
    """A secret poll: voter marks, the bulletin board and the receipts the voters hold."""
    report = Integrity("secret")
    voters = _voters(journeys, "secret")
    board: dict[str, list[dict[str, Any]]] = {}
    for ballot in observed["board"]:
        board.setdefault(ballot["receipt"], []).append(ballot["choice"])
    marks = Counter(observed["marks"])
    result = observed["result"] or {}
    report.counted = int(result.get("ballots", 0))
    acked = {voter: v for voter, v in voters.items() if v.latest is not None}
    report.acknowledged = len(acked)
    matched: set[str] = set()
    for voter, v in acked.items():
        # The same receipt twice is one ballot acknowledged twice (a double
        # click shows the receipt again); two different ones are two ballots.
        distinct = list(dict.fromkeys(v.receipts))
        digests = [receipt_digest(r) for r in distinct]
        on_board = [d for d in digests if d in board]
        matched.update(on_board)
        report.receipts += len(on_board)
        if len(distinct) > 1:
            report.doubled += len(distinct) - 1  # two receipts: two ballots for one voter
        if not on_board:
            report.lost += 1
            continue
        choice = board[on_board[-1]][-1]
        if choice != v.latest and choice not in v.pending:
            report.lost += 1  # on the board, but not the vote the voter was last told of
        elif choice != v.latest:
            report.unconfirmed += 1
        if marks[voter] == 0:
            report.problems.append(f"voter {voter} has a ballot but no voter mark")
    # The receipt digest is unique in the table: two ballots under one cannot happen.
    report.doubled += sum(len(found) - 1 for found in board.values())
    orphans = sum(len(found) for digest, found in board.items() if digest not in matched)
    unanswered = sum(1 for voter, v in voters.items() if v.latest is None and marks[voter])
    report.unconfirmed += min(orphans, unanswered)
    report.doubled += orphans - min(orphans, unanswered)
    report.doubled += sum(n - 1 for n in marks.values())
    for voter in marks:
        if voter not in voters or (voters[voter].latest is None and not voters[voter].pending):
            report.problems.append(f"voter {voter} is marked as having voted, but sent no ballot")
    ballots = sum(len(found) for found in board.values())
    if report.counted != ballots:
        report.problems.append(
            f"the result counts {report.counted} ballots, the board holds {ballots}"
        )
    if ballots != sum(marks.values()):
        report.problems.append(f"{ballots} ballots on the board for {sum(marks.values())} marks")
    expected = _counts(_latest(acked), "ranking")
    _check_totals(report, result, Counter({options[i]: n for i, n in expected.items()}), options)
    _summarise(report)
    return report


def _summarise(report: Integrity) -> None:
    if report.lost:
        report.problems.append(f"{report.lost} acknowledged ballots lost")
    if report.doubled:
        report.problems.append(f"{report.doubled} ballots doubled")
    if report.unconfirmed:
        report.problems.append(
            f"{report.unconfirmed} ballots counted from confirmations the server never answered"
        )
    if report.counted != report.acknowledged + report.unconfirmed:
        report.problems.append(
            f"{report.counted} ballots counted for {report.acknowledged} acknowledged"
        )


# --- waves ---------------------------------------------------------------------------------


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (0 < share ≤ 1) of a non-empty sample: the
    smallest value that at least this share of the sample does not exceed."""
    ordered = sorted(values)
    rank = math.ceil(round(share * len(ordered), 9))
    return ordered[min(max(rank, 1), len(ordered)) - 1]


@dataclass
class Wave:
    key: tuple[str, str]
    journeys: list[Journey]
    seconds: float
    server_cpu: float = 0.0  # seconds
    database_cpu: float = 0.0
    other_cpu: float = 0.0  # share of the machine used by other work

    @property
    def label(self) -> str:
        if self.key[1] == "change":
            named = sum(1 for j in self.journeys if j.poll == "named")
            return (
                f"3. Changes of vote: {named:,} named and {len(self.journeys) - named:,} "
                "secret, interleaved"
            )
        return WAVE_LABELS[self.key]

    @property
    def double_clicks(self) -> list[Journey]:
        return [j for j in self.journeys if j.copies > 1]

    @property
    def acknowledged(self) -> int:
        return sum(1 for j in self.journeys if j.acknowledged)

    @property
    def refused(self) -> int:
        return sum(len(j.refusals) for j in self.journeys)

    @property
    def failed(self) -> list[str]:
        return [f for j in self.journeys for f in j.failures]

    @property
    def rate(self) -> float:
        return self.acknowledged / self.seconds if self.seconds else 0.0

    @property
    def confirm_times(self) -> list[float]:
        return [s for j in self.journeys for s in j.confirm_seconds]

    @property
    def journey_times(self) -> list[float]:
        return [j.seconds for j in self.journeys if j.acknowledged]


def run_wave(
    key: tuple[str, str],
    site: Site,
    voters: dict[int, dict[str, Any]],
    journeys: list[Journey],
    concurrency: int,
    meter: CpuMeter,
) -> Wave:
    """All these journeys, `concurrency` at a time, with the CPU each side spent."""
    wait_for_quiet(QUIET_WAIT)
    own = resource.getrusage(resource.RUSAGE_SELF)
    started = time.monotonic()
    with meter.measure() as usage, ThreadPoolExecutor(concurrency) as pool:
        done = list(pool.map(lambda j: vote(site, voters[j.voter], j), journeys))
    elapsed = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    # The clients run in this process: their CPU is not "other work".
    clients = (after.ru_utime - own.ru_utime) + (after.ru_stime - own.ru_stime)
    other = usage.other_share - clients / (elapsed * (os.cpu_count() or 1))
    first = min(j.started for j in done)
    last = max(j.ended for j in done)
    return Wave(
        key,
        done,
        last - first,
        server_cpu=usage.server,
        database_cpu=usage.database,
        other_cpu=max(0.0, other),
    )


def plan(setup: dict[str, Any], args: argparse.Namespace) -> list[list[Journey]]:
    """The first two waves, in a shuffled order fixed by the seed."""
    rng = random.Random(args.seed)
    ids = [v["member"] for v in setup["voters"]]
    waves = []
    for poll in POLLS:
        spec = setup["polls"][poll]
        doubles = set(rng.sample(ids, args.double_submits))
        order = rng.sample(ids, len(ids))
        waves.append(
            [
                Journey(
                    poll,
                    "cast",
                    voter,
                    choose(spec["kind"], spec["options"], rng),
                    copies=2 if voter in doubles else 1,
                )
                for voter in order
            ]
        )
    return waves


def changes(setup: dict[str, Any], done: list[Journey], args: argparse.Namespace) -> list[Journey]:
    """The third wave: a share of the voters whose vote was acknowledged change it."""
    rng = random.Random(args.seed + 1)
    todo = []
    for poll in POLLS:
        spec = setup["polls"][poll]
        acked = [j for j in done if j.poll == poll and j.acknowledged]
        if poll == "secret":
            acked = [j for j in acked if len(set(j.receipts)) == 1]
        for j in rng.sample(acked, round(args.changes * len(acked))):
            todo.append(
                Journey(
                    poll,
                    "change",
                    j.voter,
                    change(spec["kind"], spec["options"], j.choice, rng),
                    receipt_used=j.receipts[0] if poll == "secret" else None,
                )
            )
    rng.shuffle(todo)
    return todo


# --- one backend ---------------------------------------------------------------------------


@dataclass
class BackendReport:
    backend: str
    version: str
    workers: int
    voters: int
    setup_seconds: float
    waves: list[Wave]
    integrity: list[Integrity]
    server_errors: list[str]  # what the server's log says went wrong
    discarded: int = 0  # whole runs done again because other work disturbed them

    @property
    def busiest(self) -> float:
        """The largest share of the machine other work took during a wave."""
        return max((w.other_cpu for w in self.waves), default=0.0)

    @property
    def failures(self) -> int:
        return sum(len(w.failed) for w in self.waves)

    @property
    def ok(self) -> bool:
        return not self.failures and all(i.ok for i in self.integrity)


def run_module(env: dict[str, str], module: str, *args: str) -> Any:
    """Run a set-up module in its own process (the server's environment); its
    last line is JSON."""
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BenchError(f"{module} {args[0]} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


_LOG_ERRORS = re.compile(
    r"Traceback|database is locked|WORKER TIMEOUT|Internal Server Error|OperationalError|"
    r"IntegrityError|deadlock",
    re.IGNORECASE,
)


def server_errors(log: Path) -> list[str]:
    """The lines of the server's log that report an error, each once, with a count."""
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return []
    found = Counter(line.strip() for line in lines if _LOG_ERRORS.search(line))
    return [f"{n} times: {line}" if n > 1 else line for line, n in found.items()]


@contextlib.contextmanager
def database(backend: str, var: Path, admin_url: str) -> Iterator[tuple[str, str]]:
    """A fresh, empty database: (DATABASE_URL, server version)."""
    if backend == "sqlite":
        yield f"sqlite:///{var / 'casting.sqlite3'}", sqlite3.sqlite_version
        return
    drop = f'DROP DATABASE IF EXISTS "{POSTGRES_DB}" WITH (FORCE)'
    version = postgres_admin(admin_url, drop, f'CREATE DATABASE "{POSTGRES_DB}"')
    try:
        yield postgres_url(admin_url, POSTGRES_DB), version
    finally:
        postgres_admin(admin_url, drop)


def bench_backend(backend: str, args: argparse.Namespace, raw: dict[str, Any]) -> BackendReport:
    label = {"sqlite": "SQLite", "postgres": "PostgreSQL"}[backend]
    with (
        tempfile.TemporaryDirectory(prefix=f"taawun-casting-{backend}-") as tmp,
        database(backend, Path(tmp), args.postgres_url) as (url, version),
    ):
        var = Path(tmp)
        env = base_env(url, var)
        env["HOME"] = str(var)  # gunicorn's control socket: apart from other servers'
        say(f"{label} {version}: taawun migrate")
        done = subprocess.run(
            [taawun_bin(), "migrate"], env=env, cwd=ROOT, capture_output=True, text=True
        )
        if done.returncode != 0:
            raise BenchError(f"taawun migrate failed:\n{done.stderr[-3000:]}")
        say(f"{label}: {args.voters} voters, two polls open, one session each")
        setup = run_module(env, "bench.casting_populate", "prepare", "--voters", str(args.voters))
        for poll in POLLS:
            if setup["polls"][poll]["roll"] != args.voters:
                raise BenchError(f"the {poll} poll's roll has {setup['polls'][poll]['roll']}")
        voters = {v["member"]: v for v in setup["voters"]}
        first = plan(setup, args)
        log = var / "server.log"
        waves: list[Wave] = []
        with serving(env, log) as server:
            site = Site("127.0.0.1", server.port, setup["slug"], setup["polls"], setup["messages"])
            meter = CpuMeter(server.group, POSTGRES_DB if backend == "postgres" else None)
            for journeys in first:
                key = (journeys[0].poll, "cast")
                say(f"{label}: {WAVE_LABELS[key]} ({len(journeys)} voters)")
                waves.append(run_wave(key, site, voters, journeys, args.concurrency, meter))
                _say_wave(label, waves[-1])
            cast = [j for w in waves for j in w.journeys]
            third = changes(setup, cast, args)
            say(f"{label}: {WAVE_LABELS[('both', 'change')]} ({len(third)} voters)")
            waves.append(run_wave(("both", "change"), site, voters, third, args.concurrency, meter))
            _say_wave(label, waves[-1])
            workers = default_workers()
        errors = server_errors(log)
        RESULTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(log, RESULTS / f"casting-{backend}-server.log")
        say(f"{label}: closing the polls and checking the database")
        observed = run_module(
            env,
            "bench.casting_populate",
            "verify",
            "--named",
            str(setup["polls"]["named"]["id"]),
            "--secret",
            str(setup["polls"]["secret"]["id"]),
        )
    journeys = [j for w in waves for j in w.journeys]
    integrity = [
        check_named(journeys, observed["named"], setup["polls"]["named"]["options"]),
        check_secret(journeys, observed["secret"], setup["polls"]["secret"]["options"]),
    ]
    for report in integrity:
        say(f"{label} {report.poll}: " + ("; ".join(report.problems) or "every ballot checks"))
    raw[backend] = {
        "version": version,
        "setup_seconds": setup["seconds"],
        "waves": [
            {"wave": w.label, "seconds": w.seconds, "journeys": [asdict(j) for j in w.journeys]}
            for w in waves
        ],
        "observed": observed,
        "integrity": [asdict(i) for i in integrity],
        "server_errors": errors,
    }
    return BackendReport(
        backend=label,
        version=version,
        workers=workers,
        voters=args.voters,
        setup_seconds=setup["seconds"],
        waves=waves,
        integrity=integrity,
        server_errors=errors,
    )


def patiently(backend: str, args: argparse.Namespace, raw: dict[str, Any]) -> BackendReport:
    """Run a database's benchmark again, from a fresh database, while other work
    on the machine took more than QUIET of it during a wave and patience lasts;
    keep the quietest run. A run that found a problem is kept at once: problems
    are findings, not noise."""
    deadline = time.monotonic() + args.patience
    best: BackendReport | None = None
    runs = 0
    while True:
        started = time.monotonic()
        attempt: dict[str, Any] = {}
        report = bench_backend(backend, args, attempt)
        runs += 1
        if best is None or not report.ok or report.busiest < best.busiest:
            best = report
            raw[backend] = attempt[backend]
        if not report.ok or report.busiest <= QUIET:
            break
        if time.monotonic() + (time.monotonic() - started) > deadline:
            say("out of patience: keeping the quietest run")
            break
        say(f"other work took {report.busiest:.0%} of the machine during a wave: again")
    best.discarded = runs - 1
    return best


def _say_wave(label: str, wave: Wave) -> None:
    confirm = wave.confirm_times or [0.0]
    say(
        f"{label}: {wave.acknowledged} of {len(wave.journeys)} acknowledged in "
        f"{wave.seconds:.1f} s ({wave.rate:.1f}/s), confirmation median "
        f"{1000 * statistics.median(confirm):.0f} ms, p99 {1000 * percentile(confirm, 0.99):.0f} "
        f"ms, {wave.refused} refused, {len(wave.failed)} failed; others used "
        f"{wave.other_cpu:.0%} of the machine"
    )
    for failure in Counter(wave.failed).most_common(5):
        say(f"  {failure[1]} times: {failure[0]}")


# --- the report ----------------------------------------------------------------------------


def _ms(values: Sequence[float], share: float | None = None) -> str:
    if not values:
        return "-"
    value = statistics.median(values) if share is None else percentile(values, share)
    return f"{1000 * value:,.0f} ms"


def _repeated(report: BackendReport) -> str:
    why = f"other work took more than {QUIET:.0%} of the machine during a wave"
    if report.discarded:
        runs = "run" if report.discarded == 1 else "runs"
        text = f"{report.discarded} whole {runs} done again, from a fresh database, because {why}"
    elif report.busiest <= QUIET:
        return f"No run had to be repeated because {why}"
    else:
        text = why[0].upper() + why[1:]
    return text + ("; out of patience, the quietest run is kept" if report.busiest > QUIET else "")


def waves_table(report: BackendReport) -> list[str]:
    postgres = report.backend == "PostgreSQL"
    cpu = "CPU per ballot (server + database)" if postgres else "Server CPU per ballot"
    lines = [
        "| Wave | Journeys | Acknowledged | Refused | Failed | Ballots/s | Confirmation median "
        f"| Confirmation p99 | Journey median | Journey p99 | {cpu} | Other work |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for w in report.waves:
        per = max(1, w.acknowledged)
        spent = f"{1000 * w.server_cpu / per:.1f} ms"
        if postgres:
            spent = f"{1000 * w.server_cpu / per:.1f} + {1000 * w.database_cpu / per:.1f} ms"
        lines.append(
            f"| {w.label} | {len(w.journeys):,} | {w.acknowledged:,} | {w.refused} "
            f"| {len(w.failed)} | {w.rate:.1f} | {_ms(w.confirm_times)} "
            f"| {_ms(w.confirm_times, 0.99)} | {_ms(w.journey_times)} "
            f"| {_ms(w.journey_times, 0.99)} | {spent} | {w.other_cpu:.0%} |"
        )
    return lines


def integrity_table(report: BackendReport) -> list[str]:
    lines = [
        "| Poll | Voters acknowledged | Ballots counted | Lost | Doubled "
        "| Counted, never answered | Receipts on the board | Totals match the clients' |",
        "|---|--:|--:|--:|--:|--:|--:|:-:|",
    ]
    for i in report.integrity:
        receipts = f"{i.receipts:,} of {i.acknowledged:,}" if i.poll == "secret" else "-"
        lines.append(
            f"| {POLL_LABELS[i.poll]} | {i.acknowledged:,} | {i.counted:,} | {i.lost} "
            f"| {i.doubled} | {i.unconfirmed} | {receipts} "
            f"| {'yes' if i.totals_match else '**no**'} |"
        )
    return lines


def double_clicks(report: BackendReport) -> str:
    """What the voters who clicked twice were told, in the order a browser shows it."""
    waves = {w.key: w for w in report.waves}
    named, secret = waves[("named", "cast")], waves[("secret", "cast")]
    if not named.double_clicks and not secret.double_clicks:
        return ""
    twice = sum(1 for j in named.double_clicks if len(j.acks) == 2)
    changed = sum(1 for j in named.double_clicks if j.acks[-1:] == ["changed"])
    refused = sum(1 for j in secret.double_clicks if j.acks == ["receipt"] and j.refusals)
    same = sum(
        1 for j in secret.double_clicks if len(j.receipts) == 2 and len(set(j.receipts)) == 1
    )
    hidden = sum(1 for j in secret.double_clicks if j.acks and j.answered[-1:] != ["ack"])
    return (
        f"**Double clicks.** Named poll: of {len(named.double_clicks)} voters who sent the "
        f"confirmation twice at once, {twice} got two acknowledgements and have two ballots "
        f"in the history (the first replaced by the second); for {changed} the answer that "
        "came last says *Your vote is changed.* Secret poll: of "
        f"{len(secret.double_clicks)}, {same} were shown the same receipt twice (one "
        f"ballot), {refused} got one receipt and one refusal, and for {hidden} the answer "
        "that came last was not a receipt. A browser shows only the answer to the last "
        "click, so a voter whose last answer is a refusal never sees their receipt."
    )


def revision() -> str:
    """The commit measured, and whether the working tree had changes to it."""
    done = subprocess.run(
        ["git", "-C", str(ROOT), "describe", "--always", "--dirty=+"],
        capture_output=True,
        text=True,
    )
    name = done.stdout.strip()
    if done.returncode != 0 or not name:
        return "an unknown commit"
    if name.endswith("+"):
        return f"commit `{name[:-1]}` with uncommitted changes"
    return f"commit `{name}`"


def verdict(report: BackendReport) -> str:
    if report.ok:
        cast = sum(w.acknowledged for w in report.waves)
        return (
            f"**Every acknowledged ballot is counted once** ({cast:,} acknowledged casts and "
            "changes): none lost, none doubled, no request failed."
        )
    parts = [f"{i.poll} poll: " + "; ".join(i.problems) for i in report.integrity if i.problems]
    failures = Counter(f for w in report.waves for f in w.failed)
    if failures:
        parts.append(
            f"{report.failures} requests failed ("
            + "; ".join(f"{n} times {text}" for text, n in failures.most_common(3))
            + ")"
        )
    return "**Problems:** " + ". ".join(parts) + "."


def render(reports: list[BackendReport], info: dict[str, str], args: argparse.Namespace) -> str:
    today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    options = [
        f"--{name.replace('_', '-')} {getattr(args, name)}"
        for name, default in DEFAULTS.items()
        if getattr(args, name) != default
    ]
    if args.backends.replace(" ", "") != "sqlite,postgres":
        options.append(f"--backends {args.backends}")
    command = ".venv/bin/python -m bench.casting" + "".join(f" {o}" for o in options)
    workers = reports[0].workers if reports else "?"
    out = [
        START,
        "## Casting: a thousand voters at once",
        "",
        f"Measured {today} at {revision()} with `{command}` (also run by `{COMMAND}`).",
        "",
        "**The promise:** with voters casting concurrently against the server as a user "
        "runs it, every ballot the server acknowledges is counted exactly once: none "
        "lost, none doubled, and the published totals are those of the ballots sent.",
        "",
        "**What runs.** A fresh database per backend (on PostgreSQL, "
        f"`{POSTGRES_DB}`, dropped afterwards), created by `taawun migrate`; one "
        f"cooperative of {args.voters:,} active members (the founder through "
        "`membership.actions.create_cooperative`, the others in bulk, as in "
        "`bench/populate.py`). Two polls are created and opened through "
        "`governance.actions`, which freezes a roll of "
        f"{args.voters:,} for each: a named yes/no poll and a secret ranked poll (instant "
        "runoff, 4 candidates). Each voter gets a signed-in session made in-process with "
        "Django's `SessionStore`, as the sign-in view does after checking the password "
        "(`bench/casting_populate.py`): signing in is not what is measured, and a thousand "
        "Argon2 checks would take minutes. A third of the voters read the site in Arabic. "
        f"The server is started as a user starts it, `taawun serve` (gunicorn, {workers} "
        "sync workers, the default for this machine).",
        "",
        f"**How it is measured.** {args.concurrency} voters at a time, each a thread of "
        "`http.client` on loopback going through the pages as a browser does: GET the poll "
        "page (CSRF token), POST the ballot, read the *check your vote* page (its choice must "
        "be the one sent), POST the confirmation and, for a redirect, GET the page it leads "
        "to. A ballot is *acknowledged* only when the server says so: the receipt page of a "
        "secret ballot, or the success message *Your vote is recorded.* / *Your vote is "
        "changed.* in the voter's language. Choices are random, drawn from seed "
        f"{args.seed}. In waves 1 and 2, {args.double_submits} voters per poll send the "
        "confirmation twice at once (a double click): on the named poll both are "
        "acknowledged (the second replaces the first, kept as history); on the secret poll "
        "the second must not make a second ballot, and the voter must still see their "
        "receipt, whichever answer comes last (see *Double clicks* below). In wave 3, "
        f"{args.changes:.0%} of the voters of each poll (drawn separately) change their vote, "
        "the two polls interleaved: a new named ballot, or the secret ballot replaced with "
        "its receipt. *Confirmation* "
        "is the latency of the POST that casts the ballot; *journey* is the whole voter's "
        "visit (3 or 4 requests); *ballots/s* is acknowledged voters per second of the "
        "wave. Latency is measured under load: with "
        f"{args.concurrency} voters in flight it is mostly queueing. *Failed* counts "
        "HTTP errors, 5xx answers (SQLite's *database is locked* would show here) and "
        "pages that do not answer as a browser expects. CPU comes from /proc, as in the "
        "platform benchmark; *other work* is the share of the machine used by neither the "
        "server, the database nor the clients. Before each wave the benchmark waits (up to "
        f"{QUIET_WAIT} s) for other work to use at most {QUIET:.0%} of the machine; a run in "
        "which other work took more than that during a wave is done again from a fresh "
        f"database (within {args.patience} s of patience per database; then the quietest "
        "run is kept). A run that found a problem is kept at once: problems are findings, "
        "not noise.",
        "",
        "**How it is checked.** After the waves, both polls are closed through "
        "`governance.actions.close_poll` and the database is compared with what each "
        "client was told: every acknowledged voter has exactly one current ballot holding "
        "their latest acknowledged choice (named: the `Ballot` rows, one per acknowledged "
        "confirmation; secret: the `VoterMark`s, one per voter, and the ballot of each "
        "acknowledged receipt on the published bulletin board); a ballot counted for a "
        "voter twice, or with no ballot sent, is *doubled*; the result counts as many "
        "ballots as were acknowledged; and the published totals (first preferences for the "
        "ranked poll) equal the totals of the choices the clients sent. *Counted, never "
        "answered* would be a ballot written by a confirmation whose answer never came "
        "(a timeout): neither lost nor doubled, but the voter was not told.",
        "",
        f"**Machine.** {info['cpus']} CPUs ({info['cpu']}), {info['memory']} RAM, "
        f"{info['os']}; Python {info['python']}, Django {info['django']}, gunicorn "
        f"{info['gunicorn']}, "
        + ", ".join(f"{r.backend} {r.version}" for r in reports)
        + f". Load average before the run: {info['load']}. The server, the database and the "
        f"clients share the {info['cpus']} cores.",
    ]
    for report in reports:
        out += [
            "",
            f"### {report.backend} {report.version}",
            "",
            f"{report.voters:,} voters on each roll (set up in {report.setup_seconds:g} s). "
            f"{_repeated(report)}; during the run kept, other work used at most "
            f"{report.busiest:.0%} of the machine in a wave.",
            "",
            *waves_table(report),
            "",
            *integrity_table(report),
            "",
            verdict(report),
        ]
        if clicks := double_clicks(report):
            out += ["", clicks]
        if report.server_errors:
            out += ["", "The server's log reported:", ""]
            out += [f"    {line[:300]}" for line in report.server_errors[:10]]
    out += [
        "",
        "Every journey and the database read-back of the last run: "
        "`bench/results/casting.json`, the server logs beside it (not committed).",
        END,
    ]
    return "\n".join(out) + "\n"


def write_doc(path: Path, section: str) -> None:
    """Replace this benchmark's section, keeping the rest of the page (read
    just before writing, as other benchmarks rewrite their own sections)."""
    text = path.read_text() if path.exists() else INTRO
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END) + r"\n?", re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _match: section, text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = path.with_name(f".{path.name}.casting")
    staged.write_text(text)
    os.replace(staged, path)


# --- main ------------------------------------------------------------------------------------


class Parser(argparse.ArgumentParser):
    """Wrong arguments: one line saying why, exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> Parser:
    parser = Parser(
        prog="python -m bench.casting",
        description="Voters casting at once against the server; every acknowledged ballot "
        "must be counted once.",
    )
    parser.add_argument("--voters", type=int, default=DEFAULTS["voters"], help="the roll's size")
    parser.add_argument(
        "--concurrency", type=int, default=DEFAULTS["concurrency"], help="voters in flight"
    )
    parser.add_argument(
        "--changes",
        type=float,
        default=DEFAULTS["changes"],
        help="share of the voters who change their vote in the third wave (0 to 1)",
    )
    parser.add_argument(
        "--double-submits",
        type=int,
        default=DEFAULTS["double_submits"],
        help="voters per poll who send their confirmation twice at once",
    )
    parser.add_argument("--seed", type=int, default=DEFAULTS["seed"], help="for the choices")
    parser.add_argument(
        "--patience",
        type=int,
        default=DEFAULTS["patience"],
        help="seconds per database spent at most running the benchmark again when other "
        "work on the machine disturbed it",
    )
    add_database_arguments(parser, POSTGRES_DB)
    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = build_parser()
    args = parser.parse_args(argv)
    backends = parsed_backends(parser, args)
    if args.voters < 2:
        parser.error("--voters must be at least 2")
    if args.patience < 0:
        parser.error("--patience must be 0 or more")
    if args.concurrency < 1:
        parser.error("--concurrency must be at least 1")
    if not 0 <= args.changes <= 1:
        parser.error("--changes is a share, from 0 to 1")
    if not 0 <= args.double_submits <= args.voters:
        parser.error("--double-submits must be from 0 to --voters")
    args.backend_list = backends
    return args


def _terminate(signum: int, _frame: object) -> None:
    # Unwind, so that the server is stopped and the bench database dropped.
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    try:
        if "postgres" in args.backend_list:
            postgres_admin(args.postgres_url)  # fail now, not after the SQLite run
        info = machine()
        raw: dict[str, Any] = {"machine": info, "args": {**vars(args), "out": str(args.out)}}
        reports = [patiently(backend, args, raw) for backend in args.backend_list]
    except BenchError as error:
        print(f"bench.casting: {error}", file=sys.stderr)
        return 1
    section = render(reports, info, args)
    print(section)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "casting.json").write_text(json.dumps(raw, indent=1, ensure_ascii=False))
    if not args.no_write:
        write_doc(args.out, section)
        say(f"wrote {args.out}")
    return 0 if all(r.ok for r in reports) else 1


if __name__ == "__main__":
    raise SystemExit(main())
