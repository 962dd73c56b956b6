"""`taawun export-member` and `taawun erase`: a person's data, for operators.

An operator answers a request that came another way (a letter, an email
from the person): export writes the JSON the person could download
themselves; erase runs the same action as the person's own page, without
their password, once the operator confirms with --yes.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from taawun.cli import _, _fail, _setup


def add_parsers(sub: Any) -> None:
    p = sub.add_parser(
        "export-member", help="write everything held about one person as JSON to stdout"
    )
    p.add_argument("--email", required=True, help="the person's email address")
    p.set_defaults(func=run_export)
    p = sub.add_parser(
        "erase", help="erase one person's personal data (ballots, money and ledger stay)"
    )
    p.add_argument("--email", required=True, help="the person's email address")
    p.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")
    p.set_defaults(func=run_erase)


def _person(email: str) -> Any:
    from taawun.accounts.models import User

    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None:
        _fail(_("No account has the email %(email)s.") % {"email": email})
    return user


def run_export(args: argparse.Namespace) -> None:
    _setup()
    from taawun.privacy.export import export_person

    document = export_person(_person(args.email))
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")


def run_erase(args: argparse.Namespace) -> None:
    _setup()
    if not args.yes:
        _fail(_("Erasure cannot be undone: add --yes to confirm."), code=2)
    from taawun.errors import TaawunError
    from taawun.privacy.actions import erase_person

    user = _person(args.email)
    try:
        done = erase_person(user, requested_by="operator")
    except TaawunError as error:
        _fail(str(error.message))
    print(
        _(
            "Erased. Memberships withdrawn: %(withdrawn)d; texts replaced: %(texts)d; "
            "ledgers recording it: %(ledgers)d."
        )
        % {"withdrawn": done.withdrawn, "texts": done.texts, "ledgers": len(done.cooperatives)}
    )
