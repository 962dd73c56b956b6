"""The demo network's first decision, made through the same actions as
everything else: the Arab Tech Co-ops Network asks its cooperatives whether
to adopt a shared code of conduct for joint projects; Nawa has answered,
Masar Code has not yet. Safe to run again: nothing is added twice."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from taawun.federation import decisions, rules
from taawun.federation.models_decisions import NetworkDecision
from taawun.membership.models import Cooperative, Network

NETWORK = "arab-tech-coops"
TITLE = "Adopt a shared code of conduct for joint projects?"
BODY = (
    "When our cooperatives staff a project together, one code of conduct "
    "would say how we share credit, settle disagreements and welcome new "
    "contributors. The draft is in Masar Code's knowledge base."
)
OPTIONS = ["Adopt the code", "Discuss it further first"]


def load() -> None:
    network = Network.objects.filter(slug=NETWORK).first()
    if network is None or NetworkDecision.objects.filter(network=network).exists():
        return
    coordinators = {member.cooperative.slug: member for member in rules.coordinators(network)}
    opener = coordinators.get("masar-code")
    if opener is None:
        return
    decision = decisions.open_decision(
        network,
        by=opener,
        title=TITLE,
        body=BODY,
        options=list(OPTIONS),
        closes_at=timezone.now() + timedelta(days=14),
    )
    nawa = Cooperative.objects.filter(slug="nawa-net").first()
    if nawa is not None and "nawa-net" in coordinators:
        decisions.answer_decision(nawa, decision, choice=OPTIONS[0], by=coordinators["nawa-net"])
