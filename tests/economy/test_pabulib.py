"""Reading and writing participatory budgeting rounds in the Pabulib format."""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taawun.economy import pabulib
from taawun.economy.budgeting import BudgetRound
from taawun.economy.budgeting_errors import BudgetingError, PabulibError
from taawun.economy.pabulib import PabulibFile, PabulibProject, PabulibVote

SHARED = Path(os.environ.get("TAAWUN_SHARED", Path(__file__).resolve().parents[3] / "shared"))
PB = SHARED / "data" / "pb"
REAL = ["Netherlands_Assen_2024", "Poland_Swiecie_2023", "Poland_Wieliczka_2023_Green_Budget"]

SMALL = """\
META
key;value
description;A small round
budget;100
vote_type;approval
num_projects;3
num_votes;3
PROJECTS
project_id;cost;name
a;50;Solar panels
b;60;"Repair café; tools"
c;40;Library
VOTES
voter_id;vote;age
v1;a,b;34
v2;a,c;51
v3;;29
"""


def test_reading_a_small_file():
    pb = pabulib.read(SMALL)
    assert pb.budget == 100
    assert pb.vote_type == "approval"
    assert pb.meta["description"] == "A small round"
    assert [p.project_id for p in pb.projects] == ["a", "b", "c"]
    assert pb.projects[1].fields == {"name": "Repair café; tools"}  # quoted: ; inside
    assert pb.votes[0] == PabulibVote("v1", ("a", "b"), None, {"age": "34"})
    assert pb.votes[2].vote == ()  # an empty vote still counts as a voter
    assert pb.votes[1].line == 16


def test_reading_the_real_assen_round():
    pb = pabulib.read_file(PB / "Netherlands_Assen_2024.pb")
    assert (pb.budget, pb.vote_type, len(pb.projects), len(pb.votes)) == (
        100000,
        "approval",
        14,
        84,
    )
    assert pb.projects[0].project_id == "3"
    assert pb.projects[0].cost == 7200
    assert pb.projects[0].fields["name"] == "PopUp Podium"
    assert pb.votes[0].vote == ("1", "2", "6", "9", "13")


@pytest.mark.parametrize("name", REAL)
def test_real_files_survive_a_round_trip(name):
    pb = pabulib.read_file(PB / f"{name}.pb")
    assert pabulib.read(pabulib.write(pb)) == pb


def test_a_quoted_name_with_quotes_inside_reads_as_written():
    pb = pabulib.read_file(PB / "Poland_Wieliczka_2023_Green_Budget.pb")
    names = {p.project_id: p.fields["name"] for p in pb.projects}
    assert names["80"].endswith('w Parku "Stok pod Baranem"')


def test_a_byte_order_mark_and_windows_line_ends_are_fine():
    data = ("\ufeff" + SMALL).replace("\n", "\r\n").encode()
    assert pabulib.read(data) == pabulib.read(SMALL)


def test_a_decimal_comma_in_a_cost_reads_as_a_decimal_point():
    pb = pabulib.read(SMALL.replace("c;40;Library", "c;40,5;Library"))
    assert pb.projects[2].cost == Fraction(81, 2)
    assert "c;40.5;Library" in pabulib.write(pb)


def test_points_votes_read_as_exact_numbers():
    text = """\
META
key;value
budget;10
vote_type;cumulative
max_sum_points;10
PROJECTS
project_id;cost
p;6
q;4
VOTES
voter_id;vote;points
1;p,q;7,3
2;q;2.5
"""
    pb = pabulib.read(text)
    assert pb.votes[0].points == (7, 3)
    assert pb.votes[1].points == (Fraction(5, 2),)
    assert pabulib.to_round(pb) == BudgetRound.with_points(
        10, {"p": 6, "q": 4}, [{"p": 7, "q": 3}, {"q": Fraction(5, 2)}]
    )


# --- malformed files: an error with a stable code, naming the line ------------------


def edit(old: str, new: str) -> str:
    assert old in SMALL
    return SMALL.replace(old, new)


MALFORMED = [
    # (what is wrong, the file, the code, the line)
    ("no META first", "PROJECTS\n" + SMALL, "section_order", 1),
    ("rows before META", "budget;100\n" + SMALL, "no_meta_first", 1),
    ("sections out of order", edit("PROJECTS\n", "VOTES\n"), "section_order", 8),
    ("a second META", SMALL + "META\n", "section_order", 18),
    ("no header after a marker", "META\n", "no_header", 1),
    ("a row with a field too many", edit("c;40;Library", "c;40;Library;x"), "field_count", 12),
    ("a META row with one field", edit("budget;100", "budget"), "field_count", 4),
    ("a META header other than key;value", edit("key;value", "name;value"), "meta_header", 2),
    ("a key twice", edit("budget;100\n", "budget;100\nbudget;200\n"), "duplicate_key", 5),
    ("no budget", edit("budget;100\n", ""), "missing_key", 1),
    ("a budget that is not a number", edit("budget;100", "budget;lots"), "bad_budget", 4),
    ("a negative budget", edit("budget;100", "budget;-5"), "bad_budget", 4),
    ("an unknown vote type", edit("vote_type;approval", "vote_type;yes-no"), "bad_vote_type", 5),
    ("num_votes not a whole number", edit("num_votes;3", "num_votes;three"), "bad_whole", 7),
    ("a limit not a number", edit("num_votes;3", "num_votes;3\nmax_sum_cost;x"), "bad_number", 8),
    ("num_projects wrong", edit("num_projects;3", "num_projects;4"), "count_mismatch", 6),
    ("num_votes wrong (a cut-off file)", SMALL.rsplit("v3", 1)[0], "count_mismatch", 7),
    (
        "projects without project_id first",
        edit("project_id;cost;name", "cost;project_id;name"),
        "first_column",
        9,
    ),
    (
        "projects without cost",
        edit("project_id;cost;name", "project_id;price;name"),
        "missing_column",
        9,
    ),
    ("a column twice", edit("project_id;cost;name", "project_id;cost;cost"), "duplicate_column", 9),
    ("votes without vote", edit("voter_id;vote;age", "voter_id;ballot;age"), "missing_column", 14),
    ("a project twice", edit("c;40;Library", "a;40;Library"), "duplicate_project", 12),
    ("an empty project id", edit("c;40;Library", ";40;Library"), "empty_project_id", 12),
    ("a cost that is not a number", edit("c;40;Library", "c;forty;Library"), "bad_cost", 12),
    ("a negative cost", edit("c;40;Library", "c;-40;Library"), "bad_cost", 12),
    ("a voter twice", edit("v2;a,c;51", "v1;a,c;51"), "duplicate_voter", 16),
    ("an unknown project in a vote", edit("v2;a,c;51", "v2;a,d;51"), "unknown_project", 16),
    ("a project twice in a vote", edit("v2;a,c;51", "v2;a,a;51"), "repeated_project", 16),
    ("a vote too short", edit("num_votes;3", "num_votes;3\nmin_length;1"), "min_length", 18),
    ("a vote too long", edit("num_votes;3", "num_votes;3\nmax_length;1"), "max_length", 16),
    ("a vote too dear", edit("num_votes;3", "num_votes;3\nmax_sum_cost;100"), "max_sum_cost", 16),
    ("no VOTES section", SMALL.split("VOTES")[0], "missing_section", 12),
    ("nothing at all", "\n\n", "empty_file", None),
]


@pytest.mark.parametrize(
    ("text", "code", "line"),
    [case[1:] for case in MALFORMED],
    ids=[case[0] for case in MALFORMED],
)
def test_a_malformed_file_names_the_line(text, code, line):
    with pytest.raises(PabulibError) as caught:
        pabulib.read(text)
    error = caught.value
    assert (error.code, error.line) == (code, line)
    assert error.message == (error.template % error.params if error.params else error.template)
    assert error.as_dict()["line"] == line


POINTS = """\
META
key;value
budget;10
vote_type;cumulative
min_points;1
max_points;5
max_sum_points;6
PROJECTS
project_id;cost
p;6
q;4
VOTES
voter_id;vote;points
1;p,q;4,2
"""


@pytest.mark.parametrize(
    ("vote", "code"),
    [
        ("1;p,q;4", "points_count"),
        ("1;p,q;4,two", "bad_points"),
        ("1;p,q;6,0", "max_points"),
        ("1;p,q;5,0.5", "min_points"),
        ("1;p,q;4,3", "max_sum_points"),
    ],
)
def test_points_that_break_the_rules_name_the_line(vote, code):
    with pytest.raises(PabulibError) as caught:
        pabulib.read(POINTS.replace("1;p,q;4,2", vote))
    assert (caught.value.code, caught.value.line) == (code, 14)


def test_points_votes_need_a_points_column():
    with pytest.raises(PabulibError) as caught:
        pabulib.read(POINTS.replace("voter_id;vote;points", "voter_id;vote"))
    assert (caught.value.code, caught.value.line) == ("missing_column", 13)


def test_a_file_that_is_not_utf8_names_the_line():
    data = SMALL.encode("latin-1")  # "Repair café", on line 11, is no longer UTF-8
    with pytest.raises(PabulibError) as caught:
        pabulib.read(data)
    assert (caught.value.code, caught.value.line) == ("not_utf8", 11)


def test_ranked_votes_cannot_be_decided_by_the_budgeting_rules():
    pb = pabulib.read(edit("vote_type;approval", "vote_type;ordinal"))
    assert pb.votes[0].vote == ("a", "b")  # read, as a ranking
    with pytest.raises(PabulibError) as caught:
        pabulib.to_round(pb)
    assert caught.value.code == "ordinal_votes"


def test_negative_scores_cannot_be_decided_and_name_the_line():
    pb = pabulib.read(POINTS.replace("min_points;1\n", "").replace("4,2", "4,-2"))
    with pytest.raises(BudgetingError) as caught:
        pabulib.to_round(pb)
    assert (caught.value.code, caught.value.line) == ("negative_points", 13)


def test_an_amount_that_is_not_a_decimal_cannot_be_written():
    pb = pabulib.read(SMALL)
    third = PabulibFile(
        meta=pb.meta,
        project_columns=pb.project_columns,
        projects=(PabulibProject("a", Fraction(1, 3)),),
        vote_columns=pb.vote_columns,
        votes=(),
    )
    with pytest.raises(PabulibError) as caught:
        pabulib.write(third)
    assert caught.value.code == "not_decimal"


# --- export from a round ---------------------------------------------------------------


def test_a_round_exported_reads_back_as_the_same_round():
    round_ = BudgetRound.approval(
        Fraction(2501, 2), {"10": 500, "2": Fraction(1201, 4), "x": 0}, [{"10", "2"}, set(), {"x"}]
    )
    pb = pabulib.from_round(
        round_,
        meta={"description": "Garden fund", "unit": "Co-op"},
        project_fields={"10": {"name": "Raised beds"}},
    )
    text = pabulib.write(pb)
    assert "budget;1250.5\n" in text
    assert "num_votes;3\n" in text
    again = pabulib.read(text)
    assert again == pb
    assert pabulib.to_round(again) == round_
    assert again.projects[1].fields == {"name": ""}


def test_a_points_round_exported_reads_back_as_the_same_round():
    round_ = BudgetRound.with_points(10, {"p": 6, "q": 4}, [{"p": 3, "q": Fraction(1, 2)}, {}])
    pb = pabulib.from_round(round_, voter_ids=["alice", "bob"])
    assert [v.voter_id for v in pb.votes] == ["alice", "bob"]
    assert pabulib.to_round(pabulib.read(pabulib.write(pb))) == round_


# --- the round trip, as a property ----------------------------------------------------

# Field text as read gives it: no surrounding spaces; ; and " (quoted when
# written), commas and letters beyond ASCII included.
text = st.text(alphabet=st.sampled_from("abcXYZ019 ;,\"'é-ع_"), min_size=0, max_size=8).map(
    str.strip
)
ident = st.text(alphabet=st.sampled_from("abcxyz0129_-é"), min_size=1, max_size=6)
amount = st.one_of(
    st.integers(0, 10**9).map(Fraction),
    st.builds(Fraction, st.integers(0, 10**7), st.sampled_from([2, 4, 5, 10, 100, 1000])),
)


@st.composite
def pabulib_files(draw: st.DrawFn) -> PabulibFile:
    vote_type = draw(st.sampled_from(pabulib.VOTE_TYPES))
    project_ids = draw(st.lists(ident, min_size=1, max_size=6, unique=True))
    project_extra = draw(st.lists(ident, max_size=3, unique=True))
    project_extra = [c for c in project_extra if c not in ("project_id", "cost")]
    projects = tuple(
        PabulibProject(pid, draw(amount), {c: draw(text) for c in project_extra})
        for pid in project_ids
    )
    vote_extra = [
        c for c in draw(st.lists(ident, max_size=2, unique=True)) if c not in ("voter_id", "vote")
    ]
    points = vote_type in ("cumulative", "scoring")
    votes = []
    for voter in draw(st.lists(ident, max_size=6, unique=True)):
        chosen = tuple(draw(st.lists(st.sampled_from(project_ids), unique=True)))
        given = tuple(draw(amount) for _ in chosen) if points else None
        fields = {c: draw(text) for c in vote_extra if c != "points"}
        votes.append(PabulibVote(voter, chosen, given, fields))
    meta = {
        "description": draw(text),
        "budget": pabulib._text(draw(amount)),
        "vote_type": vote_type,
        "num_projects": str(len(projects)),
        "num_votes": str(len(votes)),
    }
    vote_columns = ("voter_id", "vote", *(["points"] if points else []), *vote_extra)
    return PabulibFile(
        meta=meta,
        project_columns=("project_id", "cost", *project_extra),
        projects=projects,
        vote_columns=tuple(dict.fromkeys(vote_columns)),
        votes=tuple(votes),
    )


@settings(max_examples=300, deadline=None)
@given(pabulib_files())
def test_reading_what_was_written_gives_it_back(pb):
    assert pabulib.read(pabulib.write(pb)) == pb
