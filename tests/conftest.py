from __future__ import annotations

import pytest
from hypothesis import settings

from tests import factories

# No deadline: how long an example takes is for the benchmarks to measure; on
# a shared, busy machine a deadline only makes correct code fail at random.
settings.register_profile("taawun", deadline=None)
settings.load_profile("taawun")


@pytest.fixture
def coop(db):  # type: ignore[no-untyped-def]
    return factories.cooperative()


@pytest.fixture
def founder(coop):  # type: ignore[no-untyped-def]
    return factories.founder_of(coop)
