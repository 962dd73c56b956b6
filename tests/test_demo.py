"""The demo network a newcomer sees: alive, bilingual, and loaded only once."""

from __future__ import annotations

import pytest

from taawun.ledger import queries as ledger_queries
from taawun.ledger.chain import verify_lines
from taawun.membership.demo import load_demo
from taawun.membership.models import Cooperative, Member

pytestmark = pytest.mark.django_db


def test_the_demo_network_is_three_living_cooperatives_and_loads_once():
    load_demo()
    coops = list(Cooperative.objects.order_by("slug"))
    assert {c.country for c in coops} == {"EG", "TN", "GB"}
    assert all(set(c.names) == {"ar", "en"} for c in coops)
    members = Member.objects.filter(number__isnull=False)
    assert 28 <= members.count() <= 35
    assert Member.objects.filter(status="applicant").count() == 6
    assert Member.objects.filter(status="probation").exists()
    assert {code for m in members for code in m.offices} == {"secretary", "treasurer", "board"}
    heads = {c.slug: ledger_queries.head(str(c.public_id)).hash for c in coops}
    load_demo()
    assert Member.objects.count() == members.count() + 6
    assert {c.slug: ledger_queries.head(str(c.public_id)).hash for c in coops} == heads
    for coop in coops:
        assert verify_lines(ledger_queries.export_lines(str(coop.public_id))).ok


def test_every_demo_cooperative_has_a_year_of_books_with_its_surplus_shared():
    from taawun.economy import queries
    from taawun.economy.models import BudgetingRound, Contribution, SurplusAllocation

    load_demo()
    for coop in Cooperative.objects.all():
        allocation = SurplusAllocation.objects.get(cooperative=coop)
        assert allocation.state == "posted" and allocation.poll is not None
        assert allocation.poll.result["passed"]
        assert allocation.capital_entries.count() == allocation.shares.count() > 0
        assert queries.share_capital(coop) > 0
        pending = Contribution.objects.filter(cooperative=coop, state="pending")
        assert pending.exists(), "the treasurer has hours to approve"
        budget = BudgetingRound.objects.get(cooperative=coop)
        assert budget.state == "voting" and budget.ballots.count() >= 5


def test_the_demo_network_has_an_open_decision_that_nawa_has_answered():
    from taawun.federation.models_decisions import NetworkAnswer, NetworkDecision

    load_demo()
    decision = NetworkDecision.objects.get(network__slug="arab-tech-coops")
    assert decision.state == "open"
    answers = NetworkAnswer.objects.filter(decision=decision)
    assert [a.cooperative.cooperative.slug for a in answers] == ["nawa-net"]
    load_demo()
    assert NetworkDecision.objects.count() == 1
