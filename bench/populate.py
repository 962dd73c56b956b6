"""Fill a freshly migrated database with one cooperative of N members.

Run by bench.run in a subprocess with the same environment the server gets
(DJANGO_SETTINGS_MODULE, DATABASE_URL, TAAWUN_VAR):

    python -m bench.populate fill --members 10000
    python -m bench.populate queries --slug bench-coop --email founder@...

`fill` founds the cooperative through the real action
(taawun.membership.actions.create_cooperative: bylaws, ledger entries, the
founder's membership), then adds the other members with bulk_create through
the models, reusing one precomputed password hash: creating 10,000 people
one by one through the actions would take minutes and measure nothing the
benchmark is about. It prints, as JSON, what the benchmark needs to sign in.

`queries` renders each benchmarked page once in-process (Django's test
client, signed in as the founder) and prints how many SQL queries each
takes: the first thing to look at when a page is slow.

`lookups` times, in-process, the look-ups that nearly every page of a
cooperative makes, each as the plain ORM queryset and as the query compiled
once (taawun.prepared) that the platform uses, side by side in turns, after
checking that both give the same answer:

    python -m bench.populate lookups --slug bench-coop --email founder@...
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

SLUG = "bench-coop"
FOUNDER_EMAIL = "founder@bench.taawun.test"
FOUNDER_PASSWORD = "bench-founder-2026"  # a known password, for signing in
MEMBER_PASSWORD = "bench-member-2026"  # hashed once, shared by every other member
BATCH = 2000


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taawun.settings")
    import django

    django.setup()


def _name(i: int) -> str:
    # Half the names in Arabic, as in a real directory of the network.
    return f"عضو رقم {i}" if i % 2 else f"Member {i}"


def fill(members: int) -> dict[str, Any]:
    _setup()
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from taawun.accounts.models import User
    from taawun.membership import actions
    from taawun.membership.models import Member

    started = time.monotonic()
    founder = User.objects.create_user(
        FOUNDER_EMAIL, FOUNDER_PASSWORD, name="Bench Founder", language="en"
    )
    coop = actions.create_cooperative(
        founder=founder,
        slug=SLUG,
        names={"en": "Bench Cooperative", "ar": "تعاونية القياس"},
        country="EG",
        currency="EGP",
        languages=["ar", "en"],
    )
    shared_hash = make_password(MEMBER_PASSWORD)
    now = timezone.now()
    numbers = range(2, members + 2)  # the founder is number 1
    with transaction.atomic():
        users = User.objects.bulk_create(
            [
                User(
                    email=f"member{i:06d}@bench.taawun.test",
                    name=_name(i),
                    password=shared_hash,
                    language="en" if i % 3 else "ar",
                )
                for i in numbers
            ],
            batch_size=BATCH,
        )
        Member.objects.bulk_create(
            [
                Member(
                    cooperative=coop,
                    user=user,
                    number=i,
                    membership_class="worker",
                    status=Member.Status.ACTIVE,
                    applied_at=now,
                    admitted_at=now,
                )
                for i, user in zip(numbers, users, strict=True)
            ],
            batch_size=BATCH,
        )
    if connection.vendor == "postgresql":
        # What autovacuum does on its own shortly after a bulk load; done
        # here so that the plans do not depend on when it happens to run.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {
        "slug": coop.slug,
        "email": FOUNDER_EMAIL,
        "password": FOUNDER_PASSWORD,
        "members": Member.objects.filter(cooperative=coop).count(),
        "seconds": round(time.monotonic() - started, 1),
    }


def count_queries(email: str, paths: Sequence[str]) -> dict[str, int]:
    """SQL queries per page, rendering each page once (after one warm-up)."""
    _setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from taawun.accounts.models import User

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(email=email))
    client.cookies["taawun_language"] = "en"
    counts: dict[str, int] = {}
    for path in paths:
        client.get(path)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}")
        counts[path] = len(captured.captured_queries)
    return counts


def lookups(email: str, slug: str, *, rounds: int = 7, calls: int = 400) -> list[dict[str, Any]]:
    """Microseconds per call of each look-up, ORM and compiled once, and
    SQL alone (the same statement through a cursor): medians over rounds."""
    _setup()
    import statistics

    from django.db import connection

    from taawun.accounts.models import User
    from taawun.membership import queries, rules
    from taawun.membership.models import Cooperative, Member

    user = User.objects.get(email=email)
    coop = Cooperative.objects.get(slug=slug)

    def versions_orm() -> list[Any]:
        rows = (
            Member.objects.filter(user=user)
            .exclude(status=Member.Status.REJECTED)
            .order_by("pk")
            .values_list("pk", "cooperative__public_id", "cooperative__version")
        )
        return [tuple(row) for row in rows]

    def joined_orm() -> Any:
        member = (
            Member.objects.select_related("cooperative")
            .filter(cooperative__slug=slug, user=user)
            .first()
        )
        return member, member.cooperative if member else None

    # (what, the ORM queryset as the pages asked it before, compiled once)
    cases: list[tuple[str, Callable[[], Any], Callable[[], Any]]] = [
        (
            "The cooperative by its slug",
            lambda: Cooperative.objects.filter(slug=slug).first(),
            lambda: queries.get_cooperative(slug),
        ),
        (
            "A person's membership of it",
            lambda: Member.objects.filter(cooperative=coop, user=user).first(),
            lambda: rules.membership_of(user, coop),
        ),
        (
            "Both in one join (member directory)",
            joined_orm,
            lambda: tuple(reversed(queries.cooperative_as(slug, user))),
        ),
        (
            "A person's membership versions (dashboard)",
            versions_orm,
            lambda: [tuple(v) for v in queries.membership_versions(user)],
        ),
    ]

    def same(a: Any, b: Any) -> bool:
        from django.db.models import Model

        if isinstance(a, Model) or isinstance(b, Model):
            fields = [f.attname for f in type(a)._meta.concrete_fields]
            return type(a) is type(b) and all(getattr(a, f) == getattr(b, f) for f in fields)
        if isinstance(a, tuple | list) and isinstance(b, tuple | list):
            return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
        return bool(a == b)

    def sql_of(run: Callable[[], Any]) -> str:
        """The one statement ``run`` sends, its values written in."""
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            run()
        (query,) = captured.captured_queries
        return str(query["sql"])

    def timed(run: Callable[[], Any]) -> float:
        started = time.perf_counter()
        for _ in range(calls):
            run()
        return (time.perf_counter() - started) / calls * 1e6

    found = []
    for what, orm, prepared in cases:
        if not same(orm(), prepared()):
            raise SystemExit(f"{what}: the compiled query's answer differs from the ORM's")
        sql = sql_of(prepared)

        def raw(sql: str = sql) -> Any:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchall()

        for run in (orm, prepared, raw):  # warm up
            timed(run)
        times: dict[str, list[float]] = {"orm": [], "prepared": [], "sql": []}
        for _ in range(rounds):
            times["orm"].append(timed(orm))
            times["prepared"].append(timed(prepared))
            times["sql"].append(timed(raw))
        ratios = [o / p for o, p in zip(times["orm"], times["prepared"], strict=True)]
        found.append(
            {
                "lookup": what,
                **{k: round(statistics.median(v), 1) for k, v in times.items()},
                "ratio": round(statistics.median(ratios), 2),
            }
        )
    return found


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.populate")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("fill")
    p.add_argument("--members", type=int, default=10_000)
    p = sub.add_parser("queries")
    p.add_argument("--email", default=FOUNDER_EMAIL)
    p.add_argument("paths", nargs="+")
    p = sub.add_parser("lookups")
    p.add_argument("--email", default=FOUNDER_EMAIL)
    p.add_argument("--slug", default=SLUG)
    args = parser.parse_args(argv)
    result: Any
    if args.command == "fill":
        result = fill(args.members)
    elif args.command == "queries":
        result = count_queries(args.email, args.paths)
    else:
        result = lookups(args.email, args.slug)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
