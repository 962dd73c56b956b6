"""The casting benchmark's own parts: its arguments, and the checks that
compare what the server told each voter with what the database counted.

The checks are fed by hand here: a database that kept every acknowledged
ballot must pass, and one that lost or doubled a ballot must be caught.
Nothing here is timed, and no server is started.
"""

from __future__ import annotations

import copy
from collections import Counter
from typing import Any

import pytest

from bench.casting import (
    Journey,
    Response,
    check_named,
    check_secret,
    find_receipt,
    hidden_fields,
    messages,
    parse_args,
    percentile,
    receipt_digest,
    write_doc,
)

YES_NO = ["yes", "no", "abstain"]
CANDIDATES = ["Amina", "Bassem", "Chloé", "Dalia"]


# --- arguments -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["--voters", "many"],
        ["--voters", "1"],
        ["--concurrency", "0"],
        ["--changes", "1.5"],
        ["--double-submits", "11", "--voters", "10"],
        ["--backends", "mysql"],
        ["--backends", ","],
        ["--no-such-option"],
    ],
)
def test_wrong_arguments_exit_2_with_one_line(argv: list[str], capsys) -> None:
    with pytest.raises(SystemExit) as stopped:
        parse_args(argv)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "--help" in err


def test_defaults_are_a_thousand_voters_fifty_at_a_time_on_both_databases() -> None:
    args = parse_args([])
    assert (args.voters, args.concurrency) == (1000, 50)
    assert args.backend_list == ["sqlite", "postgres"]
    assert parse_args(["--backends", "postgres"]).backend_list == ["postgres"]


def test_percentile_is_the_nearest_rank() -> None:
    sample = [float(n) for n in range(1, 101)]
    assert percentile(sample, 0.99) == 99.0
    assert percentile(sample, 0.5) == 50.0
    assert percentile([3.0], 0.99) == 3.0


@pytest.mark.parametrize(
    "page",
    [
        '<p class="hash receipt"><code>r-AbC_12-x</code></p>',
        '<input id="receipt" class="hash receipt" type="text" value="r-AbC_12-x" readonly>',
    ],
)
def test_the_receipt_is_read_from_the_page_that_issues_it(page: str) -> None:
    assert find_receipt(f"<main><h1>Your vote is cast</h1>{page}</main>") == "r-AbC_12-x"


def test_the_confirmation_is_sent_with_every_hidden_field_of_its_form() -> None:
    check = Response(
        200,
        "",
        '<form method="post" action="/v/"><input type="hidden" name="csrfmiddlewaretoken" '
        'value="t1"><input type="hidden" name="choice" value="{&quot;answer&quot;: '
        '&quot;yes&quot;}"><input type="hidden" name="confirm" value="1">'
        '<input type="hidden" name="nonce" value="n-1"><button>Cast my vote</button></form>'
        '<form method="post" action="/v/"><input type="hidden" name="csrfmiddlewaretoken" '
        'value="t2"><input type="hidden" name="answer" value="yes">'
        '<button name="edit" value="1">Change my answers</button></form>',
        0.0,
    )
    assert hidden_fields(check, 'name="confirm"') == {
        "csrfmiddlewaretoken": "t1",
        "choice": '{"answer": "yes"}',
        "confirm": "1",
        "nonce": "n-1",
    }
    assert hidden_fields(check, 'name="edit"')["answer"] == "yes"


def test_a_page_without_a_receipt_gives_none() -> None:
    assert find_receipt('<input type="text" id="id_receipt" name="receipt">') is None


def test_messages_are_read_with_their_kind_in_any_language() -> None:
    page = '<p class="message success">تم تسجيل صوتك.</p><p class="message error">A &amp; B</p>'
    assert messages(page) == [("success", "تم تسجيل صوتك."), ("error", "A & B")]


# --- a named poll -----------------------------------------------------------------------


def named_journeys() -> list[Journey]:
    """Four voters; voter 2 double-clicked; voter 3 changed their vote; voter 4's
    change was never answered (so either choice may be counted)."""
    return [
        Journey("named", "cast", 1, {"answer": "yes"}, sent=1, acks=["recorded"]),
        Journey(
            "named", "cast", 2, {"answer": "no"}, copies=2, sent=2, acks=["recorded", "changed"]
        ),
        Journey("named", "cast", 3, {"answer": "yes"}, sent=1, acks=["recorded"]),
        Journey("named", "cast", 4, {"answer": "abstain"}, sent=1, acks=["recorded"]),
        Journey("named", "change", 3, {"answer": "no"}, sent=1, acks=["changed"]),
        Journey("named", "change", 4, {"answer": "yes"}, sent=1, failures=["timed out"]),
    ]


def named_database(current: dict[int, str], history: list[tuple[int, str]]) -> dict[str, Any]:
    ballots = [{"voter": v, "choice": {"answer": a}, "current": False} for v, a in history]
    ballots += [{"voter": v, "choice": {"answer": a}, "current": True} for v, a in current.items()]
    totals = Counter(current.values())
    return {
        "ballots": ballots,
        "result": {
            "ballots": len(current),
            "rows": [{"label": o, "value": totals[o]} for o in YES_NO],
        },
    }


def kept_named() -> dict[str, Any]:
    return named_database({1: "yes", 2: "no", 3: "no", 4: "abstain"}, [(2, "no"), (3, "yes")])


def test_named_poll_that_kept_every_ballot_passes() -> None:
    report = check_named(named_journeys(), kept_named(), YES_NO)
    assert report.ok, report.problems
    assert (report.acknowledged, report.counted, report.lost, report.doubled) == (4, 4, 0, 0)


def test_named_ballot_lost_is_caught() -> None:
    observed = named_database({1: "yes", 3: "no", 4: "abstain"}, [(2, "no"), (3, "yes")])
    observed["ballots"].append({"voter": 2, "choice": {"answer": "no"}, "current": False})
    report = check_named(named_journeys(), observed, YES_NO)
    assert report.lost == 1
    assert not report.ok


def test_named_change_of_vote_lost_is_caught() -> None:
    # Voter 3 was told "Your vote is changed", but the old ballot is still the one counted.
    observed = named_database({1: "yes", 2: "no", 3: "yes", 4: "abstain"}, [(2, "no"), (3, "no")])
    report = check_named(named_journeys(), observed, YES_NO)
    assert report.lost == 1
    assert not report.totals_match


def test_named_ballot_doubled_is_caught() -> None:
    observed = kept_named()
    observed["ballots"].append({"voter": 1, "choice": {"answer": "yes"}, "current": True})
    observed["result"]["ballots"] = 5
    report = check_named(named_journeys(), observed, YES_NO)
    assert report.doubled == 1
    assert not report.ok


def test_named_ballot_nobody_sent_is_caught() -> None:
    observed = kept_named()
    observed["ballots"].append({"voter": 99, "choice": {"answer": "yes"}, "current": True})
    report = check_named(named_journeys(), observed, YES_NO)
    assert report.doubled == 1
    assert not report.ok


def test_named_unanswered_change_that_took_effect_is_neither_lost_nor_doubled() -> None:
    observed = named_database(
        {1: "yes", 2: "no", 3: "no", 4: "yes"}, [(2, "no"), (3, "yes"), (4, "abstain")]
    )
    report = check_named(named_journeys(), observed, YES_NO)
    assert (report.lost, report.doubled, report.unconfirmed) == (0, 0, 1)


def test_named_totals_that_differ_from_the_ballots_are_caught() -> None:
    observed = kept_named()
    observed["result"]["rows"][0]["value"] += 1
    report = check_named(named_journeys(), observed, YES_NO)
    assert not report.totals_match
    assert (report.lost, report.doubled) == (0, 0)


# --- a secret poll -----------------------------------------------------------------------


def secret_journeys() -> list[Journey]:
    """Three voters; voter 2 double-clicked (the second click refused); voter 3
    replaced their ballot with the receipt."""
    return [
        Journey(
            "secret", "cast", 1, {"ranking": [0, 2]}, sent=1, acks=["receipt"], receipts=["r-a"]
        ),
        Journey(
            "secret",
            "cast",
            2,
            {"ranking": [1]},
            copies=2,
            sent=2,
            acks=["receipt"],
            receipts=["r-b"],
            refusals=["You have already voted."],
        ),
        Journey(
            "secret",
            "cast",
            3,
            {"ranking": [3, 0, 1, 2]},
            sent=1,
            acks=["receipt"],
            receipts=["r-c"],
        ),
        Journey(
            "secret", "change", 3, {"ranking": [2]}, receipt_used="r-c", sent=1, acks=["changed"]
        ),
    ]


def secret_database(board: dict[str, list[int]], marks: list[int]) -> dict[str, Any]:
    firsts = Counter(CANDIDATES[ranking[0]] for ranking in board.values())
    return {
        "marks": marks,
        "board": [
            {"receipt": receipt_digest(r), "choice": {"ranking": ranking}, "weight": 1}
            for r, ranking in board.items()
        ],
        "result": {
            "ballots": len(board),
            "rows": [{"label": c, "value": str(firsts[c])} for c in CANDIDATES],
        },
    }


def kept_secret() -> dict[str, Any]:
    return secret_database({"r-a": [0, 2], "r-b": [1], "r-c": [2]}, [1, 2, 3])


def test_secret_poll_that_kept_every_ballot_passes() -> None:
    report = check_secret(secret_journeys(), kept_secret(), CANDIDATES)
    assert report.ok, report.problems
    assert report.receipts == 3
    assert (report.acknowledged, report.counted, report.lost, report.doubled) == (3, 3, 0, 0)


def test_secret_receipt_missing_from_the_board_is_caught() -> None:
    observed = secret_database({"r-a": [0, 2], "r-c": [2]}, [1, 2, 3])
    report = check_secret(secret_journeys(), observed, CANDIDATES)
    assert report.lost == 1
    assert report.receipts == 2
    assert not report.ok


def test_secret_replacement_lost_is_caught() -> None:
    observed = secret_database({"r-a": [0, 2], "r-b": [1], "r-c": [3, 0, 1, 2]}, [1, 2, 3])
    report = check_secret(secret_journeys(), observed, CANDIDATES)
    assert report.lost == 1
    assert not report.totals_match


def test_secret_double_click_that_made_two_ballots_is_caught() -> None:
    journeys = secret_journeys()
    journeys[1].acks, journeys[1].receipts, journeys[1].refusals = (
        ["receipt", "receipt"],
        ["r-b", "r-b2"],
        [],
    )
    observed = secret_database({"r-a": [0, 2], "r-b": [1], "r-b2": [1], "r-c": [2]}, [1, 2, 2, 3])
    report = check_secret(journeys, observed, CANDIDATES)
    assert report.doubled >= 1
    assert not report.ok


def test_secret_double_click_shown_the_same_receipt_twice_is_one_ballot() -> None:
    journeys = secret_journeys()
    journeys[1].acks, journeys[1].receipts, journeys[1].refusals = (
        ["receipt", "receipt"],
        ["r-b", "r-b"],
        [],
    )
    report = check_secret(journeys, kept_secret(), CANDIDATES)
    assert report.ok, report.problems
    assert (report.acknowledged, report.counted, report.lost, report.doubled) == (3, 3, 0, 0)


def test_secret_ballot_nobody_was_given_a_receipt_for_is_caught() -> None:
    observed = copy.deepcopy(kept_secret())
    observed["board"].append({"receipt": receipt_digest("r-x"), "choice": {"ranking": [0]}})
    observed["result"]["ballots"] = 4
    report = check_secret(secret_journeys(), observed, CANDIDATES)
    assert report.doubled == 1
    assert not report.ok


def test_secret_unanswered_first_vote_that_was_counted_is_neither_lost_nor_doubled() -> None:
    journeys = [
        *secret_journeys(),
        Journey("secret", "cast", 4, {"ranking": [0]}, sent=1, failures=["timed out"]),
    ]
    observed = secret_database({"r-a": [0, 2], "r-b": [1], "r-c": [2], "r-d": [0]}, [1, 2, 3, 4])
    report = check_secret(journeys, observed, CANDIDATES)
    assert (report.lost, report.doubled, report.unconfirmed) == (0, 0, 1)


# --- the page ------------------------------------------------------------------------


def test_the_section_is_replaced_and_the_rest_of_the_page_kept(tmp_path) -> None:
    page = tmp_path / "benchmarks.md"
    page.write_text(
        "# Benchmarks\n\n<!-- bench:counting:start -->\ncounting\n<!-- bench:counting:end -->\n"
    )
    first = "<!-- bench:casting:start -->\nfirst\n<!-- bench:casting:end -->\n"
    write_doc(page, first)
    assert page.read_text().endswith("<!-- bench:counting:end -->\n\n" + first)
    write_doc(page, first.replace("first", "second"))
    text = page.read_text()
    assert "second" in text and "first" not in text
    assert "<!-- bench:counting:start -->\ncounting\n" in text
