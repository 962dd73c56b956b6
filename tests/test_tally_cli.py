"""`taawun tally`: anyone counts a ballot file or recounts a published board."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from taawun.governance import actions
from tests import factories
from tests.governance import factories as poll_factories

TAAWUN = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "taawun"
SHARED = Path(os.environ.get("TAAWUN_SHARED", Path(__file__).resolve().parents[2] / "shared"))


def run(tmp_path: Path, *args: str, lang: str = "C.UTF-8") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        {
            "TAAWUN_VAR": str(tmp_path),
            "LC_ALL": lang,
            "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
        }
    )
    return subprocess.run(
        [str(TAAWUN), *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def test_counting_a_real_election_file_needs_no_database(tmp_path):
    blt = SHARED / "data" / "elections" / "minneapolis-mayor-2013.blt"
    done = run(tmp_path, "tally", "--method", "irv", str(blt))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["winners"] == ["Betsy Hodges"]


def test_a_malformed_file_is_named_with_its_line(tmp_path):
    bad = tmp_path / "bad.blt"
    bad.write_text('3 1\n1 1 2 0\n1 x 0\n0\n"A"\n"B"\n"C"\n"T"\n')
    done = run(tmp_path, "tally", str(bad))
    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"taawun: {bad}: line 3: a preference must be a whole number, not “x”"
    )


@pytest.mark.parametrize(
    ("content", "arabic"),
    [
        (
            '3 1\n1 1 2 0\n1 x 0\n0\n"A"\n"B"\n"C"\n"T"\n',
            "السطر 3: يجب أن يكون التفضيل عددًا صحيحًا، لا «x»",
        ),
        ('2 1\n1 1 1 0\n0\n"A"\n"B"\n"T"\n', "المرشح 1 مرتّب مرتين"),
        ('3 1\n1 1 2 0\n0\n"A"\n"B"\n', "يذكر الرأس 3 مرشحين، لكن يليه 2 من الأسماء"),
    ],
)
def test_a_malformed_file_is_explained_in_arabic_to_an_arabic_terminal(tmp_path, content, arabic):
    bad = tmp_path / "bad.blt"
    bad.write_text(content)
    done = run(tmp_path, "tally", str(bad), lang="ar_EG.UTF-8")
    assert done.returncode == 1
    assert arabic in done.stderr, done.stderr
    assert done.stdout == ""


def test_the_table_format_shows_rounds_and_arabic_names(tmp_path):
    ballots = {
        "candidates": ["أمل", "بدر", "شادي"],
        "seats": 1,
        "ballots": [
            {"ranking": ["أمل", "بدر"], "weight": 2},
            {"ranking": ["بدر"], "weight": 2},
            {"ranking": ["شادي", "أمل"], "weight": 1},
        ],
    }
    path = tmp_path / "b.json"
    path.write_text(json.dumps(ballots, ensure_ascii=False), encoding="utf-8")
    done = run(tmp_path, "tally", "--format", "table", str(path))
    assert done.returncode == 0, done.stderr
    assert "Winners: أمل" in done.stdout


@pytest.mark.django_db
def test_a_published_board_recounts_and_a_tampered_one_does_not(tmp_path, coop, founder):
    members = [factories.member(coop) for _ in range(3)]
    poll = poll_factories.poll(coop, founder, secret=True)
    for member, answer in zip(members, ["yes", "no", "yes"], strict=True):
        actions.cast_vote(poll, by=member.user, choice={"answer": answer})
    poll = actions.close_poll(poll, by=founder)
    board = {**actions.bulletin_board(poll), "result": poll.result}
    path = tmp_path / "board.json"
    path.write_text(json.dumps(board), encoding="utf-8")
    done = run(tmp_path, "tally", "recount", str(path))
    assert done.returncode == 0, done.stderr
    assert "3 ballots" in done.stdout
    flipped = "no" if board["ballots"][0]["choice"]["answer"] == "yes" else "yes"
    board["ballots"][0]["choice"] = {"answer": flipped}
    path.write_text(json.dumps(board), encoding="utf-8")
    assert run(tmp_path, "tally", "recount", str(path)).returncode == 1
    path.write_text("{}")
    assert run(tmp_path, "tally", "recount", str(path)).returncode == 1


@pytest.mark.django_db
def test_a_poll_closed_in_arabic_recounts_in_any_language(tmp_path, coop, founder):
    from django.utils import translation

    members = [factories.member(coop) for _ in range(2)]
    poll = poll_factories.poll(coop, founder, secret=True)
    for member in members:
        actions.cast_vote(poll, by=member.user, choice={"answer": "yes"})
    with translation.override("ar"):  # an Arabic-speaking secretary closes it
        poll = actions.close_poll(poll, by=founder)
    assert poll.result["threshold"]["label"] == "simple majority (more than half)"
    board = {**actions.bulletin_board(poll), "result": poll.result}
    path = tmp_path / "board.json"
    path.write_text(json.dumps(board), encoding="utf-8")
    done = run(tmp_path, "tally", "recount", str(path), lang="ar_EG.UTF-8")
    assert done.returncode == 0, done.stderr
