"""`taawun allocate`: a treasurer checks an allocation from a CSV file, with no
database (DATABASE_URL points nowhere)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

TAAWUN = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "taawun"

HOURS = "member,hours\namal,1500\nbadr,1000\ndina,500\n"


def allocate(tmp_path: Path, csv_text: str | bytes, *args: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "contributions.csv"
    if isinstance(csv_text, bytes):
        path.write_bytes(csv_text)
    else:
        path.write_text(csv_text, encoding="utf-8")
    return run(tmp_path, "allocate", str(path), *args)


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        {
            "TAAWUN_VAR": str(tmp_path),
            "LC_ALL": "C.UTF-8",
            "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
        }
    )
    return subprocess.run(
        [str(TAAWUN), *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def test_a_worker_coop_allocation_is_printed_as_json_with_exact_amounts(tmp_path):
    done = allocate(
        tmp_path,
        HOURS,
        "--surplus",
        "12345.67",
        "--currency",
        "EGP",
        "--reserve",
        "30",
        "--community",
        "5",
        "--cash",
        "50",
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    # The arithmetic is written out in test_allocation.py's worker co-op example.
    assert json.loads(done.stdout) == {
        "surplus": "12345.67",
        "reserve": "3703.71",
        "community": "617.29",
        "patronage_pool": "8024.67",
        "members": [
            {
                "member": "amal",
                "patronage": "1500",
                "dividend": "4012.34",
                "cash": "2006.17",
                "retained": "2006.17",
            },
            {
                "member": "badr",
                "patronage": "1000",
                "dividend": "2674.89",
                "cash": "1337.45",
                "retained": "1337.44",
            },
            {
                "member": "dina",
                "patronage": "500",
                "dividend": "1337.44",
                "cash": "668.72",
                "retained": "668.72",
            },
        ],
    }


def test_weighted_kinds_a_byte_order_mark_and_arabic_names(tmp_path):
    text = "\ufeffmember,hours,sales\nأمل,160,\nبدر,80,12000.00\n"
    done = allocate(
        tmp_path,
        text.encode("utf-8"),
        *("--surplus", "900", "--currency", "egp", "--weights", "hours=1,sales=0.01"),
    )
    assert "أمل" in done.stdout  # printed as it is, not as \u escapes
    members = json.loads(done.stdout)["members"]
    assert [(m["member"], m["patronage"], m["dividend"]) for m in members] == [
        ("أمل", "160", "400.00"),
        ("بدر", "200", "500.00"),
    ]


def test_a_loss_is_charged_to_the_reserve_and_the_members(tmp_path):
    done = allocate(
        tmp_path, "member,hours\namal,200\nbadr,100\n", "--surplus", "-3000", "--currency", "EGP"
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["reserve"], result["community"], result["patronage_pool"]) == (
        "-1500.00",
        "0.00",
        "-1500.00",
    )
    assert [(m["dividend"], m["cash"], m["retained"]) for m in result["members"]] == [
        ("-1000.00", "0.00", "-1000.00"),
        ("-500.00", "0.00", "-500.00"),
    ]


def test_a_currency_without_minor_units_prints_whole_amounts(tmp_path):
    done = allocate(tmp_path, HOURS, "--surplus", "1000", "--currency", "JPY")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    # 1000 by 1500:1000:500 is 500, 333.33 and 166.67: the yen left over goes
    # to the largest remainder, dina's two thirds.
    assert [m["dividend"] for m in result["members"]] == ["500", "333", "167"]


@pytest.mark.parametrize(
    ("csv_text", "args", "named"),
    [
        # negative hours
        ("member,hours\namal,10\nbadr,-2\n", (), "row 3"),
        # a kind the weights do not know
        ("member,hours,sales\namal,10,5\n", ("--weights", "hours=1"), "row 1"),
        # a malformed quantity
        ("member,hours\namal,10\nbadr,10\ndina,1.2.3\n", (), "row 4"),
        # a member twice
        ("member,hours\namal,1\namal,2\n", (), "row 3"),
        # no member column
        ("name,hours\namal,1\n", (), "row 1"),
    ],
)
def test_bad_contributions_exit_1_naming_the_row(tmp_path, csv_text, args, named):
    done = allocate(tmp_path, csv_text, "--surplus", "100", "--currency", "EGP", *args)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith("taawun: ")
    assert f"contributions.csv, {named}: " in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("--surplus", "12.345"), "--surplus: 12.345 is finer than"),
        (("--surplus", "1,000"), "--surplus: 1,000 is not an amount"),
        (("--currency", "XYZ"), "--currency: XYZ is not a currency"),
        (("--reserve", "120"), "--reserve: "),
        (("--reserve", "60", "--community", "50"), "--community: "),
        (("--reserve", "10", "--legal-minimum-reserve", "30"), "--reserve: "),
        (("--cash", "10", "--minimum-cash", "20"), "--cash: "),
        (("--loss-reserve", "abc"), "--loss-reserve: abc is not a percentage"),
        (("--weights", "hours"), "--weights: "),
    ],
)
def test_bad_settings_exit_1_naming_the_option(tmp_path, args, named):
    settings = {"--surplus": "100", "--currency": "EGP"}
    done = allocate(tmp_path, HOURS, *[x for k, v in settings.items() for x in (k, v)], *args)
    assert done.returncode == 1
    assert done.stdout == ""
    assert f"taawun: {named}" in done.stderr


def test_an_empty_contributions_file_exits_1(tmp_path):
    done = allocate(tmp_path, "member,hours\n", "--surplus", "100", "--currency", "EGP")
    assert done.returncode == 1
    assert done.stdout == ""
    assert "There are no members to share among." in done.stderr


def test_a_missing_or_unreadable_file_exits_1(tmp_path):
    done = run(
        tmp_path, "allocate", str(tmp_path / "nope.csv"), "--surplus", "1", "--currency", "EGP"
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert "Cannot read" in done.stderr and "nope.csv" in done.stderr


def test_a_file_that_is_not_utf8_exits_1(tmp_path):
    done = allocate(
        tmp_path, "member,hours\nأمل,1\n".encode("cp1256"), "--surplus", "1", "--currency", "EGP"
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert "is not UTF-8 text" in done.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("--currency", "EGP"),  # no --surplus
        ("--surplus", "1"),  # no --currency
        ("--surplus", "1", "--currency", "EGP", "--bogus"),
    ],
)
def test_bad_arguments_exit_2(tmp_path, args):
    done = allocate(tmp_path, HOURS, *args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("taawun")


def test_no_file_at_all_exits_2(tmp_path):
    done = run(tmp_path, "allocate", "--surplus", "1", "--currency", "EGP")
    assert done.returncode == 2
