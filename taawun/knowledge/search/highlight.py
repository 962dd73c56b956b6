"""Titles and snippets with the words a reader searched for marked (pure).

A word of the text is marked when one of its forms meets one of the query
words' forms: the normalised word, the word without its Arabic prefix, and
their Snowball stems (Porter2 for English, the Arabic stemmer for Arabic).
The full-text index decides what matches; this only shows where, so it may
mark a little more or less than the index matched on.

Everything not a ``<mark>`` is HTML-escaped here: the result is safe to
put in a page as it is, whatever the document held.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable

import snowballstemmer
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from taawun.knowledge.normalise import index_terms, is_arabic, tokens

# A word as written, with its marks and tatweel (which normalise removes).
WRITTEN_WORD = re.compile(r"[^\W_][\w\u0610-\u061a\u0640\u064b-\u065f\u0670\u06d6-\u06ed]*")
SNIPPET_WORDS = 30
# Where in a long text the snippet looks for the words (the rest is not read).
SCAN_CHARS = 20_000
ELLIPSIS = "…"
# Windows compared at most (one per marked word, from the start).
MAX_WINDOWS = 200

_english = snowballstemmer.stemmer("english")
_arabic = snowballstemmer.stemmer("arabic")


@functools.lru_cache(maxsize=200_000)
def _stem(term: str) -> str:
    """A normalised term's Snowball stem (cached apart from ``forms``: the
    many written forms of a word, with its prefixes, share few stems)."""
    return _arabic.stemWord(term) if is_arabic(term) else _english.stemWord(term)


@functools.lru_cache(maxsize=65_536)
def forms(word: str) -> frozenset[str]:
    """The forms under which a written word meets a query word."""
    found: set[str] = set()
    for token in tokens(word):
        for term in index_terms(token):
            found.add(term)
            found.add(_stem(term))
    return frozenset(found)


def query_forms(words: Iterable[str]) -> frozenset[str]:
    found: set[str] = set()
    for word in words:
        found |= forms(word)
    return frozenset(found)


def _marked_words(words: Iterable[str], wanted: frozenset[str]) -> set[str]:
    """Which of these written words are to be marked (each looked at once)."""
    return {word for word in set(words) if not forms(word).isdisjoint(wanted)}


def _marks(text: str, wanted: frozenset[str]) -> list[tuple[int, int, bool]]:
    """(start, end, marked) of each written word of ``text``."""
    marked = _marked_words(WRITTEN_WORD.findall(text), wanted)
    return [(m.start(), m.end(), m.group() in marked) for m in WRITTEN_WORD.finditer(text)]


def _render(text: str, words: list[tuple[int, int, bool]], start: int, end: int) -> str:
    out: list[str] = []
    at = start
    for first, last, marked in words:
        if not marked or first < start or last > end:
            continue
        out.append(escape(text[at:first]))
        out.append(f"<mark>{escape(text[first:last])}</mark>")
        at = last
    out.append(escape(text[at:end]))
    return "".join(out)


def highlight(text: str, wanted: frozenset[str]) -> SafeString:
    """All of ``text`` (a title), escaped, with the wanted words marked."""
    return mark_safe(_render(text, _marks(text, wanted), 0, len(text)))  # noqa: S308


def snippet(text: str, wanted: frozenset[str], size: int = SNIPPET_WORDS) -> SafeString:
    """About ``size`` words of ``text`` around where most of the wanted
    words are (the start of the text if none is), escaped, the wanted words
    marked, with an ellipsis where the text goes on."""
    scanned = text[:SCAN_CHARS]
    # Cheap passes first (the regular expression and sets do the work); the
    # positions are taken only for the words of the window shown.
    words = WRITTEN_WORD.findall(scanned)
    if not words:
        return mark_safe(escape(scanned[:200]))  # noqa: S308
    marked = _marked_words(words, wanted)
    best, best_score = 0, (0, 0)
    hits = [i for i, word in enumerate(words) if word in marked] if marked else []
    for hit in hits[:MAX_WINDOWS]:
        first = max(0, hit - size // 4)
        found = [word for word in words[first : first + size] if word in marked]
        score = (len(set(found)), len(found))
        if score > best_score:
            best, best_score = first, score
    window = [
        (m.start(), m.end(), m.group() in marked)
        for m in itertools.islice(WRITTEN_WORD.finditer(scanned), best, best + size)
    ]
    start = 0 if best == 0 else window[0][0]
    end = window[-1][1] if best + size < len(words) else len(scanned)
    html = _render(scanned, window, start, end)
    before = ELLIPSIS + " " if start > 0 else ""
    after = " " + ELLIPSIS if end < len(text) else ""
    return mark_safe(before + html + after)  # noqa: S308
