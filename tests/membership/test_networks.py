"""Networks of cooperatives on one instance, and what "our networks" opens."""

from __future__ import annotations

import pytest

from taawun.errors import Conflict, InvalidInput
from taawun.membership import networks
from taawun.membership.models import NetworkMembership
from tests import factories

pytestmark = pytest.mark.django_db


def test_cooperatives_in_one_network_are_each_others_neighbours():
    a, b, c = (factories.cooperative() for _ in range(3))
    arab = networks.create_network(slug="arab-tech", names={"en": "Arab tech co-ops"})
    networks.join_network(a, arab)
    networks.join_network(b, arab)

    assert networks.neighbours([a.pk]) == {a.pk, b.pk}
    assert networks.neighbours([c.pk]) == {c.pk}
    assert networks.neighbours([]) == set()


def test_a_cooperative_in_two_networks_reaches_both():
    a, b, c = (factories.cooperative() for _ in range(3))
    one = networks.create_network(slug="one", names={"en": "One"})
    two = networks.create_network(slug="two", names={"ar": "اثنان"})
    networks.join_network(a, one)
    networks.join_network(b, one)
    networks.join_network(a, two)
    networks.join_network(c, two)

    assert networks.neighbours([a.pk]) == {a.pk, b.pk, c.pk}
    # Neighbourhood does not chain: b and c share no network.
    assert networks.neighbours([b.pk]) == {a.pk, b.pk}


def test_joining_twice_keeps_one_membership_and_leaving_ends_it():
    a, b = factories.cooperative(), factories.cooperative()
    net = networks.create_network(slug="net", names={"en": "Net"})
    networks.join_network(a, net)
    networks.join_network(a, net)
    networks.join_network(b, net)
    assert NetworkMembership.objects.filter(network=net, cooperative=a).count() == 1

    networks.leave_network(a, net)
    assert networks.neighbours([a.pk]) == {a.pk}


def test_a_network_needs_a_name_and_a_free_short_name():
    networks.create_network(slug="taken", names={"en": "Taken"})
    with pytest.raises(InvalidInput) as nameless:
        networks.create_network(slug="nameless", names={"en": "  "})
    assert nameless.value.field == "names"
    with pytest.raises(Conflict) as taken:
        networks.create_network(slug="taken", names={"en": "Again"})
    assert taken.value.field == "slug"


def test_networks_and_cooperatives_never_share_a_handle():
    """Both are found at @slug@server, so one short name names one of them."""
    coop = factories.cooperative(slug="masar")
    with pytest.raises(Conflict) as network_clash:
        networks.create_network(slug=coop.slug, names={"en": "Masar network"})
    assert network_clash.value.field == "slug"
    networks.create_network(slug="nawa-network", names={"en": "Nawa network"})
    with pytest.raises(Conflict) as coop_clash:
        factories.cooperative(slug="nawa-network")
    assert coop_clash.value.field == "slug"
