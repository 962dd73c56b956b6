"""What a reader typed, made into what the index is asked (pure).

Nothing typed is ever passed to the database as query syntax: quotes,
``AND``, ``OR``, ``NEAR``, ``*``, ``-``, brackets and colons are punctuation
or plain words here. A query is its words (normalised); each word is looked
up under its index terms (itself, and an Arabic word also without its
prefix), any of which may match; every word must match somewhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from taawun.knowledge.normalise import index_terms, tokens

# Typed text longer than this is cut to its first MAX_WORDS words (with a
# note to the reader), never refused.
MAX_QUERY_CHARS = 500
MAX_WORDS = 32
# No word is longer; a longer "word" (a pasted hash, a run of letters) is cut.
MAX_WORD_CHARS = 64
# Only this much of what was typed is read at all (its first words are in it).
MAX_READ_CHARS = 20_000


@dataclass(frozen=True)
class ParsedQuery:
    """The words of a query (normalised, each once, in the order typed) and
    the index terms each may be found under."""

    words: tuple[str, ...] = ()
    groups: tuple[tuple[str, ...], ...] = ()
    trimmed: bool = False

    @property
    def empty(self) -> bool:
        return not self.words


def parse_query(text: str) -> ParsedQuery:
    """``text`` as typed (any length, any characters) → the query's words."""
    text = text or ""
    words: list[str] = []
    for token in tokens(text[:MAX_READ_CHARS]):
        word = token[:MAX_WORD_CHARS]
        if word not in words:
            words.append(word)
    trimmed = len(text) > MAX_QUERY_CHARS or len(words) > MAX_WORDS
    words = words[:MAX_WORDS]
    groups = tuple(tuple(index_terms(word)) for word in words)
    return ParsedQuery(words=tuple(words), groups=groups, trimmed=trimmed)
