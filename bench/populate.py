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
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
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


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.populate")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("fill")
    p.add_argument("--members", type=int, default=10_000)
    p = sub.add_parser("queries")
    p.add_argument("--email", default=FOUNDER_EMAIL)
    p.add_argument("paths", nargs="+")
    args = parser.parse_args(argv)
    if args.command == "fill":
        result: dict[str, Any] = fill(args.members)
    else:
        result = count_queries(args.email, args.paths)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
