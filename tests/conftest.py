from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture
def coop(db):  # type: ignore[no-untyped-def]
    return factories.cooperative()


@pytest.fixture
def founder(coop):  # type: ignore[no-untyped-def]
    return factories.founder_of(coop)
