"""Set-up and read-back of the casting benchmark, inside the Django process.

Run by bench.casting in a subprocess with the environment the server gets
(DJANGO_SETTINGS_MODULE, DATABASE_URL, TAAWUN_VAR); the last line printed
is JSON:

    python -m bench.casting_populate prepare --voters 1000
    python -m bench.casting_populate verify --named 1 --secret 2

`prepare` fills the database as bench.populate does (the founder through
the real action, the other members in bulk), then creates and opens two
polls through governance.actions, so that each roll is frozen as it would
be for a real vote: a named yes/no poll and a secret ranked poll (instant
runoff). It then makes one signed-in session per voter with Django's
SessionStore, as the sign-in view does after checking the password. Signing
a thousand voters in through the form would spend minutes in Argon2, and
signing in is not what this benchmark measures.

`verify` closes both polls through governance.actions.close_poll (the
count, the bulletin board and the ledger entry, as an officer would), then
prints what the database holds: every named ballot with its history, every
voter mark, the bulletin board of the secret poll and both results. The
integrity checks themselves are in bench.casting, away from Django.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from bench.populate import FOUNDER_EMAIL, _setup, fill

NAMED_TITLE = "Adopt the 2027 budget?"
SECRET_TITLE = "Elect the coordinator"
SECRET_OPTIONS = ["Amina Haddad", "Bassem Nour", "Chloé Martin", "Dalia Farouk"]


def _messages() -> dict[str, dict[str, str]]:
    """The texts the voting pages show, in each language the site speaks, so
    that the clients know an acknowledgement from an error in any language."""
    from django.conf import settings
    from django.utils import translation
    from django.utils.translation import gettext

    texts: dict[str, dict[str, str]] = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            texts[code] = {
                "recorded": gettext("Your vote is recorded."),
                "changed": gettext("Your vote is changed."),
            }
    return texts


def prepare(voters: int) -> dict[str, Any]:
    _setup()
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.db import transaction
    from django.utils import timezone

    from taawun.accounts.models import User
    from taawun.governance import actions
    from taawun.governance.models import RollEntry
    from taawun.membership.models import Cooperative

    started = time.monotonic()
    # The founder votes too: the roll is the founder and voters - 1 members.
    filled = fill(voters - 1)
    founder = User.objects.get(email=FOUNDER_EMAIL)
    coop = Cooperative.objects.get(slug=filled["slug"])
    closes_at = timezone.now() + timedelta(days=7)
    named = actions.create_poll(
        by=founder,
        coop=coop,
        kind="yes_no",
        title=NAMED_TITLE,
        closes_at=closes_at,
        settings={"secret": False},
    )
    secret = actions.create_poll(
        by=founder,
        coop=coop,
        kind="irv",
        title=SECRET_TITLE,
        closes_at=closes_at,
        options=SECRET_OPTIONS,
        settings={"secret": True},
    )
    named = actions.open_poll(named, by=founder)
    secret = actions.open_poll(secret, by=founder)
    roll = list(
        RollEntry.objects.filter(poll=named)
        .select_related("member__user")
        .order_by("member__number")
    )
    if {e.member_id for e in roll} != set(
        RollEntry.objects.filter(poll=secret).values_list("member_id", flat=True)
    ):
        raise SystemExit("the two polls have different rolls")
    engine = import_module(settings.SESSION_ENGINE)
    people = []
    with transaction.atomic():
        for entry in roll:
            user = entry.member.user
            # What django.contrib.auth.login() stores, without the password check.
            session = engine.SessionStore()
            session[SESSION_KEY] = user._meta.pk.value_to_string(user)
            session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.create()
            people.append(
                {
                    "member": entry.member_id,
                    "weight": entry.weight,
                    "session": session.session_key,
                    "language": user.language or settings.LANGUAGE_CODE,
                }
            )
    return {
        "slug": coop.slug,
        "polls": {
            "named": {
                "id": named.pk,
                "kind": named.kind,
                "options": named.options,
                "roll": named.roll_size,
            },
            "secret": {
                "id": secret.pk,
                "kind": secret.kind,
                "options": secret.options,
                "roll": secret.roll_size,
            },
        },
        "voters": people,
        "messages": _messages(),
        "seconds": round(time.monotonic() - started, 1),
    }


def verify(named_id: int, secret_id: int) -> dict[str, Any]:
    """Close both polls through the action, then read back what was counted."""
    _setup()
    from taawun.accounts.models import User
    from taawun.governance import actions
    from taawun.governance.models import Ballot, Poll, VoterMark

    founder = User.objects.get(email=FOUNDER_EMAIL)
    named = actions.close_poll(Poll.objects.get(pk=named_id), by=founder)
    secret = actions.close_poll(Poll.objects.get(pk=secret_id), by=founder)
    board = actions.bulletin_board(secret)
    return {
        "named": {
            "state": named.state,
            "ballots": [
                {"voter": b.voter_id, "choice": b.choice, "current": b.replaced_at is None}
                for b in Ballot.objects.filter(poll=named).order_by("id")
            ],
            "result": named.result,
        },
        "secret": {
            "state": secret.state,
            "marks": list(
                VoterMark.objects.filter(poll=secret)
                .order_by("member_id")
                .values_list("member_id", flat=True)
            ),
            "board": board["ballots"],
            "result": secret.result,
        },
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.casting_populate")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--voters", type=int, default=1000)
    p = sub.add_parser("verify")
    p.add_argument("--named", type=int, required=True)
    p.add_argument("--secret", type=int, required=True)
    args = parser.parse_args(argv)
    result = prepare(args.voters) if args.command == "prepare" else verify(args.named, args.secret)
    json.dump(result, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
