"""Single transferable vote: the Scottish rules (SSI 2007/42) and Meek."""

from decimal import Decimal

import pytest

from taawun.tally import (
    EqualRankingsUnsupported,
    InvalidSettings,
    RankedBallots,
    meek_stv,
    scottish_stv,
    single_transferable_vote,
)
from tests.tally.helpers import ranked


def test_quota_is_valid_papers_over_seats_plus_one_ignoring_decimals_plus_one():
    ballots = ranked(
        "ABCD", (5, "AB"), (4, "BAC"), (3, "C"), (2, "DC"), (1, "A"), (1, "B"), (1, "AC")
    )
    assert scottish_stv(ballots, 2).quota == 17 // 3 + 1


def test_first_stage_surplus_moves_every_paper_at_surplus_over_total_truncated():
    # A has 7 first preferences, the quota is 6: each of A's papers moves at
    # 1/7 = 0.142857... truncated to 0.14285 (rule 48(3)).
    ballots = ranked(
        "ABCD", (5, "AB"), (4, "BAC"), (3, "C"), (2, "DC"), (1, "A"), (1, "B"), (1, "AC")
    )
    result = scottish_stv(ballots, 2)
    stage_two = result.rounds[1]
    transfer = stage_two.transferred
    assert transfer is not None and transfer.kind == "surplus" and transfer.from_ == "A"
    assert transfer.surplus == Decimal("1.00000") and transfer.total == Decimal("7.00000")
    assert transfer.to == {"B": Decimal("0.71425"), "C": Decimal("0.14285")}
    assert transfer.non_transferable == Decimal("0.14285")
    assert transfer.loss == Decimal("0.00005")
    assert stage_two.tallies["A"] == Decimal("6.00000")  # the elected keep exactly the quota
    assert stage_two.tallies["B"] == Decimal("5.71425")


def test_later_surplus_values_each_paper_at_what_it_carried_when_received():
    # Stage 2 moves A's 13 papers to B at 7/13 = 0.53846; B is then elected
    # with 7.99998 and its surplus 1.99998 moves each paper at
    # surplus x value / total: 0.24999 for B's own first preference (set
    # aside: no next preference) and 0.13461 for each paper from A.
    ballots = ranked("ABCDE", (13, "ABC"), (1, "B"), (1, "C"), (3, "D"), (2, "E"))
    result = scottish_stv(ballots, 3)
    assert result.quota == 6
    first, second = result.rounds[1].transferred, result.rounds[2].transferred
    assert first is not None and second is not None
    assert first.to == {"B": Decimal("6.99998")}
    assert result.rounds[1].elected == ["B"]
    assert second.from_ == "B" and second.surplus == Decimal("1.99998")
    assert second.total == Decimal("7.99998")
    assert second.to == {"C": Decimal("1.74993")}
    assert second.non_transferable == Decimal("0.24999")
    assert second.loss == Decimal("0.00006")
    assert result.winners == ["A", "B", "D"]


def test_last_vacancies_are_filled_without_transferring_the_excluded_papers():
    ballots = ranked("ABCDE", (13, "ABC"), (1, "B"), (1, "C"), (3, "D"), (2, "E"))
    last = scottish_stv(ballots, 3).rounds[-1]
    # C is excluded, D is the only one left for the last seat: rule 52.
    assert last.excluded == ["C"] and last.elected == ["D"]
    assert last.transferred is None
    assert last.note


def test_largest_surplus_is_transferred_first():
    ballots = ranked("ABCD", (9, "AC"), (7, "BD"), (2, "C"), (2, "D"))
    result = scottish_stv(ballots, 3)
    assert result.rounds[0].elected == ["A", "B"]
    transfer = result.rounds[1].transferred
    assert transfer is not None and transfer.from_ == "A"


def test_equal_surpluses_with_no_earlier_difference_go_to_a_recorded_lot():
    ballots = ranked("ABCD", (8, "AC"), (8, "BD"), (2, "C"), (2, "D"))
    result = scottish_stv(ballots, 3, seed="board-2025")
    lots = [t for t in result.tie_breaks if t.purpose == "surplus_order"]
    assert lots and lots[0].rule == "lot" and lots[0].lot is not None
    assert lots[0].lot.seed == "board-2025"


def test_exclusion_tie_looks_back_to_the_latest_stage_where_the_votes_differed():
    # Quota 8; A's surplus of 2 moves at 0.2 and lifts B from 2 to 4, level
    # with C; at stage 1 B had fewer, so B is excluded (rule 51(2)(a)).
    ballots = ranked("ABCD", (10, "AB"), (2, "B"), (4, "C"), (5, "D"))
    result = scottish_stv(ballots, 2)
    assert result.rounds[1].tallies["B"] == result.rounds[1].tallies["C"] == Decimal(4)
    ties = [t for t in result.tie_breaks if t.purpose == "exclusion"]
    assert ties[0].rule == "earlier_round" and ties[0].chosen == "B"
    assert ties[0].earlier_round == 1


def test_every_candidate_is_elected_when_seats_are_no_fewer_than_candidates():
    result = scottish_stv(ranked("AB", (3, "A"), (1, "B")), 2)
    assert result.winners == ["A", "B"]
    assert len(result.rounds) == 1


def test_stv_refuses_equal_rankings_and_impossible_seats():
    with pytest.raises(EqualRankingsUnsupported):
        scottish_stv(RankedBallots.from_rankings("ABCD", [["A", ["B", "C"], "D"]]), 1)
    with pytest.raises(InvalidSettings):
        scottish_stv(ranked("AB", (1, "A")), 0)
    with pytest.raises(InvalidSettings):
        single_transferable_vote(ranked("AB", (1, "A")), 1, rules="irish")


def test_meek_elects_the_clear_winners_and_reports_keep_values():
    ballots = ranked(
        "ABCD", (5, "AB"), (4, "BAC"), (3, "C"), (2, "DC"), (1, "A"), (1, "B"), (1, "AC")
    )
    result = meek_stv(ballots, 2)
    assert result.rules == "meek" and result.precision == 9
    assert result.winners == ["A", "B"]
    keep = result.rounds[-1].keep_values
    assert keep is not None and Decimal(0) < keep["A"] < Decimal(1)


def test_meek_surplus_settles_within_a_millionth_of_the_quota():
    ballots = ranked("ABCDE", (13, "ABC"), (1, "B"), (1, "C"), (3, "D"), (2, "E"))
    result = meek_stv(ballots, 3)
    for stage in result.rounds[1:]:
        assert stage.quota is not None
        keep = stage.keep_values or {}
        for name in result.winners:
            if keep.get(name, Decimal(1)) < 1:
                assert abs(stage.tallies[name] - stage.quota) <= stage.quota / 10**6


def test_meek_accounts_for_every_vote_without_rounding_loss():
    ballots = ranked("ABCDE", (13, "ABC"), (1, "B"), (1, "C"), (3, "D"), (2, "E"))
    for stage in meek_stv(ballots, 3).rounds:
        assert sum(stage.tallies.values()) + stage.exhausted == Decimal(20)
