# ruff: noqa: RUF001 - the benchmark writes Arabic
"""`python -m bench.search`: search over many articles, on SQLite and PostgreSQL.

The issue: search over 100,000 articles, mixed Arabic and English, generated
by the benchmark: the median query latency and the 99th percentile, on
SQLite and on PostgreSQL; target a median under 50 ms.

For each database this makes a fresh database (on PostgreSQL,
`taawun_bench_search`, dropped afterwards), runs `taawun migrate`, and, in a
Django process of its own, fills it:

- two cooperatives founded through `membership.actions.create_cooperative`,
  in one network (`membership.networks`), and one member of each;
- ``--articles`` articles, half Arabic and half English, 150 to 400 words
  each in paragraphs, with 4 to 8 words of title; their words are drawn
  from a Zipf distribution (exponent ``ZIPF``) over a vocabulary per
  language of real words (``ARABIC``, ``ENGLISH``: the frequent head) and
  made-up ones (the long tail), so that a word's selectivity is realistic:
  a few words are in most articles, most words in few. An Arabic word
  carries a prefix (و، ال، بال، لل…) as often as in running text. 60% of
  the articles are public, 20% shared with the network, 20% for the
  cooperative's members; 80% belong to the first cooperative. They are
  written with ``bulk_create`` (no signals), and then the index is built by
  `taawun.knowledge.search.documents.reindex_all`, the very code that
  `taawun search reindex` runs, so the index rows are those the signals
  would have written (timed and reported).

Then, in a fresh Django process, ``--queries`` fixed queries (``queries()``:
Arabic words written with a prefix, with short vowels, tatweel or another
hamza form than the article's; English words and plurals; two-word
queries; frequent, middling and rare words) are each run ``--rounds`` times
as a visitor and as a member of the first cooperative, after one round of
warm-up, through `taawun.knowledge.search.search`: the reader's scope, the
ranked page of 20, the count (up to 1,000) and the highlighted titles and
snippets, everything a search page needs but the HTML. Each run is timed
with a wall clock; the figures are the median and the 99th percentile over
all runs.

The section between `<!-- bench:search:start -->` and
`<!-- bench:search:end -->` in docs/benchmarks.md is rewritten; the raw
figures go to bench/results/search.json (not committed).

    .venv/bin/python -m bench.search [--articles 100000] [--queries 200]
        [--rounds 3] [--seed 1] [--backends sqlite,postgres]
        [--out docs/benchmarks.md | --no-write]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.allocation_db import Parser
from bench.run import (
    BenchError,
    add_database_arguments,
    base_env,
    database_bench_main,
    fresh_database,
    parsed_backends,
    reproducing_command,
    run_worker,
    say,
    taawun_bin,
)

START = "<!-- bench:search:start -->"
END = "<!-- bench:search:end -->"
AFTER = "<!-- bench:allocation-db:end -->"  # where the section goes the first time
POSTGRES_DB = "taawun_bench_search"
TARGET_MS = 50.0
DEFAULTS: dict[str, Any] = {"articles": 100_000, "queries": 200, "rounds": 3, "seed": 1}
ZIPF = 1.05
TAIL = 20_000  # made-up words per language, after the real ones
CHUNK = 5_000  # articles generated and written at a time
FOUNDER_EMAIL = "founder@search.bench.taawun.test"
MEMBER_EMAIL = "member@search.bench.taawun.test"

# The frequent head of each vocabulary, most frequent first (function words
# first, as in running text).
ARABIC = (
    "في من على إلى أن عن مع هذا التي الذي كان بين كل بعد قبل حتى لا ما هو هي "
    "نحن هم عند أو ثم قد كما لكن غير بعض أي منذ خلال حول ضد دون تعاونية "
    "التعاونيات عضو أعضاء الجمعية العمومية مجلس إدارة قرار تصويت اقتراح نقاش "
    "الأرباح الفائض رأس مال حصة ميزانية حساب سنة عام شهر يوم اجتماع محضر "
    "عمل عامل عمال مشروع مشاريع تدريب دورة درس معرفة مهارة مهارات برمجيات "
    "برمجة حاسوب شبكة إنترنت موقع تطبيق خدمة خدمات عميل عملاء سوق بيع شراء "
    "سعر تكلفة إنتاج زراعة مزارع محصول قمح قطن ألبان حليب جبن خبز مخبز "
    "طاقة شمسية كهرباء ماء مياه بيت سكن إسكان مسكن بناء أرض قرية مدينة "
    "مصر القاهرة الإسكندرية صعيد شمال جنوب شرق غرب طريق نقل سيارة حافلة "
    "مستشفى صحة طبيب دواء مدرسة تعليم طالب معلم مكتبة كتاب كتب قراءة "
    "كتابة لغة عربية ترجمة نساء رجال شباب أطفال أسرة مجتمع تضامن تعاون "
    "مساواة ديمقراطية شفافية مسؤولية ثقة قانون نظام لائحة عقد اتفاق شريك "
    "شركاء تمويل قرض قروض بنك ادخار استثمار دعم منحة تقرير خطة هدف نتيجة "
    "جودة سلامة بيئة نفايات تدوير مناخ غذاء طعام مطبخ مطعم سياحة صناعة "
    "حرفة نسيج خياطة تصميم فن موسيقى إعلام صحيفة رسالة بريد هاتف"
).split()
ENGLISH = (
    "the of and to in a is that for it as with on by this be are from or at "
    "an was which have not all their can more will one has we our members "
    "cooperative cooperatives member meeting general assembly board decision "
    "vote voting proposal discussion surplus profit capital share shares "
    "budget account year month week day minutes work worker workers project "
    "projects training course lesson knowledge skill skills software "
    "programming computer network internet website application service "
    "services customer customers market sale sales price cost production "
    "farming farm farmer crop wheat cotton dairy milk cheese bread bakery "
    "energy solar electricity water house housing home building land village "
    "city cairo north south east west road transport car bus hospital health "
    "doctor medicine school education student teacher library book books "
    "reading writing language arabic translation women men youth children "
    "family community solidarity cooperation equality democracy transparency "
    "responsibility trust law rules bylaws contract agreement partner partners "
    "funding loan loans bank savings investment support grant report plan "
    "goal result quality safety environment waste recycling climate food "
    "kitchen restaurant tourism industry craft textile sewing design art music "
    "media newspaper letter mail phone running managed organised planning"
).split()
ARABIC_LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
ENGLISH_SYLLABLES = (
    "ba be bi bo bu ka ke ki ko ku la le li lo lu ma me mi mo mu na ne ni no nu "
    "ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo vu za ze zi zo zu"
).split()
# Prefixes an Arabic word of the text carries, with how often.
PREFIXED = (("ال", 0.18), ("و", 0.06), ("وال", 0.04), ("بال", 0.03), ("لل", 0.02), ("ب", 0.02))


# --- arguments -------------------------------------------------------------------------------


def build_parser() -> Parser:
    parser = Parser(
        prog="python -m bench.search",
        description="Search many generated articles, mixed Arabic and English, on SQLite "
        "and PostgreSQL: median and 99th percentile of the query latency.",
    )
    parser.add_argument("--articles", type=int, default=DEFAULTS["articles"])
    parser.add_argument("--queries", type=int, default=DEFAULTS["queries"])
    parser.add_argument("--rounds", type=int, default=DEFAULTS["rounds"])
    parser.add_argument("--seed", type=int, default=DEFAULTS["seed"], help="for the articles")
    add_database_arguments(parser, POSTGRES_DB)
    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = build_parser()
    args = parser.parse_args(argv)
    backends = parsed_backends(parser, args)
    if args.articles < 100:
        parser.error("--articles must be at least 100")
    if not 10 <= args.queries <= 1000:
        parser.error("--queries must be between 10 and 1000")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    args.backend_list = backends
    return args


def command_line(args: argparse.Namespace) -> str:
    return reproducing_command("bench.search", args, DEFAULTS)


# --- the generated language ------------------------------------------------------------------


def vocabulary(language: str, seed: int) -> list[str]:
    """The real words, then TAIL made-up ones, in order of frequency."""
    import random

    rng = random.Random(f"{language}-{seed}")
    head = ARABIC if language == "ar" else ENGLISH
    words = list(dict.fromkeys(head))
    seen = set(words)
    while len(words) < len(head) + TAIL:
        if language == "ar":
            word = "".join(rng.choice(ARABIC_LETTERS) for _ in range(rng.randint(3, 6)))
        else:
            word = "".join(rng.choice(ENGLISH_SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


class Writer:
    """Draws titles and bodies from a language's Zipf-distributed vocabulary."""

    def __init__(self, language: str, seed: int) -> None:
        import numpy as np

        self.language = language
        self.words = vocabulary(language, seed)
        ranks = np.arange(1, len(self.words) + 1, dtype=np.float64)
        weights = ranks**-ZIPF
        self.cumulative = np.cumsum(weights / weights.sum())
        self.rng = np.random.default_rng(seed + (0 if language == "ar" else 1))
        cuts = np.cumsum([share for _p, share in PREFIXED])
        self.prefix_cuts, self.prefixes = cuts, [p for p, _s in PREFIXED]

    def _draw(self, count: int) -> list[str]:
        import numpy as np

        picks = np.searchsorted(self.cumulative, self.rng.random(count))
        words = [self.words[min(i, len(self.words) - 1)] for i in picks.tolist()]
        if self.language == "ar":
            rolls = self.rng.random(count).tolist()
            for i, roll in enumerate(rolls):
                if roll < self.prefix_cuts[-1] and not words[i].startswith("ال"):
                    prefix = self.prefixes[int(np.searchsorted(self.prefix_cuts, roll))]
                    words[i] = prefix + words[i]
        return words

    def title(self) -> str:
        return " ".join(self._draw(int(self.rng.integers(4, 9))))

    def body(self) -> str:
        words = self._draw(int(self.rng.integers(150, 401)))
        paragraphs, sentence, paragraph = [], [], []
        for word in words:
            sentence.append(word)
            if len(sentence) >= 12:
                paragraph.append(" ".join(sentence) + ".")
                sentence = []
                if len(paragraph) >= 5:
                    paragraphs.append(" ".join(paragraph))
                    paragraph = []
        if sentence:
            paragraph.append(" ".join(sentence) + ".")
        if paragraph:
            paragraphs.append(" ".join(paragraph))
        return "\n\n".join(paragraphs)


# Ways an Arabic query word may be typed other than as the articles spell it.
def _arabic_variant(word: str, how: int) -> str:
    if how == 0:
        return "ال" + word if not word.startswith("ال") else "و" + word
    if how == 1:
        return "".join(c + "\u064e" if c != "ا" else c for c in word)  # a fatha on each letter
    if how == 2:
        return word[:2] + "\u0640\u0640" + word[2:]  # tatweel
    if how == 3:
        return word.replace("ا", "أ", 1) if "ا" in word else "بال" + word
    if how == 4:
        return word.replace("ة", "ه").replace("ى", "ي").replace("إ", "ا").replace("أ", "ا")
    return "لل" + word


def queries(count: int, seed: int = 1) -> list[tuple[str, str]]:
    """``count`` fixed queries as (kind of query, text): a fifth each of
    frequent Arabic words (ranks 20-200 of the vocabulary, typed in another
    spelling), rare Arabic words (ranks 300-5,000), frequent and rare
    English words (a quarter of them in the plural), and two-word queries;
    the very frequent function words are left out, as readers do not
    search for them."""
    import random

    rng = random.Random(seed)
    ar, en = vocabulary("ar", seed), vocabulary("en", seed)

    def pick(words: list[str], low: int, high: int) -> str:
        return words[rng.randrange(low, min(high, len(words)))]

    out: list[tuple[str, str]] = []
    per = count // 5
    for i in range(per):
        out.append(("Arabic, frequent word", _arabic_variant(pick(ar, 20, 200), i % 6)))
    for i in range(per):
        out.append(("Arabic, rare word", _arabic_variant(pick(ar, 300, 5000), i % 6)))
    for i in range(per):
        word = pick(en, 20, 200)
        out.append(("English, frequent word", word + "s" if i % 4 == 0 else word))
    for _ in range(per):
        out.append(("English, rare word", pick(en, 300, 5000)))
    while len(out) < count:
        if len(out) % 2:
            text = f"{pick(ar, 20, 300)} {_arabic_variant(pick(ar, 20, 1000), len(out) % 6)}"
            out.append(("Two words, Arabic", text))
        else:
            out.append(("Two words, English", f"{pick(en, 20, 300)} {pick(en, 20, 1000)}"))
    return out


# --- inside the Django process ---------------------------------------------------------------


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taawun.settings")
    import django

    django.setup()


def populate(articles: int, seed: int) -> dict[str, Any]:
    _setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from taawun.accounts.models import User
    from taawun.knowledge.models import Article
    from taawun.knowledge.search import engine
    from taawun.knowledge.search.documents import reindex_all
    from taawun.membership import actions, networks

    started = time.monotonic()
    founder = User.objects.create_user(FOUNDER_EMAIL, None, name="Bench Founder")
    other = User.objects.create_user("other@search.bench.taawun.test", None, name="Other")
    coops = [
        actions.create_cooperative(
            founder=user,
            slug=slug,
            names={"en": slug, "ar": slug},
            country="EG",
            currency="EGP",
            languages=["ar", "en"],
        )
        for user, slug in ((founder, "bench-search"), (other, "bench-search-b"))
    ]
    network = networks.create_network(slug="bench-network", names={"en": "Bench network"})
    for coop in coops:
        networks.join_network(coop, network)
    member = User.objects.create_user(MEMBER_EMAIL, None, name="Bench Member")
    applied = actions.apply_for_membership(user=member, coop=coops[0], membership_class="worker")
    actions.admit_member(applied, by=founder)
    authors = [coop.members.get(number=1) for coop in coops]

    import numpy as np

    rng = np.random.default_rng(seed)
    writers = {"ar": Writer("ar", seed), "en": Writer("en", seed)}
    now = timezone.now()
    made = 0
    seconds: dict[str, float] = {}
    while made < articles:
        size = min(CHUNK, articles - made)
        rows = []
        for i in range(made, made + size):
            language = "ar" if i % 2 == 0 else "en"
            writer = writers[language]
            roll = rng.random()
            visibility = "public" if roll < 0.6 else "network" if roll < 0.8 else "cooperative"
            owner = 0 if rng.random() < 0.8 else 1
            rows.append(
                Article(
                    cooperative=coops[owner],
                    slug=f"a{i}",
                    language=language,
                    title=writer.title(),
                    body=writer.body(),
                    visibility=visibility,
                    author=authors[owner],
                    created_at=now,
                    updated_at=now,
                    revision_count=1,
                )
            )
        with transaction.atomic():
            Article.objects.bulk_create(rows, batch_size=1000)
        made += size
    seconds["articles"] = time.monotonic() - started

    started = time.monotonic()
    counts = reindex_all()
    engine.tidy()  # as `taawun search reindex` does
    seconds["index"] = time.monotonic() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would, soon after a bulk load
    return {"articles": made, "documents": sum(counts.values()), "seconds": seconds}


def measure(count: int, rounds: int) -> dict[str, Any]:
    _setup()
    from taawun.accounts.models import User
    from taawun.knowledge.search import search

    readers = {"visitor": None, "member": User.objects.get(email=MEMBER_EMAIL)}
    mix = queries(count)
    timings: dict[str, list[float]] = {name: [] for name in readers}
    by_kind: dict[str, list[float]] = {}
    found: dict[str, list[int]] = {name: [] for name in readers}
    for number in range(rounds + 1):  # round 0 warms the caches up, untimed
        for name, user in readers.items():
            for kind, text in mix:
                started = time.perf_counter()
                results = search(text, user=user)
                elapsed = (time.perf_counter() - started) * 1000
                if number == 0:
                    found[name].append(results.total + (1 if results.more else 0))
                    continue
                timings[name].append(elapsed)
                by_kind.setdefault(kind, []).append(elapsed)
    return {"timings": timings, "by_kind": by_kind, "found": found, "queries": mix}


def worker(argv: Sequence[str]) -> int:
    """`python -m bench.search worker populate|measure ...`, run by the
    benchmark in a process of its own per database; prints JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.search worker")
    parser.add_argument("phase", choices=["populate", "measure"])
    parser.add_argument("--articles", type=int, default=DEFAULTS["articles"])
    parser.add_argument("--queries", type=int, default=DEFAULTS["queries"])
    parser.add_argument("--rounds", type=int, default=DEFAULTS["rounds"])
    parser.add_argument("--seed", type=int, default=DEFAULTS["seed"])
    args = parser.parse_args(argv)
    if args.phase == "populate":
        result = populate(args.articles, args.seed)
    else:
        result = measure(args.queries, args.rounds)
    sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    return 0


# --- the benchmark ---------------------------------------------------------------------------


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (``share`` of 1)."""
    ordered = sorted(values)
    rank = max(1, round(share * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass
class BackendReport:
    backend: str
    version: str
    load: str
    populated: dict[str, Any]
    measured: dict[str, Any]
    size: str

    def all_timings(self) -> list[float]:
        return [t for times in self.measured["timings"].values() for t in times]

    def median(self, reader: str | None = None) -> float:
        times = self.measured["timings"][reader] if reader else self.all_timings()
        return statistics.median(times)

    def p99(self, reader: str | None = None) -> float:
        times = self.measured["timings"][reader] if reader else self.all_timings()
        return percentile(times, 0.99)

    @property
    def met(self) -> bool:
        return self.median() < TARGET_MS


def _size(url: str, var: Path) -> str:
    if url.startswith("sqlite"):
        return f"{(var / 'bench.sqlite3').stat().st_size / 2**20:,.0f} MiB database file"
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT pg_size_pretty(pg_total_relation_size('knowledge_searchdocument')), "
            "pg_size_pretty(pg_database_size(current_database()))"
        ).fetchone()
    return f"search table {row[0]} (with its indexes), database {row[1]}" if row else "?"


def bench_backend(backend: str, args: argparse.Namespace) -> BackendReport:
    label = {"sqlite": "SQLite", "postgres": "PostgreSQL"}[backend]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    with (
        tempfile.TemporaryDirectory(prefix=f"taawun-bench-search-{backend}-") as tmp,
        fresh_database(backend, Path(tmp), args.postgres_url, POSTGRES_DB) as (url, version),
    ):
        env = base_env(url, Path(tmp))
        say(f"{label} {version}: taawun migrate (load average {load})")
        done = subprocess.run([taawun_bin(), "migrate"], env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise BenchError(f"taawun migrate failed:\n{done.stderr[-3000:]}")
        say(f"{label}: {args.articles:,} articles")
        populated = run_worker(
            "bench.search",
            env,
            "populate",
            "--articles",
            str(args.articles),
            "--seed",
            str(args.seed),
        )
        filled = populated["seconds"]
        say(f"{label}: written in {filled['articles']:.0f} s, indexed in {filled['index']:.0f} s")
        measured = run_worker(
            "bench.search",
            env,
            "measure",
            "--queries",
            str(args.queries),
            "--rounds",
            str(args.rounds),
        )
        size = _size(url, Path(tmp))
    report = BackendReport(label, version, load, populated, measured, size)
    say(f"{label}: median {report.median():.1f} ms, p99 {report.p99():.1f} ms")
    return report


# --- the report ------------------------------------------------------------------------------


def _ms(value: float) -> str:
    return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"


def table(report: BackendReport) -> list[str]:
    timings = report.measured["timings"]
    lines = [
        "| Reader | Searches timed | Median | p99 | Median < 50 ms |",
        "|---|--:|--:|--:|:-:|",
    ]
    for reader, label in (("visitor", "Visitor (public only)"), ("member", "Member")):
        median = report.median(reader)
        lines.append(
            f"| {label} | {len(timings[reader]):,} | {_ms(median)} | "
            f"{_ms(report.p99(reader))} | {'yes' if median < TARGET_MS else '**no**'} |"
        )
    lines.append(
        f"| **Both** | {len(report.all_timings()):,} | **{_ms(report.median())}** | "
        f"**{_ms(report.p99())}** | {'yes' if report.met else '**no**'} |"
    )
    lines += ["", "| Queries | Median | p99 | Slowest |", "|---|--:|--:|--:|"]
    for kind, times in report.measured["by_kind"].items():
        lines.append(
            f"| {kind} | {_ms(statistics.median(times))} | {_ms(percentile(times, 0.99))} "
            f"| {_ms(max(times))} |"
        )
    return lines


def render(reports: list[BackendReport], info: dict[str, str], args: argparse.Namespace) -> str:
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    examples = ", ".join(f"`{text}`" for _kind, text in queries(args.queries)[::37][:6])
    out = [
        START,
        "## Search: 100,000 articles, Arabic and English",
        "",
        f"Measured {when} with `{command_line(args)}`.",
        "",
        f"**Target:** a median query latency under {TARGET_MS:.0f} ms on each database.",
        "",
        f"**What runs.** A fresh database per backend, created by `taawun migrate`; "
        f"{args.articles:,} generated articles, half Arabic and half English, 150 to 400 "
        "words each, their words drawn from a Zipf distribution over a vocabulary per "
        "language (a few hundred real words, then 20,000 made-up ones), Arabic words with "
        "their prefixes (و، ال، بال، لل…) as in running text; 60% public, 20% shared with "
        "the network, 20% for members. The articles are written in bulk, then indexed by "
        "`reindex_all`, the code `taawun search reindex` runs (`bench/search.py`).",
        "",
        f"**How it is measured.** {args.queries} fixed queries (frequent and rare words, "
        "Arabic typed with another prefix, short vowels, tatweel or another hamza form "
        "than the articles, English words and plurals, two-word queries; e.g. "
        f"{examples}), each run {args.rounds} times as a visitor and as a member of the "
        "first cooperative, after one untimed round, in one Django process, through "
        "`taawun.knowledge.search.search`: the reader's scope, the first page of 20 "
        "ranked results, the count (up to 1,000), the highlighted titles and snippets. "
        "Wall-clock time per search; median and 99th percentile (nearest rank) over every "
        "run.",
        "",
        f"**Machine.** {info['cpus']} CPUs ({info['cpu']}), {info['memory']} RAM, "
        f"{info['os']}; Python {info['python']}, Django {info['django']}, "
        + ", ".join(f"{r.backend} {r.version}" for r in reports)
        + f". Load average before the run: {info['load']}. The machine is shared with "
        "other work, so figures move from run to run.",
    ]
    for report in reports:
        filled = report.populated["seconds"]
        out += [
            "",
            f"### {report.backend} {report.version}",
            "",
            f"{report.populated['articles']:,} articles written in {filled['articles']:.0f} s "
            f"and indexed in {filled['index']:.0f} s ({report.size}). Load average before "
            f"this database: {report.load}.",
            "",
            *table(report),
            "",
            (
                f"The median, {_ms(report.median())}, meets the target."
                if report.met
                else f"**The median, {_ms(report.median())}, misses the target.**"
            ),
        ]
    out += ["", "Raw figures of the last run: `bench/results/search.json` (not committed).", END]
    return "\n".join(out) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    return database_bench_main(
        "search",
        argv,
        parse_args=parse_args,
        worker=worker,
        bench_backend=bench_backend,
        render=render,
        raw_backend=lambda r: {
            "version": r.version,
            "load": r.load,
            "size": r.size,
            "populated": r.populated,
            "measured": r.measured,
        },
        markers=(START, END, AFTER),
    )


if __name__ == "__main__":
    raise SystemExit(main())
