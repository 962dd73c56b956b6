"""Networks of cooperatives on this instance: make one, join it, leave it,
and find which cooperatives share a network (what "visible to our networks"
opens to)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from taawun.errors import Conflict, InvalidInput
from taawun.membership.models import Cooperative, Network, NetworkMembership


def create_network(*, slug: str, names: dict[str, str]) -> Network:
    names = {lang: text.strip() for lang, text in names.items() if text and text.strip()}
    if not names:
        raise InvalidInput(_("Give the network a name."), field="names")
    if Network.objects.filter(slug=slug).exists():
        raise Conflict(_("There is already a network with this short name."), field="slug")
    # Cooperatives and networks share one space of handles (@slug@server).
    if Cooperative.objects.filter(slug=slug).exists():
        raise Conflict(_("That short name is already taken."), field="slug")
    return Network.objects.create(slug=slug, names=names)


@transaction.atomic
def join_network(coop: Cooperative, network: Network) -> NetworkMembership:
    membership, _created = NetworkMembership.objects.get_or_create(
        network=network, cooperative=coop
    )
    return membership


@transaction.atomic
def leave_network(coop: Cooperative, network: Network) -> None:
    NetworkMembership.objects.filter(network=network, cooperative=coop).delete()


def neighbours(coop_ids: Iterable[int]) -> set[int]:
    """The cooperatives that share a network with any of ``coop_ids``, and
    ``coop_ids`` themselves."""
    own = set(coop_ids)
    if not own:
        return own
    networks = NetworkMembership.objects.filter(cooperative_id__in=own).values("network_id")
    shared = NetworkMembership.objects.filter(network_id__in=networks).values_list(
        "cooperative_id", flat=True
    )
    return own | set(shared)
