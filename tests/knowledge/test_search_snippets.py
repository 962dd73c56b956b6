"""Snippets and titles: the words searched for are marked, whatever their
spelling in the text, and everything else is escaped (pure functions)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from taawun.knowledge.search.highlight import ELLIPSIS, highlight, query_forms, snippet


def test_words_are_marked_in_the_spelling_of_the_text():
    wanted = query_forms(["بالتعاونيات", "الزراعيه"])
    html = snippet("دور التَّعاوُنِيّات الزراعيـة في القرية", wanted)
    assert html == "دور <mark>التَّعاوُنِيّات</mark> <mark>الزراعيـة</mark> في القرية"


def test_english_words_are_marked_by_their_stem():
    assert highlight("Cooperatives and cooperation", query_forms(["cooperative"])) == (
        "<mark>Cooperatives</mark> and <mark>cooperation</mark>"
    )


def test_markup_in_a_document_comes_out_escaped():
    text = 'Use <script>alert("x")</script> & <b>bold</b> seeds'
    html = snippet(text, query_forms(["seeds", "script"]))
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;<mark>script</mark>&gt;alert(&quot;x&quot;)" in html
    assert html.endswith("<mark>seeds</mark>")
    assert (
        highlight("<i>seeds</i>", query_forms(["seeds"])) == "&lt;i&gt;<mark>seeds</mark>&lt;/i&gt;"
    )


def test_the_snippet_is_cut_around_the_densest_matches():
    words = [f"w{i}" for i in range(300)]
    words[10] = "seed"
    words[200:203] = ["seed", "library", "seed"]
    html = snippet(" ".join(words), query_forms(["seed", "library"]), size=30)
    assert html.startswith(ELLIPSIS) and html.endswith(ELLIPSIS)
    assert "<mark>library</mark>" in html
    assert html.count("<mark>") == 3


def test_a_text_without_the_words_shows_its_beginning():
    assert snippet("Nothing to see here", query_forms(["seed"])) == "Nothing to see here"


@given(st.text(), st.lists(st.text(max_size=20), max_size=4))
def test_a_snippet_never_lets_markup_through(text, words):
    html = str(snippet(text, query_forms(words)))
    bare = html.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in bare and ">" not in bare
    assert html.count("<mark>") == html.count("</mark>")
