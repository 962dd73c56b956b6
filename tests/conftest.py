from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings as django_settings
from django.utils import translation
from hypothesis import settings

from tests import factories

# No deadline: how long an example takes is for the benchmarks to measure; on
# a shared, busy machine a deadline only makes correct code fail at random.
settings.register_profile("taawun", deadline=None)
settings.load_profile("taawun")


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the default language: a request made with the test
    client activates the signed-in person's language in the thread, as a
    server does per request, and it must not carry over to the next test."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def coop(db):  # type: ignore[no-untyped-def]
    return factories.cooperative()


@pytest.fixture
def founder(coop):  # type: ignore[no-untyped-def]
    return factories.founder_of(coop)
