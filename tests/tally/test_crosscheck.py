"""Cross-checks against an independent implementation (pref-voting)."""

import numpy as np

# pref-voting is a test-only dependency (requirements/dev.txt), never skipped.
import pref_voting.profiles as profiles
import pref_voting.voting_methods as methods
import pytest

from taawun.tally import RankedBallots, instant_runoff, schulze


def random_profile(seed: int) -> tuple[list[list[int]], list[int]]:
    rng = np.random.default_rng(seed)
    n_candidates = int(rng.integers(3, 7))
    n_orders = int(rng.integers(2, 12))
    # Skewed utilities make Condorcet winners, cycles and near-ties all turn up.
    bias = rng.normal(size=n_candidates)
    orders = [
        [int(c) for c in np.argsort(-(bias + rng.normal(size=n_candidates)))]
        for _ in range(n_orders)
    ]
    counts = [int(c) for c in rng.integers(1, 9, size=n_orders)]
    return orders, counts


def ours(orders: list[list[int]], counts: list[int]) -> RankedBallots:
    names = [f"c{i}" for i in range(len(orders[0]))]
    return RankedBallots.from_rankings(
        names, [[names[c] for c in order] for order in orders], counts
    )


@pytest.mark.parametrize("seed", range(150))
def test_instant_runoff_agrees_with_pref_voting(seed):
    orders, counts = random_profile(seed)
    profile = profiles.Profile(orders, rcounts=counts)
    result = instant_runoff(ours(orders, counts), seed=str(seed))
    winner = int(result.winners[0].removeprefix("c"))
    # Whatever the tie-breaking, the winner is one of IRV's possible winners...
    assert winner in methods.instant_runoff_put(profile)
    # ...and with no tie to break the two counts are the same count.
    if not result.tie_breaks:
        assert methods.instant_runoff(profile) == [winner]


@pytest.mark.parametrize("seed", range(150))
def test_schulze_agrees_with_pref_voting_beat_path(seed):
    orders, counts = random_profile(seed)
    profile = profiles.Profile(orders, rcounts=counts)
    result = schulze(ours(orders, counts), seed=str(seed))
    top_tier = sorted(int(name.removeprefix("c")) for name in result.ranking[0])
    assert top_tier == sorted(methods.beat_path(profile))
    assert set(top_tier) <= set(methods.split_cycle(profile))
