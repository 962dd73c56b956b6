"""`python -m bench.soak`: members reading, voting and searching for minutes.

The issue: a soak run in `make bench`, bounded in time: many members
reading, voting and searching for several minutes against the server as a
user runs it; it reports throughput, latency percentiles, errors (target:
none) and memory growth (target: flat).

For each database (SQLite, PostgreSQL) this makes a fresh database (on
PostgreSQL `taawun_bench_soak`, dropped afterwards), runs `taawun migrate`,
and fills it in a Django process of its own through the real actions:
``--coops`` cooperatives (`membership.actions.create_cooperative`),
``--members`` members who apply and are admitted
(`apply_for_membership`, `admit_member`), ``--articles`` knowledge articles,
Arabic and English, public and for members (`knowledge.article_actions.
write_article`, indexed for search by its signals), and in each cooperative
a named yes/no poll and a secret ranked poll, created and opened through
`governance.actions` (rolls frozen). Then the server starts as a user starts
it (`taawun serve`: gunicorn with its default workers), ``--clients``
members sign in through the sign-in form, and each, in a thread of its own,
loops until the time is up, choosing at random (weights in ``MIX``):

- a page to read: the dashboard, their cooperative's page, its decisions,
  its member directory, its knowledge base, one of its articles;
- a search, on the search page, for a word of a public article's title;
- a vote, in the named or the secret poll of their cooperative, through the
  voting pages as bench.casting drives them (the poll page, the ballot, the
  "check your vote" page, the confirmation); a member who has voted changes
  their vote (a secret ballot with its receipt).

Each answer is checked: HTTP 200 with the page's own content, signed in, or
for a vote the server's acknowledgement. Meanwhile the resident memory of the
server's processes (the gunicorn arbiter and each worker) is read from /proc
every ``SAMPLE_SECONDS``. The section between `<!-- bench:soak:start -->` and
`<!-- bench:soak:end -->` in docs/reliability.md is rewritten; the raw
figures go to bench/results/soak.json (not committed).

    .venv/bin/python -m bench.soak [--minutes 10 | --seconds S] [--clients 40]
        [--coops 4] [--members 300] [--articles 120] [--seed 1]
        [--backends sqlite,postgres] [--out docs/reliability.md | --no-write]
"""

from __future__ import annotations

import argparse
import html
import http.client
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.allocation_db import Parser
from bench.casting import Browser, Journey, Site, change, choose, vote
from bench.run import (
    ROOT,
    BenchError,
    CpuMeter,
    Server,
    add_database_arguments,
    base_env,
    database_bench_main,
    default_workers,
    fresh_database,
    parsed_backends,
    reproducing_command,
    run_worker,
    say,
    serving,
    sign_in,
    taawun_bin,
)
from bench.search import percentile

DOC = ROOT / "docs" / "reliability.md"
TITLE = "# Reliability\n"
START = "<!-- bench:soak:start -->"
END = "<!-- bench:soak:end -->"
AFTER = "<!-- bench:soak:after -->"  # no such marker: the first time, at the end of the page
POSTGRES_DB = "taawun_bench_soak"
DEFAULTS: dict[str, Any] = {
    # Ten minutes: a slow leak shows as a steady slope, and the longer the
    # run after the warm-up, the smaller the leak the fixed tolerance catches
    # (a 4-minute run caught 0.3 KiB per action, this one about 0.1).
    "minutes": 10,
    "seconds": None,
    "clients": 40,
    "coops": 4,
    "members": 300,
    "articles": 120,
    "seed": 1,
}
PASSWORD = "soak-member-2026"  # every member's, hashed once
SAMPLE_SECONDS = 2.0  # how often the server's memory is read
WINDOW_SECONDS = 60.0  # the first minute is the warm-up; growth is judged after it
# Flat: after the warm-up, the server's resident memory (all its processes)
# grows by less than this over the rest of the run, by the trend of the
# samples (least squares), whichever of the two is larger.
FLAT_MB = 5.0
FLAT_SHARE = 0.01
HTTP_TIMEOUT = 60  # gunicorn's own timeout; a slower answer is a failure
# The mix: what a member does next, with its weight.
MIX: dict[str, float] = {
    "dashboard": 1,
    "coop": 1,
    "decisions": 1,
    "directory": 1,
    "articles": 1,
    "article": 1,
    "search": 2,
    "vote_named": 0.5,
    "vote_secret": 0.5,
}
LABELS = {
    "dashboard": "Read: dashboard",
    "coop": "Read: cooperative page",
    "decisions": "Read: decisions",
    "directory": "Read: member directory",
    "articles": "Read: knowledge base",
    "article": "Read: an article",
    "search": "Search",
    "vote_named": "Vote: named poll (whole visit)",
    "vote_secret": "Vote: secret poll (whole visit)",
}
SIGNED_IN = 'action="/accounts/logout/"'


# --- arguments -------------------------------------------------------------------------------


def build_parser() -> Parser:
    parser = Parser(
        prog="python -m bench.soak",
        description="Members reading, voting and searching against the server for minutes: "
        "throughput, latency, errors and the server's memory, on SQLite and PostgreSQL.",
    )
    parser.add_argument(
        "--minutes", type=float, default=DEFAULTS["minutes"], help="length of the run"
    )
    parser.add_argument(
        "--seconds", type=float, default=None, help="length of the run, instead of --minutes"
    )
    parser.add_argument(
        "--clients", type=int, default=DEFAULTS["clients"], help="members active at once"
    )
    parser.add_argument("--coops", type=int, default=DEFAULTS["coops"])
    parser.add_argument("--members", type=int, default=DEFAULTS["members"])
    parser.add_argument("--articles", type=int, default=DEFAULTS["articles"])
    parser.add_argument(
        "--seed", type=int, default=DEFAULTS["seed"], help="for the articles and the mix"
    )
    add_database_arguments(parser, POSTGRES_DB)
    parser.add_argument(
        "--postgres-database",
        default=POSTGRES_DB,
        help="the database made and dropped on PostgreSQL (another name lets a test run "
        "beside `make bench`)",
    )
    parser.set_defaults(out=DOC)
    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = build_parser()
    args = parser.parse_args(argv)
    backends = parsed_backends(parser, args)
    if args.seconds is not None and args.seconds < 2:
        parser.error("--seconds must be at least 2")
    if args.seconds is None and args.minutes * 60 < 2:
        parser.error("--minutes must be more than 0")
    if args.clients < 1:
        parser.error("--clients must be at least 1")
    if args.coops < 1:
        parser.error("--coops must be at least 1")
    if args.members < max(args.clients, args.coops):
        parser.error("--members must be at least --clients and --coops")
    if args.articles < 2 * args.coops:
        parser.error("--articles must be at least twice --coops")
    args.backend_list = backends
    # Whole numbers as they are typed (--minutes 4, not 4.0), for the command shown.
    for name in ("minutes", "seconds"):
        value = getattr(args, name)
        if value is not None and float(value).is_integer():
            setattr(args, name, int(value))
    args.length = args.seconds if args.seconds is not None else args.minutes * 60
    return args


def command_line(args: argparse.Namespace) -> str:
    return reproducing_command("bench.soak", args, {**DEFAULTS, "postgres_database": POSTGRES_DB})


# --- inside the Django process: the database the members use -------------------------------


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taawun.settings")
    import django

    django.setup()


def populate(coops: int, members: int, articles: int, seed: int) -> dict[str, Any]:
    """Cooperatives, members, articles and open polls, through the actions."""
    _setup()
    from datetime import timedelta

    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.utils import timezone

    from bench.casting_populate import _messages
    from bench.search import Writer
    from taawun.accounts.models import User
    from taawun.governance import actions as governance
    from taawun.knowledge import article_actions
    from taawun.knowledge.search import search
    from taawun.membership import actions as membership

    started = time.monotonic()
    rng = random.Random(seed)
    made: list[dict[str, Any]] = []
    for k in range(coops):
        founder = User.objects.create_user(
            f"founder{k}@soak.taawun.test", None, name=f"Founder {k + 1}", language="en"
        )
        coop = membership.create_cooperative(
            founder=founder,
            slug=f"soak-{k + 1}",
            names={"en": f"Soak Cooperative {k + 1}", "ar": f"تعاونية التحمل {k + 1}"},
            country="EG",
            currency="EGP",
            languages=["ar", "en"],
        )
        made.append({"coop": coop, "founder": founder, "members": [], "articles": []})
    people: list[dict[str, str]] = []
    for i in range(members):
        place = made[i % coops]
        language = "ar" if i % 3 == 0 else "en"
        user = User.objects.create_user(
            f"member{i:05d}@soak.taawun.test",
            None,
            name=f"عضو {i}" if language == "ar" else f"Member {i}",
            language=language,
        )
        applied = membership.apply_for_membership(
            user=user, coop=place["coop"], membership_class="worker"
        )
        membership.admit_member(applied, by=place["founder"])
        people.append({"email": user.email, "coop": place["coop"].slug, "language": language})
    # One password for all, hashed once: hashing it per member would take
    # minutes of Argon2 and measure nothing here. The clients sign in with it.
    User.objects.filter(email__endswith="@soak.taawun.test").update(
        password=make_password(PASSWORD)
    )
    seconds = {"members": time.monotonic() - started}

    started = time.monotonic()
    writers = {"ar": Writer("ar", seed), "en": Writer("en", seed)}
    for n in range(articles):
        place = made[n % coops]
        language = "ar" if n % 2 == 0 else "en"
        visibility = "public" if n % 4 != 3 else "cooperative"
        article = article_actions.write_article(
            by=place["founder"],
            coop=place["coop"],
            title=writers[language].title(),
            body=writers[language].body(),
            language=language,
            visibility=visibility,
        )
        place["articles"].append(
            {"slug": article.slug, "title": article.title, "visibility": visibility}
        )
    seconds["articles"] = time.monotonic() - started

    started = time.monotonic()
    closes_at = timezone.now() + timedelta(days=30)
    for place in made:
        named = governance.create_poll(
            by=place["founder"],
            coop=place["coop"],
            kind="yes_no",
            title="Open a second office?",
            closes_at=closes_at,
            settings={"secret": False},
        )
        secret = governance.create_poll(
            by=place["founder"],
            coop=place["coop"],
            kind="irv",
            title="Elect the coordinator",
            closes_at=closes_at,
            options=["Amina Haddad", "Bassem Nour", "Chloé Martin", "Dalia Farouk"],
            settings={"secret": True},
        )
        place["polls"] = {
            name: {"id": poll.pk, "kind": poll.kind, "options": poll.options}
            for name, poll in (
                ("named", governance.open_poll(named, by=place["founder"])),
                ("secret", governance.open_poll(secret, by=place["founder"])),
            )
        }
    seconds["polls"] = time.monotonic() - started

    # Words to search for: from the titles of public articles, those that the
    # search finds for a visitor (a function word may be left out of the index).
    candidates = sorted(
        {
            word
            for place in made
            for a in place["articles"]
            if a["visibility"] == "public"
            for word in a["title"].split()
            if len(word) >= 4
        }
    )
    rng.shuffle(candidates)
    words = [word for word in candidates[:200] if search(word, user=None).total][:60]
    if not words:
        raise SystemExit("no word of the articles' titles is found by the search")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would, soon after the load
    return {
        "coops": [
            {
                "slug": place["coop"].slug,
                "founder": place["founder"].name,
                "polls": place["polls"],
                "articles": place["articles"],
            }
            for place in made
        ],
        "members": people,
        "password": PASSWORD,
        "words": words,
        "messages": _messages(),
        "seconds": {k: round(v, 1) for k, v in seconds.items()},
    }


def worker(argv: Sequence[str]) -> int:
    """`python -m bench.soak worker populate ...`: run by the benchmark in a
    process of its own per database; prints JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.soak worker")
    parser.add_argument("phase", choices=["populate"])
    parser.add_argument("--coops", type=int, default=DEFAULTS["coops"])
    parser.add_argument("--members", type=int, default=DEFAULTS["members"])
    parser.add_argument("--articles", type=int, default=DEFAULTS["articles"])
    parser.add_argument("--seed", type=int, default=DEFAULTS["seed"])
    args = parser.parse_args(argv)
    result = populate(args.coops, args.members, args.articles, args.seed)
    sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    return 0


# --- the members ------------------------------------------------------------------------------


@dataclass
class Outcome:
    """One thing a member did: when it ended (seconds into the run), how long
    it took, and what went wrong, if anything."""

    kind: str
    at: float
    seconds: float
    error: str | None = None


@dataclass
class Member:
    """One signed-in member of the soak, with their own browser and choices."""

    number: int
    coop: dict[str, Any]
    site: Site  # where their cooperative's polls are
    session: str
    language: str
    rng: random.Random
    start: int  # where in MIX their first tour starts
    choices: dict[str, dict[str, Any]] = field(default_factory=dict)  # poll → last choice
    receipts: dict[str, str] = field(default_factory=dict)  # secret poll → receipt


def expected(member: Member, kind: str) -> tuple[str, str]:
    """The path a reading member asks for, and what the page must show."""
    coop = member.coop
    slug = coop["slug"]
    base = f"/coops/{slug}/"
    if kind == "dashboard":
        return "/", f'href="{base}"'
    if kind == "coop":
        return base, f'href="{base}decisions/"'
    if kind == "decisions":
        return f"{base}decisions/", f'href="{base}polls/{coop["polls"]["named"]["id"]}/"'
    if kind == "directory":
        return f"{base}members/", coop["founder"]
    if kind == "articles":
        first = coop["articles"][-1]  # the newest, on the first page
        return f"{base}knowledge/", html.escape(first["title"])
    article = member.rng.choice(coop["articles"])
    slug_path = urllib.parse.quote(article["slug"])  # an Arabic title makes an Arabic address
    return f"{base}knowledge/{slug_path}/", html.escape(article["title"])


_HIT = re.compile(r'<h2><a href="/coops/[^"]+/knowledge/')


def read(browser: Browser, member: Member, kind: str, words: list[str]) -> str | None:
    """One page, checked; returns what was wrong with it, or None."""
    if kind == "search":
        word = member.rng.choice(words)
        path = "/search?" + urllib.parse.urlencode({"q": word})
        marker = None
    else:
        path, marker = expected(member, kind)
    answer = browser.request("GET", path)
    if answer.status != 200:
        locked = " (database is locked)" if "database is locked" in answer.body else ""
        return f"HTTP {answer.status} for {kind}{locked}"
    if SIGNED_IN not in answer.body:
        return f"{kind}: the page is not signed in"
    if marker is None:
        return None if _HIT.search(answer.body) else f"{kind}: no result for a title's word"
    return None if marker in answer.body else f"{kind}: the page lacks its content"


def cast(member: Member, poll: str) -> str | None:
    """One vote through the voting pages (bench.casting.vote), a change of
    vote once the member has voted; returns what went wrong, or None."""
    spec = member.site.polls[poll]
    before = member.choices.get(poll)
    rng = member.rng
    choice = (
        change(spec["kind"], spec["options"], before, rng)
        if before
        else choose(spec["kind"], spec["options"], rng)
    )
    journey = Journey(
        poll, "change" if before else "cast", member.number, choice, receipt_used=None
    )
    if poll == "secret" and poll in member.receipts:
        journey.receipt_used = member.receipts[poll]
    vote(member.site, {"session": member.session, "language": member.language}, journey)
    if journey.failures or journey.refusals or not journey.acknowledged:
        what = "; ".join(journey.failures + journey.refusals) or "not acknowledged"
        return f"vote in the {poll} poll: {what}"
    member.choices[poll] = choice
    if journey.receipts:
        member.receipts[poll] = journey.receipts[-1]
    return None


def run_member(
    member: Member, words: list[str], started: float, deadline: float, outcomes: list[Outcome]
) -> None:
    kinds, weights = list(MIX), list(MIX.values())
    browser = Browser(member.site.host, member.site.port, {"sessionid": member.session})
    # First a tour of every kind, from where this member starts it (so that a
    # short run with few members does each kind too), then at random.
    tour = kinds[member.start :] + kinds[: member.start]
    while time.monotonic() < deadline:
        kind = tour.pop(0) if tour else member.rng.choices(kinds, weights)[0]
        began = time.monotonic()
        try:
            if kind.startswith("vote_"):
                error = cast(member, kind.removeprefix("vote_"))
            else:
                error = read(browser, member, kind, words)
        except (OSError, http.client.HTTPException) as failure:
            error = f"{kind}: {type(failure).__name__}: {failure}"
        ended = time.monotonic()
        outcomes.append(Outcome(kind, ended - started, ended - began, error))


# --- the server's memory ----------------------------------------------------------------------


def _kib(path: Path, key: str) -> int:
    for line in path.read_text().splitlines():
        if line.startswith(key):
            return int(line.split()[1])
    raise ValueError(key)


def memory_sample(group: int) -> dict[int, tuple[float, float]]:
    """RSS and PSS (MiB) of each process of the server's process group."""
    found: dict[int, tuple[float, float]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
            if int(stat[stat.rindex(")") + 2 :].split()[2]) != group:
                continue
            rss = _kib(Path(entry.path, "status"), "VmRSS:")
            pss = _kib(Path(entry.path, "smaps_rollup"), "Pss:")
        except (OSError, ValueError, IndexError):
            continue
        found[int(entry.name)] = (rss / 1024, pss / 1024)
    return found


class MemoryWatch:
    """Reads the server's memory every SAMPLE_SECONDS in a thread of its own."""

    def __init__(self, group: int) -> None:
        self.group = group
        self.samples: list[tuple[float, dict[int, tuple[float, float]]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def start(self, started: float) -> None:
        self.started = started
        self._thread.start()

    def _watch(self) -> None:
        while True:
            self.samples.append((time.monotonic() - self.started, memory_sample(self.group)))
            if self._stop.wait(SAMPLE_SECONDS):
                return

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def slope_per_minute(points: Sequence[tuple[float, float]]) -> float:
    """The least-squares trend of (seconds, MiB) points, in MiB per minute."""
    if len(points) < 2:
        return 0.0
    mean_t = statistics.fmean(t for t, _v in points)
    mean_v = statistics.fmean(v for _t, v in points)
    spread = sum((t - mean_t) ** 2 for t, _v in points)
    if spread == 0:
        return 0.0
    return 60 * sum((t - mean_t) * (v - mean_v) for t, v in points) / spread


@dataclass
class Trend:
    """How one series of memory samples moved over the run."""

    first: float  # median of the first window (the warm-up), MiB
    last: float  # median of the last window, MiB
    slope: float  # MiB per minute after the warm-up
    growth: float  # MiB the trend adds from the end of the warm-up to the end

    @property
    def tolerance(self) -> float:
        return max(FLAT_MB, FLAT_SHARE * self.first)

    @property
    def flat(self) -> bool:
        return self.growth < self.tolerance


def trend(points: Sequence[tuple[float, float]], length: float) -> Trend:
    """First-window and last-window medians and the trend after the warm-up;
    the window is a minute (a quarter of a run shorter than four minutes)."""
    window = min(WINDOW_SECONDS, length / 4)
    first = [v for t, v in points if t <= window] or [points[0][1]]
    last = [v for t, v in points if t >= length - window] or [points[-1][1]]
    after = [(t, v) for t, v in points if t >= window]
    slope = slope_per_minute(after)
    return Trend(
        first=statistics.median(first),
        last=statistics.median(last),
        slope=slope,
        growth=slope * max(0.0, length - window) / 60,
    )


@dataclass
class Memory:
    """The server's memory over the run: all its processes, and each."""

    samples: int
    total_rss: Trend
    total_pss: Trend
    processes: dict[str, Trend]  # "arbiter", "worker 1", …
    restarted: int  # workers that appeared after the first sample (a worker replaced)
    minutes: list[float] = field(default_factory=list)  # median total RSS of each minute


def memory_report(
    samples: Sequence[tuple[float, dict[int, tuple[float, float]]]],
    arbiter: int,
    length: float,
) -> Memory:
    if not samples:
        raise BenchError("no memory sample of the server was taken")
    rss = [(t, sum(r for r, _p in found.values())) for t, found in samples]
    pss = [(t, sum(p for _r, p in found.values())) for t, found in samples]
    first_pids = set(samples[0][1])
    pids = sorted({pid for _t, found in samples for pid in found})
    processes: dict[str, Trend] = {}
    number = 0
    for pid in [arbiter, *(p for p in pids if p != arbiter)]:
        series = [(t, found[pid][0]) for t, found in samples if pid in found]
        if not series:
            continue
        if pid == arbiter:
            name = "arbiter"
        else:
            number += 1
            name = f"worker {number}"
        processes[name] = trend(series, length)
    by_minute: dict[int, list[float]] = {}
    for t, total in rss:
        by_minute.setdefault(int(t // 60), []).append(total)
    return Memory(
        samples=len(samples),
        total_rss=trend(rss, length),
        total_pss=trend(pss, length),
        processes=processes,
        restarted=len(set(pids) - first_pids),
        minutes=[statistics.median(by_minute[m]) for m in sorted(by_minute)],
    )


# --- one database -----------------------------------------------------------------------------


@dataclass
class Kind:
    kind: str
    done: int
    errors: int
    p50: float
    p95: float
    p99: float
    most: float


@dataclass
class BackendReport:
    backend: str
    version: str
    load: str
    workers: int
    populated: dict[str, Any]
    length: float  # seconds the members were active, until the last one stopped
    kinds: list[Kind]
    errors: Counter[str]
    memory: Memory
    other_cpu: float
    server_log: list[str]
    after_warm_up: int  # actions done after the first minute

    @property
    def done(self) -> int:
        return sum(k.done for k in self.kinds)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def problems(self) -> list[str]:
        found = [f"{n} times: {text}" for text, n in self.errors.most_common(5)]
        if self.memory.restarted:
            found.append(f"{self.memory.restarted} server workers were replaced")
        found += [f"the server's log: {line}" for line in self.server_log[:3]]
        return found


def summarise(outcomes: Sequence[Outcome]) -> list[Kind]:
    kinds = []
    for kind in MIX:
        mine = [o for o in outcomes if o.kind == kind]
        if not mine:
            continue
        times = [1000 * o.seconds for o in mine]
        kinds.append(
            Kind(
                kind=kind,
                done=len(mine),
                errors=sum(1 for o in mine if o.error),
                p50=statistics.median(times),
                p95=percentile(times, 0.95),
                p99=percentile(times, 0.99),
                most=max(times),
            )
        )
    return kinds


def log_problems(text: str) -> list[str]:
    """Lines of the server's log that say something went wrong."""
    signs = ("Traceback", "database is locked", "WORKER TIMEOUT", "Worker exited", "[ERROR]")
    return [line.strip() for line in text.splitlines() if any(s in line for s in signs)]


def sign_in_all(base: str, people: list[dict[str, Any]], password: str) -> list[str]:
    """Each client signs in through the form (a few at a time)."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(lambda p: sign_in(base, p["email"], password), people))


def soak(
    server: Server, populated: dict[str, Any], args: argparse.Namespace, db: str | None
) -> tuple[list[Outcome], float, Memory, float]:
    """The run itself, against a started server: what the members did, for
    how long, the server's memory, and the share of the CPU other work used."""
    coops = {c["slug"]: c for c in populated["coops"]}
    people = populated["members"][: args.clients]
    sessions = sign_in_all(server.base, people, populated["password"])
    host, port = "127.0.0.1", server.port
    members = [
        Member(
            number=i,
            coop=coops[p["coop"]],
            site=Site(host, port, p["coop"], coops[p["coop"]]["polls"], populated["messages"]),
            session=session,
            language=p["language"],
            rng=random.Random(f"{args.seed}-{i}"),
            start=(i * -(-len(MIX) // len(people))) % len(MIX),
        )
        for i, (p, session) in enumerate(zip(people, sessions, strict=True))
    ]
    # Each page once before the clock starts: a page that lacks the content the
    # benchmark looks for is the benchmark's mistake, not the server's.
    for kind in MIX:
        if not kind.startswith("vote_"):
            browser = Browser(host, port, {"sessionid": members[0].session})
            error = read(browser, members[0], kind, populated["words"])
            if error:
                raise BenchError(f"before the run: {error}")
    outcomes: list[Outcome] = []
    meter = CpuMeter(server.group, db)
    watch = MemoryWatch(server.group)
    mine_before = resource.getrusage(resource.RUSAGE_SELF)
    with meter.measure() as usage:
        started = time.monotonic()
        watch.start(started)
        deadline = started + args.length
        threads = [
            threading.Thread(
                target=run_member,
                args=(m, populated["words"], started, deadline, outcomes),
            )
            for m in members
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        length = time.monotonic() - started
        watch.stop()
    mine_after = resource.getrusage(resource.RUSAGE_SELF)
    clients_cpu = (mine_after.ru_utime - mine_before.ru_utime) + (
        mine_after.ru_stime - mine_before.ru_stime
    )
    # The clients run in this process: what they used is not "other work".
    other = max(0.0, usage.other_share - clients_cpu / (length * (os.cpu_count() or 1)))
    memory = memory_report(watch.samples, server.group, length)
    return outcomes, length, memory, other


def bench_backend(backend: str, args: argparse.Namespace) -> BackendReport:
    label = {"sqlite": "SQLite", "postgres": "PostgreSQL"}[backend]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    with (
        tempfile.TemporaryDirectory(prefix=f"taawun-bench-soak-{backend}-") as tmp,
        fresh_database(backend, Path(tmp), args.postgres_url, args.postgres_database) as (
            url,
            version,
        ),
    ):
        env = base_env(url, Path(tmp))
        # All the clients come from one address: the limits per address would
        # turn most of them away, which is not what a soak measures.
        env.update({"TAAWUN_RATE_LIMITS": "off", "TAAWUN_OFFICER_2FA": "off"})
        say(f"{label} {version}: taawun migrate (load average {load})")
        done = subprocess.run(
            [taawun_bin(), "migrate"], env=env, cwd=ROOT, capture_output=True, text=True
        )
        if done.returncode != 0:
            raise BenchError(f"taawun migrate failed:\n{done.stderr[-3000:]}")
        say(f"{label}: {args.coops} cooperatives, {args.members} members, {args.articles} articles")
        populated = run_worker(
            "bench.soak",
            env,
            "populate",
            "--coops",
            str(args.coops),
            "--members",
            str(args.members),
            "--articles",
            str(args.articles),
            "--seed",
            str(args.seed),
        )
        say(f"{label}: filled in {sum(populated['seconds'].values()):.0f} s")
        log = Path(tmp) / "server.log"
        with serving(env, log) as server:
            say(f"{label}: {args.clients} members for {args.length:g} s")
            db = args.postgres_database if backend == "postgres" else None
            outcomes, length, memory, other = soak(server, populated, args, db)
            alive = server.proc is not None and server.proc.poll() is None
        server_log = log_problems(log.read_text(errors="replace"))
        if not alive:
            server_log.insert(0, "the server stopped during the run")
    errors = Counter(o.error for o in outcomes if o.error)
    report = BackendReport(
        backend=label,
        version=version,
        load=load,
        workers=default_workers(),
        populated={k: populated[k] for k in ("seconds", "words")},
        length=length,
        kinds=summarise(outcomes),
        errors=errors,
        memory=memory,
        other_cpu=other,
        server_log=server_log,
        after_warm_up=sum(1 for o in outcomes if o.at > min(WINDOW_SECONDS, length / 4)),
    )
    say(
        f"{label}: {report.done / length:.1f} actions/s, {report.error_count} errors, "
        f"server memory {memory.total_rss.first:.0f} → {memory.total_rss.last:.0f} MiB"
    )
    return report


# --- the report ------------------------------------------------------------------------------


def _ms(value: float) -> str:
    return f"{value:.0f} ms" if value >= 100 else f"{value:.1f} ms"


def table(report: BackendReport) -> list[str]:
    lines = [
        "| What the members did | Done | Per second | Median | p95 | p99 | Slowest | Errors |",
        "|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for k in report.kinds:
        lines.append(
            f"| {LABELS[k.kind]} | {k.done:,} | {k.done / report.length:.1f} | {_ms(k.p50)} "
            f"| {_ms(k.p95)} | {_ms(k.p99)} | {_ms(k.most)} | {k.errors} |"
        )
    lines.append(
        f"| **All** | **{report.done:,}** | **{report.done / report.length:.1f}** | | | | "
        f"| **{report.error_count}** |"
    )
    return lines


def memory_table(memory: Memory) -> list[str]:
    lines = [
        "| Server process | First minute (median) | Last minute (median) "
        "| Trend after the first minute | Growth by the trend | Flat |",
        "|---|--:|--:|--:|--:|:-:|",
    ]
    rows = [("**All (RSS)**", memory.total_rss), ("All (PSS)", memory.total_pss)]
    rows += list(memory.processes.items())
    for name, t in rows:
        lines.append(
            f"| {name} | {t.first:.1f} MiB | {t.last:.1f} MiB | {t.slope:+.2f} MiB/min "
            f"| {t.growth:+.1f} MiB | {'yes' if t.flat else '**no**'} |"
        )
    return lines


def verdict(report: BackendReport) -> str:
    parts = []
    if report.error_count or report.server_log:
        parts.append("**Errors:** " + "; ".join(report.problems) + ".")
    else:
        parts.append(f"**No errors** in {report.done:,} actions; the server's log is clean.")
    rss = report.memory.total_rss
    if report.memory.restarted:
        parts.append(f"**{report.memory.restarted} workers were replaced during the run.**")
    if rss.flat:
        parts.append(
            f"**Memory flat:** after the first minute the server's memory grew by "
            f"{rss.growth:+.1f} MiB by its trend, within the {rss.tolerance:.1f} MiB allowed."
        )
    else:
        parts.append(
            f"**Memory grew:** {rss.growth:+.1f} MiB after the first minute by its trend, "
            f"more than the {rss.tolerance:.1f} MiB allowed."
        )
    if report.after_warm_up:
        catch = 1024 * rss.tolerance / report.after_warm_up
        parts.append(
            f"At this run's pace ({report.after_warm_up:,} actions after the first minute) "
            f"a leak of {catch:.1f} KiB per action would have exceeded the tolerance."
        )
    return " ".join(parts)


def render(reports: list[BackendReport], info: dict[str, str], args: argparse.Namespace) -> str:
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    workers = reports[0].workers if reports else "?"
    weights = sum(MIX.values())
    mix = ", ".join(f"{LABELS[k].lower()} {w / weights:.0%}" for k, w in MIX.items())
    length = f"{args.length / 60:g} minutes" if args.length >= 60 else f"{args.length:g} s"
    out = [
        START,
        f"## Load held: {args.clients} members reading, voting and searching for {length}",
        "",
        f"Measured {when} with `{command_line(args)}` (also run by `make bench`).",
        "",
        "**Targets:** no errors, and the server's memory flat: after a first minute of "
        "warm-up, the trend of its resident memory (all its processes) adds less than "
        f"{FLAT_MB:g} MiB or {FLAT_SHARE:.0%} of it, whichever is larger, over the rest of "
        "the run. The first minute is left out because a fresh worker grows while it loads "
        "the code, the templates and the translations behind each page for the first time; "
        "after that, a worker serving the same pages should not grow. The tolerance is "
        "above the noise of the samples (a worker's resident set moves by a MiB or two as "
        "the allocator takes and returns pages), and each database below says how small a "
        "leak per action it would catch at the pace of its run.",
        "",
        f"**What runs.** A fresh database per backend (on PostgreSQL `{POSTGRES_DB}`, "
        "dropped afterwards), created by `taawun migrate` and filled through the actions "
        f"(`bench/soak.py`): {args.coops} cooperatives, {args.members} members who applied "
        f"and were admitted, {args.articles} knowledge articles, Arabic and English, three "
        "quarters public (indexed for search as they are written), and in each "
        "cooperative a named yes/no poll and a secret ranked poll, open. The server runs as "
        f"a user runs it, `taawun serve` (gunicorn, {workers} sync workers, the default for "
        "this machine), with `TAAWUN_RATE_LIMITS=off` because every client comes from the "
        "same address (127.0.0.1) and the limits per address would turn most of them away, "
        "and `TAAWUN_OFFICER_2FA=off` (no client is an officer). `taawun worker` is not "
        "started: reading, voting and searching queue no background task.",
        "",
        f"**The mix.** {args.clients} members, spread over the cooperatives, a third of them "
        "reading Arabic, sign in through the sign-in form; then each, in a thread of its "
        "own, loops without pause until the time is up (a closed loop: the load is as high "
        "as the server lets it be): first once each of the things below, then at random "
        f"with these shares: {mix}. A search is for a word of "
        "a public article's title, on the search page; a vote goes through the voting "
        "pages as the casting benchmark does (the poll page, the ballot, *check your vote*, "
        "the confirmation and the page it leads to), and a member who has voted changes "
        "their vote (a secret ballot with its receipt).",
        "",
        "**How it is measured.** Each answer is checked: HTTP 200, signed in, with the "
        "page's own content (a search must find the article), or, for a vote, the server's "
        "acknowledgement (*Your vote is recorded/changed.* or the receipt). *Errors* counts "
        "HTTP errors, 5xx answers (SQLite's *database is locked* among them), wrong pages, "
        "timeouts and refused connections; the server's log is searched for tracebacks, "
        "*database is locked* and worker timeouts. Latency is each action's wall-clock time "
        "at the client, under load (with every client busy, mostly queueing); a vote's is "
        "the whole visit of 3 or 4 requests. Memory: every "
        f"{SAMPLE_SECONDS:g} s the benchmark reads from /proc the resident set (RSS) of "
        "each of the server's processes (the gunicorn arbiter and its workers) and their "
        "proportional set (PSS, shared pages divided among the processes that share them, "
        "so their sum is the memory they really take); *trend* is the least-squares slope "
        "of the samples after the first minute. *Other work* is the share of the machine's "
        "CPU used by neither the server, the database nor the clients, read from /proc/stat "
        "as the platform benchmark does.",
        "",
        f"**Machine.** {info['cpus']} CPUs ({info['cpu']}), {info['memory']} RAM, "
        f"{info['os']}; Python {info['python']}, Django {info['django']}, gunicorn "
        f"{info['gunicorn']}, "
        + ", ".join(f"{r.backend} {r.version}" for r in reports)
        + f". Load average before the run: {info['load']}. The server, the database and the "
        f"clients share the {info['cpus']} cores, and the machine is shared with other work "
        "(reported per database), so throughput and latency move from run to run; errors "
        "and memory growth should not.",
    ]
    for report in reports:
        filled = report.populated["seconds"]
        out += [
            "",
            f"### {report.backend} {report.version}",
            "",
            f"Filled in {sum(filled.values()):.0f} s. The members were active for "
            f"{report.length:.0f} s; other work used {report.other_cpu:.0%} of the machine "
            f"meanwhile. Load average before this database: {report.load}.",
            "",
            *table(report),
            "",
            f"The server's memory, {report.memory.samples} samples:",
            "",
            *memory_table(report.memory),
            "",
            "All its processes' resident memory, the median of each minute in turn: "
            + ", ".join(f"{m:.1f}" for m in report.memory.minutes)
            + " MiB.",
            "",
            verdict(report),
        ]
    out += ["", "Raw figures of the last run: `bench/results/soak.json` (not committed).", END]
    return "\n".join(out) + "\n"


def raw_backend(report: BackendReport) -> dict[str, Any]:
    memory = report.memory
    return {
        "version": report.version,
        "load": report.load,
        "workers": report.workers,
        "populated": report.populated,
        "length": report.length,
        "kinds": [vars(k) for k in report.kinds],
        "errors": dict(report.errors),
        "other_cpu": report.other_cpu,
        "server_log": report.server_log,
        "after_warm_up": report.after_warm_up,
        "memory": {
            "samples": memory.samples,
            "restarted": memory.restarted,
            "total_rss": vars(memory.total_rss),
            "total_pss": vars(memory.total_pss),
            "processes": {name: vars(t) for name, t in memory.processes.items()},
            "minutes": memory.minutes,
        },
    }


def ensure_page(path: Path) -> None:
    """docs/reliability.md, with its title, for a first run on a fresh checkout."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(TITLE)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] != ["worker"]:
        args = parse_args(argv)
        if not args.no_write:
            ensure_page(args.out)
    return database_bench_main(
        "soak",
        argv,
        parse_args=parse_args,
        worker=worker,
        bench_backend=bench_backend,
        render=render,
        raw_backend=raw_backend,
        markers=(START, END, AFTER),
    )


if __name__ == "__main__":
    raise SystemExit(main())
