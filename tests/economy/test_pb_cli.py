"""`taawun pb`: anyone decides a participatory budget from a Pabulib file."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

TAAWUN = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "taawun"
SHARED = Path(os.environ.get("TAAWUN_SHARED", Path(__file__).resolve().parents[3] / "shared"))
PB = SHARED / "data" / "pb"


def run(tmp_path: Path, *args: str, lang: str = "C.UTF-8") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        {
            "TAAWUN_VAR": str(tmp_path),
            "LC_ALL": lang,
            # No database is needed: one that cannot be reached proves it.
            "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
        }
    )
    return subprocess.run(
        [str(TAAWUN), *args], capture_output=True, text=True, env=env, timeout=300, check=False
    )


def test_equal_shares_on_a_real_round_prints_the_funded_projects(tmp_path):
    done = run(tmp_path, "pb", "--rule", "mes", str(PB / "Netherlands_Assen_2024.pb"))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result == {
        "rule": "mes",
        "completion": "add1-greedy",
        "budget": 100000,
        "funded": ["3", "9", "2", "11", "13", "14", "5", "6", "12", "7"],
        "cost": 88700,
        "left": 11300,
    }


def test_raising_the_shares_only_gives_the_published_result(tmp_path):
    path = PB / "Poland_Swiecie_2023.pb"
    done = run(tmp_path, "pb", "--rule", "mes", "--completion", "add1", str(path))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    published = sorted(
        line.split(";")[0]
        for line in path.read_text().split("PROJECTS\n")[1].split("VOTES\n")[0].splitlines()[1:]
        if line.split(";")[4] == "1"
    )
    assert sorted(result["funded"]) == published
    assert result["cost"] == 1040337


def test_greedy_with_explanations(tmp_path):
    done = run(
        tmp_path, "pb", "--rule", "greedy", "--explain", str(PB / "Netherlands_Assen_2024.pb")
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["funded"] == ["3", "9", "8", "2", "11", "13", "14"]
    first = result["decisions"][0]
    assert first["project"] == "3"
    assert first["explanation"] == (
        "funded: supported by 43 voters, and its cost fit in the 100000 left"
    )
    unfunded = next(d for d in result["decisions"] if d["project"] == "1")
    assert unfunded["reason"] == "did_not_fit"
    assert unfunded["explanation"].startswith("not funded: it cost more than the")


def test_equal_shares_explains_what_each_supporter_paid(tmp_path):
    done = run(tmp_path, "pb", "--explain", str(PB / "Netherlands_Assen_2024.pb"))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["first_share"], result["share"]) == ("25000/21", "42703/21")
    podium = result["decisions"][0]
    assert podium["explanation"] == (
        "funded: supported by 43 voters, whose equal shares covered its cost"
    )
    assert podium["payments"] == [{"amount": "7200/43", "supporters": 43}]
    crossbaan = next(d for d in result["decisions"] if d["project"] == "8")
    assert crossbaan["reason"] == "shares_short"
    assert crossbaan["explanation"].startswith("not funded: its supporters' remaining shares (")


def test_the_command_speaks_arabic_too(tmp_path):
    # 43 takes Arabic's plural form for 11 to 99.
    done = run(
        tmp_path, "pb", "--explain", str(PB / "Netherlands_Assen_2024.pb"), lang="ar_EG.UTF-8"
    )
    assert done.returncode == 0, done.stderr
    podium = json.loads(done.stdout)["decisions"][0]
    assert podium["explanation"] == "مُوِّل: دعمه 43 ناخبًا، وغطّت حصصهم المتساوية تكلفته"
    bad = tmp_path / "bad.pb"
    bad.write_text("META\nkey;value\nbudget;100\n")
    done = run(tmp_path, "pb", str(bad), lang="ar_EG.UTF-8")
    assert done.returncode == 1
    assert done.stderr.strip() == f"taawun: {bad}: السطر 1: ينقص META المفتاحُ vote_type."


def test_a_malformed_file_fails_naming_the_line(tmp_path):
    bad = tmp_path / "bad.pb"
    bad.write_text(
        "META\nkey;value\nbudget;100\nvote_type;approval\n"
        "PROJECTS\nproject_id;cost\na;50\nb;60\n"
        "VOTES\nvoter_id;vote\n1;a,b\n2;a,c\n"
    )
    done = run(tmp_path, "pb", "--rule", "greedy", str(bad))
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.strip() == (f"taawun: {bad}: line 12: The vote names the unknown project c.")
    assert "Traceback" not in done.stderr


def test_ranked_votes_fail_with_a_reason(tmp_path):
    ranked = tmp_path / "ranked.pb"
    ranked.write_text(
        "META\nkey;value\nbudget;100\nvote_type;ordinal\n"
        "PROJECTS\nproject_id;cost\na;50\nVOTES\nvoter_id;vote\n1;a\n"
    )
    done = run(tmp_path, "pb", str(ranked))
    assert done.returncode == 1
    assert "rankings" in done.stderr


def test_a_missing_file_fails(tmp_path):
    done = run(tmp_path, "pb", str(tmp_path / "nowhere.pb"))
    assert done.returncode == 1
    assert "Cannot read" in done.stderr


def test_wrong_arguments_exit_2(tmp_path):
    path = str(PB / "Netherlands_Assen_2024.pb")
    for args in (["pb", "--rule", "borda", path], ["pb"], ["pb", "--completion", "add2", path]):
        done = run(tmp_path, *args)
        assert done.returncode == 2, args
        assert "see taawun pb --help" in done.stderr
