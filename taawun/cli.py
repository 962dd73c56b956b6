"""The `taawun` command.

Every subcommand reads the database from DATABASE_URL (default: the SQLite
file in var/). `ledger verify` needs no database at all: anyone can run it on
an exported file.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

EXIT_USAGE = 2


class Parser(argparse.ArgumentParser):
    """Wrong arguments: one line saying why, exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _setup() -> None:
    """Configure Django (this opens no database connection) and speak the
    language of the person at the terminal (LC_ALL / LC_MESSAGES / LANG)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taawun.settings")
    import django

    django.setup()
    from django.utils import translation

    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value[:2] in ("ar", "en"):
            translation.activate(value[:2])
            break
    else:
        translation.activate("en")


def _(message: str) -> str:
    from django.utils.translation import gettext

    return gettext(message)


def _fail(message: str, code: int = 1) -> NoReturn:
    print(f"taawun: {message}", file=sys.stderr)
    raise SystemExit(code)


def _manage(*argv: str) -> None:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["taawun manage", *argv])


# --- subcommands ---------------------------------------------------------


def cmd_serve(args: argparse.Namespace) -> None:
    _setup()
    _manage("collectstatic", "--noinput", "--verbosity", "0")
    from gunicorn.app.wsgiapp import run

    sys.argv = [
        "gunicorn",
        "taawun.wsgi:application",
        "--bind",
        f"{args.host}:{args.port}",
        "--workers",
        str(args.workers),
        "--access-logfile",
        "-" if args.access_log else "/dev/null",
        "--timeout",
        "60",
    ]
    run()


def cmd_worker(args: argparse.Namespace) -> None:
    """The background tasks (django-tasks' db_worker) and, beside them in a
    thread, the delivery of activities to other servers."""
    _setup()
    from taawun.federation import delivery

    if args.once:
        # Deliver what is due, run the queued tasks, then deliver what
        # they queued.
        _report_deliveries(delivery.deliver_due())
        _manage("db_worker", "--batch", "--no-startup-delay")
        _report_deliveries(delivery.deliver_due())
        return
    import threading

    from django.conf import settings
    from django.utils.autoreload import DJANGO_AUTORELOAD_ENV

    stop = threading.Event()
    loop = threading.Thread(target=delivery.run_forever, args=(stop,), name="delivery", daemon=True)
    # With DEBUG, db_worker reloads on code changes: this process then only
    # watches the files, and the child it starts delivers.
    if not settings.DEBUG or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
        loop.start()
    try:
        _manage("db_worker")
    finally:
        stop.set()
        if loop.is_alive():
            # Sends under way end within their timeout.
            loop.join(timeout=30)


def _report_deliveries(done: Any) -> None:
    if done.claimed:
        print(
            _(
                "Deliveries to other servers — delivered: %(delivered)d, to retry: "
                "%(retrying)d, given up: %(abandoned)d."
            )
            % {"delivered": done.delivered, "retrying": done.retrying, "abandoned": done.abandoned}
        )


def cmd_migrate(args: argparse.Namespace) -> None:
    _setup()
    _manage("migrate", "--noinput", "--verbosity", "1" if args.verbose else "0")
    # The rate limits' counters live in a cache table (settings.CACHES).
    _manage("createcachetable")


def cmd_demo(args: argparse.Namespace) -> None:
    _setup()
    from taawun.membership.demo import load_demo

    report = load_demo()
    print(report)


def cmd_createcoop(args: argparse.Namespace) -> None:
    _setup()
    from taawun.accounts.models import User
    from taawun.errors import TaawunError
    from taawun.membership import actions

    founder = User.objects.filter(email__iexact=args.founder).first()
    if founder is None:
        _fail(_("No account has the email %(email)s.") % {"email": args.founder})
    names = {k: v for k, v in (("en", args.name_en), ("ar", args.name_ar)) if v}
    try:
        coop = actions.create_cooperative(
            founder=founder,
            slug=args.slug,
            names=names,
            country=args.country,
            currency=args.currency,
            languages=args.languages.split(","),
        )
    except TaawunError as error:
        _fail(str(error.message))
    print(coop.slug)


def cmd_coops(args: argparse.Namespace) -> None:
    _setup()
    from taawun.membership.models import Cooperative

    coops = [
        {"slug": c.slug, "names": c.names, "country": c.country, "currency": c.currency}
        for c in Cooperative.objects.order_by("slug")
    ]
    if args.json:
        print(json.dumps(coops, ensure_ascii=False, indent=2))
        return
    for c in coops:
        names = " / ".join(c["names"][k] for k in sorted(c["names"]))
        print(f"{c['slug']}\t{c['country']}\t{names}")


def cmd_ledger_export(args: argparse.Namespace) -> None:
    _setup()
    from taawun.errors import TaawunError
    from taawun.ledger.queries import export_lines
    from taawun.membership.queries import get_cooperative

    try:
        coop = get_cooperative(args.coop)
    except TaawunError as error:
        _fail(str(error.message))
    out = sys.stdout.buffer
    for line in export_lines(str(coop.public_id)):
        out.write(line)
    out.flush()


def cmd_ledger_verify(args: argparse.Namespace) -> None:
    # No database is opened: only the pure chain module and the translations.
    _setup()
    from django.utils.translation import ngettext

    from taawun.ledger.chain import verify_file

    try:
        result = verify_file(args.file, expected_head=args.head)
    except OSError as error:
        _fail(_("Cannot read %(file)s: %(reason)s") % {"file": args.file, "reason": error.strerror})
    if result.ok:
        print(
            ngettext(
                "ok: %(count)d entry, head %(head)s",
                "ok: %(count)d entries, head %(head)s",
                result.count,
            )
            % {"count": result.count, "head": result.head}
        )
        return
    reasons = {
        "unreadable": _("the line is not a JSON entry"),
        "not_canonical": _("the line was changed (it is not in canonical form)"),
        "missing_field": _("the entry lacks a field or a field has the wrong type"),
        "sequence": _("the sequence number is out of order (an entry removed or moved)"),
        "coop": _("the entry belongs to another cooperative's chain"),
        "prev": _("the entry does not follow the one before it"),
        "hash": _("the entry's content does not match its hash"),
        "head": _("the file does not end at the expected head (entries missing at the end)"),
    }
    reason = reasons.get(result.problem or "", result.problem or "")
    print(
        _("broken at entry %(seq)s: %(reason)s") % {"seq": result.broken_seq, "reason": reason},
        file=sys.stderr,
    )
    raise SystemExit(1)


# Params of a tally error that are words of the message rather than names
# from the file: they are translated too.
TRANSLATED_PARAMS = ("what", "meaning")


def tally_message(error: Any) -> str:
    """A tally error in the reader's language: the library marks its English
    templates (``gettext_noop``) and gives the params; Django translates."""
    params = {
        key: _(value) if key in TRANSLATED_PARAMS and isinstance(value, str) else value
        for key, value in error.params.items()
    }
    try:
        return _(error.template) % params if params else _(error.template)
    except (KeyError, TypeError, ValueError):
        return str(error.message)


def cmd_tally(args: argparse.Namespace) -> None:
    """Count a ballot file (BLT, PrefLib, JSON) with no database."""
    _setup()
    import dataclasses

    from taawun.tally import TallyInputError, count_ballot_file, read_ballot_file

    method = "meek" if args.method == "stv" and args.rule == "meek" else args.method
    try:
        ballots = read_ballot_file(args.file)
        if args.seats is not None:
            ballots = dataclasses.replace(ballots, seats=args.seats)
        result = count_ballot_file(ballots, method=method, seed=args.seed)
    except OSError as error:
        _fail(_("Cannot read %(file)s: %(reason)s") % {"file": args.file, "reason": error.strerror})
    except TallyInputError as error:
        where = _("line %(line)s: ") % {"line": error.line} if error.line else ""
        _fail(f"{args.file}: {where}{tally_message(error)}")
    detail = result.to_dict()
    if args.format == "json":
        print(result.to_json(indent=2))
        return
    print(f"{detail.get('method')} · {_('seats')}: {detail.get('seats', 1)}")
    for number, round_ in enumerate(detail.get("rounds", []), start=1):
        print(_("Round %(n)d") % {"n": number})
        for name, votes in round_.get("tallies", {}).items():
            print(f"  {name}\t{votes}")
        for key, label in (("elected", _("Elected:")), ("excluded", _("Excluded:"))):
            if round_.get(key):
                print(f"  {label} {', '.join(round_[key])}")
    print(_("Winners:"), ", ".join(detail.get("winners", [])))


def cmd_recount(args: argparse.Namespace) -> None:
    """Recount a published bulletin board and compare with its result."""
    _setup()
    import json as jsonlib

    from taawun.governance.counting import count
    from taawun.governance.models import Poll

    try:
        with open(args.board, encoding="utf-8") as handle:
            board = jsonlib.load(handle)
        poll = Poll(
            kind=board["kind"],
            options=board["options"],
            settings=board["settings"],
            roll_size=board["roll_size"],
        )
        published = board["result"]
        recounted = count(poll, board["ballots"], seed=published["seed"])
    except OSError as error:
        _fail(
            _("Cannot read %(file)s: %(reason)s") % {"file": args.board, "reason": error.strerror}
        )
    except (ValueError, KeyError, TypeError, IndexError):
        _fail(_("%(file)s is not a bulletin board published by Taawun.") % {"file": args.board})
    if recounted != published:
        _fail(_("The recount differs from the published result."))
    print(
        _("ok: %(n)d ballots recounted; the result matches the published one.")
        % {"n": len(board["ballots"])}
    )


def cmd_search_reindex(args: argparse.Namespace) -> None:
    _setup()
    from django.utils.translation import ngettext

    from taawun.knowledge.search import engine
    from taawun.knowledge.search.documents import reindex_all

    counts = reindex_all()
    engine.tidy()
    total = sum(counts.values())
    print(
        ngettext("Indexed %(count)d document.", "Indexed %(count)d documents.", total)
        % {"count": total}
    )
    for kind, count in counts.items():
        print(f"  {kind}\t{count}")


def cmd_search_query(args: argparse.Namespace) -> None:
    """Search as a visitor, or as the person with the account ``--as``."""
    _setup()
    from taawun.accounts.models import User
    from taawun.errors import TaawunError
    from taawun.knowledge.search import search

    user = None
    if args.as_email:
        user = User.objects.filter(email__iexact=args.as_email).first()
        if user is None:
            _fail(_("No account has the email %(email)s.") % {"email": args.as_email})
    try:
        results = search(
            args.words,
            user=user,
            kind=args.kind,
            language=args.lang,
            cooperative=args.coop,
            page=args.page,
        )
    except TaawunError as error:
        _fail(str(error.message))
    if results.query.empty:
        _fail(_("Type a word to search for: punctuation and marks alone find nothing."))
    if args.json:
        hits = [
            {
                "kind": h.kind,
                "title": str(h.title),
                "url": h.url,
                "snippet": str(h.snippet),
                "cooperative": h.cooperative_slug,
                "language": h.language,
                "rank": h.rank,
            }
            for h in results.hits
        ]
        out = {"total": results.total, "more": results.more, "page": results.page}
        print(json.dumps({**out, "results": hits}, ensure_ascii=False, indent=2))
        return
    for note in results.notes:
        print(note, file=sys.stderr)
    for h in results.hits:
        print(f"{h.kind}\t{h.cooperative_slug}\t{h.url}\t{_plain(h.title)}")


def _plain(html_text: str) -> str:
    """A highlighted title as terminal text: marks dropped, entities read."""
    import html

    return html.unescape(html_text.replace("<mark>", "").replace("</mark>", ""))


def cmd_federation_rule(args: argparse.Namespace) -> None:
    """Block, unblock, allow or disallow another server (and its subdomains)."""
    _setup()
    from taawun.errors import TaawunError
    from taawun.federation import policy

    try:
        if args.federation_command == "block":
            policy.block_domain(args.domain, reason=args.reason)
            message = _("%(domain)s is blocked.")
        elif args.federation_command == "unblock":
            policy.unblock_domain(args.domain)
            message = _("%(domain)s is no longer blocked.")
        elif args.federation_command == "allow":
            policy.allow_domain(args.domain, reason=args.reason)
            message = _("%(domain)s is on the allow list.")
        else:
            policy.disallow_domain(args.domain)
            message = _("%(domain)s is no longer on the allow list.")
        print(message % {"domain": policy.normalise_domain(args.domain)})
    except TaawunError as error:
        _fail(str(error.message))


def cmd_federation_servers(args: argparse.Namespace) -> None:
    """The block and allow lists, and how deliveries to other servers stand."""
    _setup()
    import json as jsonlib

    from django.conf import settings
    from django.db.models import Count

    from taawun.federation.models import Delivery, DomainRule

    rules = [
        {"domain": rule.domain, "rule": rule.kind, "reason": rule.reason}
        for rule in DomainRule.objects.order_by("kind", "domain")
    ]
    states = dict(
        Delivery.objects.values_list("state").annotate(n=Count("id")).values_list("state", "n")
    )
    deliveries = {state: states.get(state, 0) for state in Delivery.State.values}
    allowlist_only = bool(getattr(settings, "TAAWUN_FEDERATION_ALLOWLIST_ONLY", False))
    report = {"allowlist_only": allowlist_only, "rules": rules, "deliveries": deliveries}
    if args.json:
        print(jsonlib.dumps(report, ensure_ascii=False, indent=2))
        return
    print(
        _("Allowlist only: %(mode)s") % {"mode": _("yes") if report["allowlist_only"] else _("no")}
    )
    for rule in rules:
        print(f"  {rule['rule']}\t{rule['domain']}\t{rule['reason']}")
    print(
        _(
            "Deliveries to other servers — delivered: %(delivered)d, to retry: "
            "%(retrying)d, given up: %(abandoned)d."
        )
        % {
            "delivered": deliveries["delivered"],
            "retrying": deliveries["pending"],
            "abandoned": deliveries["abandoned"],
        }
    )


def _ledger_lines(manifest: dict[str, Any], *, verified: bool) -> None:
    """One line per ledger in a backup: its cooperative, length and head."""
    from django.utils.translation import ngettext

    for ledger in manifest["ledgers"]:
        count, head = ledger["seq"], ledger["head"]
        if verified:
            line = ngettext(
                "ledger verified: %(count)d entry, head %(head)s",
                "ledger verified: %(count)d entries, head %(head)s",
                count,
            )
        else:
            line = ngettext(
                "%(count)d ledger entry, head %(head)s",
                "%(count)d ledger entries, head %(head)s",
                count,
            )
        name = ledger["cooperative"] or ledger["chain"]
        print(f"  {name}: {line % {'count': count, 'head': head}}")


def cmd_backup(args: argparse.Namespace) -> None:
    """A consistent snapshot of the whole database, while the server serves."""
    _setup()
    from pathlib import Path

    from django.template.defaultfilters import filesizeformat

    from taawun.backup import BackupError, create_backup

    try:
        done = create_backup(Path(args.output) if args.output else None)
    except BackupError as error:
        _fail(str(error.message))
    print(
        _("Backup written to %(file)s (%(size)s in %(seconds).1f s).")
        % {"file": done.path, "size": filesizeformat(done.size), "seconds": done.seconds}
    )
    _ledger_lines(done.manifest, verified=False)


def cmd_restore(args: argparse.Namespace) -> None:
    """Bring a backup back, after checking it, and verify what came back."""
    _setup()
    from pathlib import Path

    from taawun.backup import BackupError, restore_backup

    print(_("Stop the server (taawun serve) and the worker while a backup is restored."))
    try:
        done = restore_backup(Path(args.file), replace=args.yes)
    except BackupError as error:
        _fail(str(error.message))
    print(_("Restored the backup taken at %(created)s.") % {"created": done.manifest["created"]})
    _ledger_lines(done.manifest, verified=True)
    print(
        _("Every table holds the rows the backup lists (tables: %(tables)d, rows: %(rows)d).")
        % {"rows": done.rows, "tables": done.tables}
    )
    if done.older_schema:
        print(_("The backup comes from an earlier version of Taawun: run `taawun migrate` now."))


def cmd_manage(args: argparse.Namespace) -> None:
    _setup()
    _manage(*args.rest)


def build_parser() -> Parser:
    parser = Parser(prog="taawun", description="Run and administer a Taawun instance.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    p = sub.add_parser("serve", help="serve the web app and API with gunicorn")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=max(2, (os.cpu_count() or 1) * 2 + 1))
    p.add_argument("--access-log", action="store_true", help="print each request")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser(
        "worker", help="run background tasks (email, deadlines) and deliver to other servers"
    )
    p.add_argument("--once", action="store_true", help="run and deliver what is due, then stop")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("migrate", help="create or update the database tables")
    p.add_argument("--verbose", action="store_true")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("demo", help="load the demo network (safe to run again)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("createcoop", help="found a cooperative")
    p.add_argument("--slug", required=True)
    p.add_argument("--name-en", default="")
    p.add_argument("--name-ar", default="")
    p.add_argument("--country", required=True, help="ISO 3166 code, e.g. EG")
    p.add_argument("--currency", required=True, help="ISO 4217 code, e.g. EGP")
    p.add_argument("--languages", default="ar,en", help="comma-separated: ar,en")
    p.add_argument("--founder", required=True, help="email of the founding member's account")
    p.set_defaults(func=cmd_createcoop)

    p = sub.add_parser("coops", help="list the cooperatives on this instance")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_coops)

    ledger = sub.add_parser("ledger", help="export or verify a transparency ledger")
    lsub = ledger.add_subparsers(dest="ledger_command", required=True, parser_class=Parser)
    p = lsub.add_parser("export", help="write a cooperative's ledger as JSONL to stdout")
    p.add_argument("--coop", required=True, help="the cooperative's short name")
    p.set_defaults(func=cmd_ledger_export)
    p = lsub.add_parser("verify", help="check an exported ledger file (no database needed)")
    p.add_argument("file")
    p.add_argument("--head", help="the head hash published on the transparency page")
    p.set_defaults(func=cmd_ledger_verify)

    p = sub.add_parser(
        "tally", help="count a ballot file (BLT, PrefLib, JSON); `tally recount BOARD.json`"
    )
    p.add_argument(
        "--method",
        choices=[
            "plurality",
            "approval",
            "score",
            "dots",
            "irv",
            "stv",
            "schulze",
            "consent",
            "yes_no",
            "meeting",
        ],
    )
    p.add_argument("--seats", type=int)
    p.add_argument("--rule", choices=["scottish", "meek"], default="scottish")
    p.add_argument("--format", choices=["json", "table"], default="json")
    p.add_argument("--seed", default="", help="the seed for any lot (e.g. a ledger head)")
    p.add_argument("file")
    p.set_defaults(func=cmd_tally)

    search = sub.add_parser("search", help="rebuild the search index, or search from here")
    ssub = search.add_subparsers(dest="search_command", required=True, parser_class=Parser)
    p = ssub.add_parser("reindex", help="rebuild the whole search index from the data")
    p.set_defaults(func=cmd_search_reindex)
    p = ssub.add_parser("query", help="search as a visitor (or --as an account); prints results")
    p.add_argument("words", help="what to search for, in quotes")
    p.add_argument("--as", dest="as_email", metavar="EMAIL", help="search as this account")
    p.add_argument("--kind", default="", help="article, discussion, proposal, member, course, call")
    p.add_argument("--lang", default="", help="only results in this language (ar, en...)")
    p.add_argument("--coop", default="", help="only this cooperative (its short name)")
    p.add_argument("--page", type=int, default=1)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_search_query)

    federation = sub.add_parser(
        "federation", help="other servers: block, unblock, allow, disallow, servers"
    )
    fsub = federation.add_subparsers(dest="federation_command", required=True, parser_class=Parser)
    for name, what in (
        ("block", "block a server and its subdomains: nothing fetched, sent or accepted"),
        ("unblock", "lift a block"),
        ("allow", "put a server on the allow list (used when allowlist-only)"),
        ("disallow", "take a server off the allow list"),
    ):
        p = fsub.add_parser(name, help=what)
        p.add_argument("domain", help="such as example.org")
        if name in ("block", "allow"):
            p.add_argument("--reason", default="", help="why, for the other administrators")
        else:
            p.set_defaults(reason="")
        p.set_defaults(func=cmd_federation_rule)
    p = fsub.add_parser("servers", help="the block and allow lists, and deliveries")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_federation_servers)

    p = sub.add_parser(
        "backup", help="write a consistent, compressed backup (the server may keep serving)"
    )
    p.add_argument(
        "--output", metavar="FILE", help="where to write it (default: var/backups/taawun-TIME.tar)"
    )
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser(
        "restore",
        help="check a backup, bring it back and verify every ledger (stop the server first)",
    )
    p.add_argument("file", help="a backup written by `taawun backup`")
    p.add_argument("--yes", action="store_true", help="replace a database that holds data")
    p.set_defaults(func=cmd_restore)

    from taawun.economy import allocate_command, pb_command

    allocate_command.add_parser(sub).set_defaults(func=allocate_command.run)
    pb_command.add_parser(sub).set_defaults(func=pb_command.run)

    from taawun.privacy import commands as privacy_commands

    privacy_commands.add_parsers(sub)

    p = sub.add_parser("manage", help="run a Django management command", add_help=False)
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_manage)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    try:
        _main(argv)
    except BrokenPipeError:
        # The reader went away (`taawun ledger export | head`): not an error
        # of ours. Point stdout at nothing so that the flush at exit is quiet.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)


def _main(argv: Sequence[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:2] == ["tally", "recount"]:
        recount = Parser(
            prog="taawun tally recount",
            description="Recount a bulletin board and compare with its result.",
        )
        recount.add_argument("board")
        cmd_recount(recount.parse_args(argv[2:]))
        return
    if argv[:1] == ["manage"]:
        # Everything after `manage` is Django's, options included (--help).
        cmd_manage(argparse.Namespace(rest=argv[1:]))
        return
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "ledger" and args.ledger_command == "verify" and args.head is not None:
        head: Any = args.head
        if len(head) != 64 or any(ch not in "0123456789abcdef" for ch in head):
            parser.error("--head must be 64 lowercase hexadecimal characters")
    args.func(args)


if __name__ == "__main__":
    main()
