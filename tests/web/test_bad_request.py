"""A request too large to read gets a page in the reader's language, and
nothing is saved."""

from __future__ import annotations

import pytest
from django.conf import settings

from taawun.knowledge.models import Article
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "says"),
    [("en", "We could not read what was sent"), ("ar", "تعذّرت علينا قراءة ما أُرسل")],
)
def test_a_form_far_too_large_is_refused_with_a_page_and_saves_nothing(client, language, says):
    coop = factories.cooperative()
    member = factories.member(coop, factories.person(language=language))
    client.force_login(member.user)
    body = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)

    response = client.post(
        f"/coops/{coop.slug}/knowledge/new/",
        {"title": "Too long", "body": body, "language": "en", "visibility": "cooperative"},
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert says in page
    assert f'lang="{language}"' in page
    assert not Article.objects.exists()
