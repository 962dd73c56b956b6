"""Reading BLT, PrefLib and JSON ballot files; bad files name their line."""

import json

import pytest

from taawun.tally import (
    EqualRankingsUnsupported,
    MalformedFile,
    count_ballot_file,
    read_ballot_file,
    read_blt,
    read_json,
    read_preflib,
)

BLT = """\
# a small board election
4 2
-4
(b1) 3 1 2 0
2 2=3 1 0
1 3 0
0
"Amal"
"Bilal"
"Chen"
"Dana  Old "
"Board 2025"
"""


def test_blt_reads_header_ballots_names_and_title():
    ballot_file = read_blt(BLT)
    assert ballot_file.kind == "ranked" and ballot_file.seats == 2
    assert ballot_file.candidates == ["Amal", "Bilal", "Chen", "Dana Old"]
    assert ballot_file.title == "Board 2025"
    assert ballot_file.withdrawn == ["Dana Old"]
    ranked = ballot_file.ranked
    assert ranked is not None and ranked.candidates == ("Amal", "Bilal", "Chen")
    assert sorted(json.dumps(pair) for pair in ranked.rankings()) == sorted(
        json.dumps(pair)
        for pair in [(["Amal", "Bilal"], 3), (["Chen"], 1), ([["Bilal", "Chen"], "Amal"], 2)]
    )


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("3\n", 1),
        ('2 1\n1 1 2\n0\n"A"\n"B"\n', 2),  # no closing 0 on the ballot
        ('2 1\n1 1 3 0\n0\n"A"\n"B"\n', 2),  # no candidate 3
        ('2 1\n1 1 1 0\n0\n"A"\n"B"\n', 2),  # ranked twice
        ('2 1\n1.5 1 0\n0\n"A"\n"B"\n', 2),  # fractional weight
        ('2 1\n1 1 0\n"A"\n"B"\n', 3),  # no 0 line ends the ballots
        ('2 1\n1 1 0\n0\n"A"\n', 4),  # a name is missing
        ('2 1\n1 1 0\n0\nA\n"B"\n', 4),  # unquoted name
        ('2 1\n1 1 - 2 0\n0\n"A"\n"B"\n', 2),  # skipped ranking
    ],
)
def test_a_malformed_blt_names_the_line(text, line):
    with pytest.raises(MalformedFile) as raised:
        read_blt(text)
    assert raised.value.line == line
    assert raised.value.code == "malformed_file"


PREFLIB_TOI = """\
# FILE NAME: 00008-00000099.toi
# TITLE: A test
# DATA TYPE: toi
# NUMBER ALTERNATIVES: 3
# ALTERNATIVE NAME 1: Amal
# ALTERNATIVE NAME 2: Bilal
# ALTERNATIVE NAME 3: Chen
5: 1,{2,3}
2: 3
1: 2,1,3
"""


def test_preflib_reads_counts_rankings_and_equal_groups():
    ballot_file = read_preflib(PREFLIB_TOI, data_type="toi")
    assert ballot_file.title == "A test" and ballot_file.seats is None
    ranked = ballot_file.ranked
    assert ranked is not None
    # 1,{2,3} ranks every remaining alternative equal last: the same as "1".
    assert sorted(ranked.rankings()) == [
        (["Amal"], 5),
        (["Bilal", "Amal", "Chen"], 1),
        (["Chen"], 2),
    ]


def test_preflib_checks_the_data_type():
    with pytest.raises(MalformedFile):
        read_preflib(PREFLIB_TOI.replace("DATA TYPE: toi", "DATA TYPE: soi"), data_type="soi")
    with pytest.raises(MalformedFile) as raised:
        read_preflib(PREFLIB_TOI.replace("toi", "soc"), data_type="soc")
    assert raised.value.line == 8  # "5: 1,{2,3}" ranks alternatives equal in a soc file
    with pytest.raises(MalformedFile) as raised:
        read_preflib(PREFLIB_TOI + "3: 1,4\n", data_type="toi")
    assert raised.value.line == 11


def test_preflib_soc_must_rank_everyone():
    text = "# DATA TYPE: soc\n# NUMBER ALTERNATIVES: 2\n1: 1,2\n1: 1\n"
    with pytest.raises(MalformedFile) as raised:
        read_preflib(text)
    assert raised.value.line == 4


def test_json_ranked_ballots_with_weights_and_equal_rankings():
    text = json.dumps(
        {
            "title": "Board 2025",
            "candidates": ["Amal", "Bilal", "Chen", "Dana"],
            "seats": 1,
            "ballots": [
                {"ranking": ["Amal", "Bilal"], "weight": 3},
                {"ranking": ["Chen", ["Amal", "Bilal"], "Dana"]},
            ],
        }
    )
    ballot_file = read_json(text)
    assert ballot_file.kind == "ranked" and ballot_file.title == "Board 2025"
    assert ballot_file.ranked is not None and ballot_file.ranked.total == 4
    assert count_ballot_file(ballot_file, method="schulze").winners == ["Amal"]


@pytest.mark.parametrize(
    ("data", "method", "winners"),
    [
        ({"candidates": ["A", "B"], "ballots": [{"choice": "A"}, {"choice": None}]}, None, ["A"]),
        (
            {"candidates": ["A", "B"], "max_approvals": 1, "ballots": [{"approve": ["B"]}]},
            None,
            ["B"],
        ),
        (
            {"candidates": ["A", "B"], "score_range": [0, 3], "ballots": [{"scores": {"A": 3}}]},
            None,
            ["A"],
        ),
        ({"candidates": ["A", "B"], "dots": 2, "ballots": [{"dots": {"B": 2}}]}, None, ["B"]),
        (
            {"kind": "yes_no", "threshold": "two_thirds", "ballots": [{"choice": "yes"}]},
            None,
            ["yes"],
        ),
        (
            {"kind": "consent", "ballots": [{"choice": "block", "reason": "no budget"}]},
            None,
            [],
        ),
        (
            {"candidates": ["Mon", "Tue"], "ballots": [{"availability": {"Tue": "yes"}}]},
            "meeting_time",
            ["Tue"],
        ),
    ],
)
def test_json_counts_every_poll_kind(data, method, winners):
    assert count_ballot_file(read_json(json.dumps(data)), method=method).winners == winners


def test_a_bad_json_ballot_names_its_line():
    text = (
        '{\n  "candidates": ["A", "B"],\n  "ballots": [\n'
        '    {"ranking": ["A"]},\n    {"ranking": ["A", "Z"]}\n  ]\n}\n'
    )
    with pytest.raises(MalformedFile) as raised:
        read_json(text)
    assert raised.value.line == 5
    with pytest.raises(MalformedFile) as raised:
        read_json(text.replace('{"ranking": ["A"]}', '{"ranking": ["A"], "colour": 1}'))
    assert raised.value.line == 4


def test_invalid_json_names_the_line_of_the_syntax_error():
    with pytest.raises(MalformedFile) as raised:
        read_json('{\n  "candidates": ["A"],\n  "ballots": [\n}\n')
    assert raised.value.line == 4


def test_read_ballot_file_chooses_the_reader_by_extension(tmp_path):
    (tmp_path / "board.blt").write_text(BLT)
    (tmp_path / "poll.toi").write_text(PREFLIB_TOI)
    (tmp_path / "poll.json").write_text(json.dumps({"kind": "yes_no", "ballots": []}))
    assert read_ballot_file(tmp_path / "board.blt").seats == 2
    assert read_ballot_file(tmp_path / "poll.toi").kind == "ranked"
    assert read_ballot_file(tmp_path / "poll.json").kind == "yes_no"
    (tmp_path / "poll.txt").write_text("")
    with pytest.raises(MalformedFile):
        read_ballot_file(tmp_path / "poll.txt")


def test_ranked_files_count_by_irv_for_one_seat_and_stv_for_more():
    strict = read_blt(BLT.replace("2=3", "2 3"))
    assert count_ballot_file(strict).method == "stv"
    strict.seats = 1
    assert count_ballot_file(strict).method == "irv"
    assert count_ballot_file(strict, method="meek").method == "stv"
    with pytest.raises(EqualRankingsUnsupported):
        count_ballot_file(read_blt(BLT), method="stv")  # "2=3" ranks two candidates equal
    assert count_ballot_file(read_blt(BLT), method="schulze").method == "schulze"
