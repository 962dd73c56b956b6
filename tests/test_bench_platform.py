"""The platform benchmark's look-up timings compare like with like.

bench.populate.lookups times each look-up as the ORM queryset and as the
query compiled once; it must refuse to report when the two disagree.
"""

from __future__ import annotations

import pytest

from bench import populate
from taawun.membership import queries
from tests import factories

pytestmark = pytest.mark.django_db


def test_each_look_up_is_timed_three_ways_after_its_answers_agree(coop, founder):
    rows = populate.lookups(founder.email, coop.slug, rounds=1, calls=2)
    assert [row["lookup"] for row in rows] == [
        "The cooperative by its slug",
        "A person's membership of it",
        "Both in one join (member directory)",
        "A person's membership versions (dashboard)",
    ]
    for row in rows:
        assert row["orm"] > 0 and row["prepared"] > 0 and row["sql"] > 0
        assert row["ratio"] == pytest.approx(row["orm"] / row["prepared"], rel=0.05)


def test_a_compiled_look_up_that_answers_differently_stops_the_benchmark(
    coop, founder, monkeypatch
):
    other = factories.cooperative(slug="elsewhere")
    monkeypatch.setattr(queries, "get_cooperative", lambda slug: other)
    with pytest.raises(SystemExit, match="The cooperative by its slug: the compiled query"):
        populate.lookups(founder.email, coop.slug, rounds=1, calls=1)
