"""Properties every count keeps, whatever the ballots (Hypothesis)."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from taawun.tally import (
    RankedBallots,
    approval,
    condorcet_winner,
    consent,
    instant_runoff,
    meek_stv,
    pairwise_matrix,
    plurality,
    schulze,
    scottish_stv,
)

LETTERS = "ABCDEF"
SETTINGS = settings(max_examples=80, deadline=None)


@st.composite
def ranked_polls(draw, min_candidates=2, max_candidates=6):
    """(candidates, [(ranking, weight)...]) with at least one ballot."""
    n = draw(st.integers(min_candidates, max_candidates))
    names = list(LETTERS[:n])
    ballot = st.tuples(
        st.permutations(names).flatmap(
            lambda order: st.integers(1, len(order)).map(lambda k: list(order[:k]))
        ),
        st.integers(1, 5),
    )
    return names, draw(st.lists(ballot, min_size=1, max_size=25))


def build(names, ballots):
    return RankedBallots.from_rankings(names, [r for r, _ in ballots], [w for _, w in ballots])


@SETTINGS
@given(ranked_polls(), st.randoms(use_true_random=False), st.integers(1, 4))
def test_results_never_depend_on_ballot_order(poll, rng, seats):
    names, ballots = poll
    shuffled = list(ballots)
    rng.shuffle(shuffled)
    a, b = build(names, ballots), build(names, shuffled)
    assert instant_runoff(a, seed="s").to_dict() == instant_runoff(b, seed="s").to_dict()
    assert scottish_stv(a, seats, seed="s").to_dict() == scottish_stv(b, seats, seed="s").to_dict()
    assert meek_stv(a, seats, seed="s").to_dict() == meek_stv(b, seats, seed="s").to_dict()
    assert schulze(a, seed="s").to_dict() == schulze(b, seed="s").to_dict()


@SETTINGS
@given(ranked_polls(), st.integers(1, 5))
def test_every_stv_stage_accounts_for_the_whole_valid_poll(poll, seats):
    names, ballots = poll
    valid = sum(w for _, w in ballots)
    result = scottish_stv(build(names, ballots), seats)
    for stage in result.rounds:
        assert stage.residue is not None
        assert sum(stage.tallies.values()) + stage.exhausted + stage.residue == Decimal(valid)
        assert stage.residue >= 0 and stage.exhausted >= 0
    assert len(result.winners) == min(seats, len(names))
    assert len(set(result.winners)) == len(result.winners)
    meek = meek_stv(build(names, ballots), seats)
    for stage in meek.rounds:
        assert sum(stage.tallies.values()) + stage.exhausted == Decimal(valid)
    assert len(meek.winners) == min(seats, len(names))


@SETTINGS
@given(ranked_polls())
def test_one_seat_stv_elects_the_irv_winner(poll):
    names, ballots = poll
    stv = scottish_stv(build(names, ballots), 1)
    irv = instant_runoff(build(names, ballots))
    meek = meek_stv(build(names, ballots), 1)
    # Lots are drawn per method, so compare only counts that needed none.
    if not any(t.rule == "lot" for t in stv.tie_breaks + irv.tie_breaks):
        assert stv.winners == irv.winners
    if not any(t.rule == "lot" for t in meek.tie_breaks + irv.tie_breaks):
        assert meek.winners == irv.winners


@SETTINGS
@given(ranked_polls(min_candidates=3))
def test_schulze_picks_the_condorcet_winner_when_there_is_one(poll):
    names, ballots = poll
    profile = build(names, ballots)
    winner = condorcet_winner(pairwise_matrix(profile))
    if winner is not None:
        assert schulze(profile).winners == [names[winner]]


@SETTINGS
@given(
    st.lists(st.sampled_from(["Amal", "Bilal", "Chen", None]), max_size=40),
    st.lists(st.sets(st.sampled_from(["Amal", "Bilal", "Chen"])), max_size=40),
)
def test_plurality_and_approval_totals_equal_the_counts(choices, approvals):
    names = ["Amal", "Bilal", "Chen"]
    result = plurality(names, choices)
    assert result.totals == {name: choices.count(name) for name in names}
    assert result.ballots == sum(1 for c in choices if c is not None)
    result = approval(names, approvals)
    assert result.totals == {name: sum(name in a for a in approvals) for name in names}


@SETTINGS
@given(
    st.lists(st.sampled_from(["agree", "abstain", "disagree", "block"]), max_size=30),
    st.randoms(use_true_random=False),
)
def test_a_consent_count_never_depends_on_ballot_order_and_any_block_stops_it(votes, rng):
    shuffled = list(votes)
    rng.shuffle(shuffled)
    result = consent(votes)
    assert result.to_dict() == consent(shuffled).to_dict()
    if "block" in votes:
        assert not result.passed
