"""Results print as JSON the CLI and the result page can rely on."""

import json

from taawun.tally import (
    RankedBallots,
    instant_runoff,
    meek_stv,
    plurality,
    schulze,
    scottish_stv,
    yes_no,
)
from tests.tally.helpers import ranked

BALLOTS = ranked("ABCD", (5, "AB"), (4, "BAC"), (3, "C"), (2, "DC"), (1, "A"), (1, "B"), (1, "AC"))
COMMON = {"method", "candidates", "seats", "winners", "rounds", "quota", "tie_breaks", "ballots"}


def test_every_result_has_the_common_fields():
    for result in (
        instant_runoff(BALLOTS),
        scottish_stv(BALLOTS, 2),
        meek_stv(BALLOTS, 2),
        schulze(BALLOTS),
        plurality(["A", "B"], ["A"]),
        yes_no(["yes"]),
    ):
        data = json.loads(result.to_json())
        assert set(data) >= COMMON, result.method


def test_stv_tallies_are_decimal_strings_and_irv_tallies_are_integers():
    stv = json.loads(scottish_stv(BALLOTS, 2).to_json())
    assert stv["rounds"][1]["tallies"]["B"] == "5.71425"
    assert stv["rounds"][1]["transferred"]["from"] == "A"
    assert stv["quota"] == 6 and stv["rules"] == "scottish"
    irv = json.loads(instant_runoff(BALLOTS).to_json())
    assert irv["rounds"][0]["tallies"] == {"A": 7, "B": 5, "C": 3, "D": 2}
    assert irv["quota"] is None
    assert "keep_values" not in irv["rounds"][0]  # fields of other methods stay out


def test_schulze_json_shows_the_pairwise_matrix_and_strongest_paths():
    data = json.loads(schulze(BALLOTS).to_json())
    assert data["pairwise"]["A"]["B"] == 7
    assert set(data["strongest_paths"]) == {"A", "B", "C", "D"}
    assert data["ranking"][0] == data["winners"]


def test_a_lot_in_json_carries_everything_needed_to_redraw_it():
    data = json.loads(instant_runoff(ranked("AB", (1, "A"), (1, "B")), seed="s1").to_json())
    lot = data["tie_breaks"][0]["lot"]
    assert (
        lot["seed"] == "s1"
        and set(lot["keys"]) == {"A", "B"}
        and lot["method"].startswith("sha256")
    )


def test_json_keeps_non_latin_names():
    ballots = RankedBallots.from_rankings(["أمل", "بلال"], [["أمل"]])
    assert "أمل" in instant_runoff(ballots).to_json()
