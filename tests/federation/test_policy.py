"""The instance's block and allow lists."""

from __future__ import annotations

import pytest

from taawun.errors import InvalidInput
from taawun.federation import policy
from taawun.federation.models import DomainRule

pytestmark = pytest.mark.django_db


def test_blocking_a_domain_blocks_its_subdomains_and_not_its_neighbours() -> None:
    policy.block_domain("Bad.Example", reason="spam")
    assert not policy.domain_allowed("bad.example")
    assert not policy.domain_allowed("social.bad.example:8443")
    assert policy.domain_allowed("notbad.example")
    assert policy.domain_allowed("example")


def test_unblocking_lets_a_domain_back_in() -> None:
    policy.block_domain("bad.example")
    policy.unblock_domain("https://bad.example/")
    assert policy.domain_allowed("bad.example")


def test_allowlist_only_speaks_only_to_allowed_domains(settings) -> None:  # type: ignore[no-untyped-def]
    settings.TAAWUN_FEDERATION_ALLOWLIST_ONLY = True
    policy.allow_domain("friends.example")
    assert policy.domain_allowed("friends.example")
    assert policy.domain_allowed("a.friends.example")
    assert not policy.domain_allowed("strangers.example")
    # A block still wins over an allow.
    policy.block_domain("a.friends.example")
    assert not policy.domain_allowed("a.friends.example")


@pytest.mark.parametrize("bad", ["", "   ", "exa mple.org", "a..b", "x" * 64 + ".org", "<b>.org"])
def test_a_malformed_domain_is_refused_with_a_reason(bad: str) -> None:
    with pytest.raises(InvalidInput):
        policy.block_domain(bad)
    assert not DomainRule.objects.exists()


def test_nothing_is_allowed_from_an_empty_domain() -> None:
    assert not policy.domain_allowed("")
