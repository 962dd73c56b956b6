"""Fixtures of the federation tests: ``peer`` is another server, really
listening on loopback (tests/federation/peers.py)."""

from tests.federation.peers import peer

__all__ = ["peer"]
