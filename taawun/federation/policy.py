"""The instance's rules for other servers: blocks (a domain and all its
subdomains: nothing fetched, nothing delivered, nothing accepted) and the
allowlist-only mode (``TAAWUN_FEDERATION_ALLOWLIST_ONLY``), where only the
allowed domains and their subdomains are spoken to."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from taawun.errors import InvalidInput
from taawun.federation.models import DomainRule


def _host(domain: str) -> str:
    """The host of ``host[:port]``, lower case, without a trailing dot."""
    domain = domain.strip().lower().rstrip(".")
    if domain.startswith("["):
        return domain.split("]")[0] + "]"
    return domain.rsplit(":", 1)[0] if domain.count(":") == 1 else domain


def _covers(rule: str, host: str) -> bool:
    return host == rule or host.endswith("." + rule)


def domain_allowed(domain: str) -> bool:
    """May we fetch from, deliver to, or accept anything from ``domain``?"""
    host = _host(domain)
    if not host:
        return False
    rules = list(DomainRule.objects.values_list("domain", "kind"))
    if any(kind == DomainRule.Kind.BLOCK and _covers(rule, host) for rule, kind in rules):
        return False
    if getattr(settings, "TAAWUN_FEDERATION_ALLOWLIST_ONLY", False):
        return any(kind == DomainRule.Kind.ALLOW and _covers(rule, host) for rule, kind in rules)
    return True


def normalise_domain(text: str) -> str:
    host = _host(text.strip().removeprefix("https://").removeprefix("http://").split("/")[0])
    labels = host.split(".")
    if not host or any(not label or len(label) > 63 for label in labels) or len(host) > 253:
        raise InvalidInput(_("Give a domain name such as example.org."), field="domain")
    if not all(ch.isalnum() or ch in "-.[]:" for ch in host):
        raise InvalidInput(_("Give a domain name such as example.org."), field="domain")
    return host


@transaction.atomic
def block_domain(domain: str, *, reason: str = "") -> DomainRule:
    host = normalise_domain(domain)
    rule, _created = DomainRule.objects.update_or_create(
        domain=host, kind=DomainRule.Kind.BLOCK, defaults={"reason": reason[:500]}
    )
    return rule


@transaction.atomic
def unblock_domain(domain: str) -> None:
    DomainRule.objects.filter(domain=normalise_domain(domain), kind=DomainRule.Kind.BLOCK).delete()


@transaction.atomic
def allow_domain(domain: str, *, reason: str = "") -> DomainRule:
    host = normalise_domain(domain)
    rule, _created = DomainRule.objects.update_or_create(
        domain=host, kind=DomainRule.Kind.ALLOW, defaults={"reason": reason[:500]}
    )
    return rule


@transaction.atomic
def disallow_domain(domain: str) -> None:
    DomainRule.objects.filter(domain=normalise_domain(domain), kind=DomainRule.Kind.ALLOW).delete()
