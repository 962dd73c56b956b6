"""`taawun search reindex` and `taawun search query`: the same index and the
same search as the web, from a terminal."""

from __future__ import annotations

import json

import pytest

from taawun.cli import main
from taawun.knowledge.models import Article, SearchDocument

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(coop, founder):
    return Article.objects.create(
        cooperative=coop,
        slug="seeds",
        language="en",
        title="Seed <library>",
        body="Keep seeds dry.",
        visibility="public",
        author=coop.members.get(user=founder),
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["search"],
        ["search", "rebuild"],
        ["search", "query"],
        ["search", "query", "x", "--page", "y"],
    ],
)
def test_wrong_arguments_exit_2_with_one_line(argv, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "--help" in err


def test_reindex_rebuilds_the_whole_index(article, capsys):
    SearchDocument.objects.all().delete()
    main(["search", "reindex"])
    assert "Indexed 1 document." in capsys.readouterr().out
    assert SearchDocument.objects.get().object_id == article.pk


def test_query_prints_what_a_visitor_finds(article, capsys):
    main(["search", "query", "seeds"])
    out = capsys.readouterr().out
    assert out.split("\t")[0] == "article" and out.strip().endswith("Seed <library>")
    main(["search", "query", "seeds", "--json"])
    found = json.loads(capsys.readouterr().out)
    assert found["total"] == 1
    assert found["results"][0]["title"] == "<mark>Seed</mark> &lt;library&gt;"


def test_query_refuses_with_a_reason(article, capsys):
    for argv in (["search", "query", "!!!"], ["search", "query", "x", "--kind", "secret"]):
        with pytest.raises(SystemExit) as stopped:
            main(argv)
        assert stopped.value.code == 1
        assert capsys.readouterr().err.startswith("taawun: ")
