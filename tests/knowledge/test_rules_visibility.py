"""Who reads what in the knowledge commons: the reader's scope."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from taawun.errors import NotFound
from taawun.knowledge.rules import reader_scope, require_readable
from taawun.membership import actions, networks
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def three():
    """Cooperatives a and b share a network; c stands alone."""
    a, b, c = (factories.cooperative() for _ in range(3))
    net = networks.create_network(slug="shared", names={"en": "Shared"})
    networks.join_network(a, net)
    networks.join_network(b, net)
    return a, b, c


def test_a_visitor_reads_only_what_is_public(three):
    a, _, _ = three
    scope = reader_scope(AnonymousUser())
    assert scope.can_read("public", a.pk)
    assert not scope.can_read("network", a.pk)
    assert not scope.can_read("cooperative", a.pk)


def test_a_member_reads_their_cooperative_and_their_networks(three):
    a, b, c = three
    scope = reader_scope(factories.member(b).user)
    assert scope.can_read("cooperative", b.pk)
    assert scope.can_read("network", a.pk)
    assert not scope.can_read("cooperative", a.pk)
    assert not scope.can_read("network", c.pk)
    assert scope.can_read("public", c.pk)


def test_an_applicant_and_a_former_member_read_only_the_public(three):
    a, _, _ = three
    applicant = factories.applicant(a)
    leaver = factories.member(a)
    actions.withdraw_membership(leaver, by=leaver.user)
    for user in (applicant.user, leaver.user):
        scope = reader_scope(user)
        assert not scope.can_read("cooperative", a.pk)
        assert not scope.can_read("network", a.pk)


def test_what_a_reader_may_not_read_is_not_found(three):
    a, _, c = three
    scope = reader_scope(factories.member(a).user)
    require_readable(scope, "cooperative", a.pk)
    with pytest.raises(NotFound):
        require_readable(scope, "cooperative", c.pk)
