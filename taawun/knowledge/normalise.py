# ruff: noqa: RUF001, RUF002 - Arabic letters in strings and docstrings are the point here
"""Text as the search compares it: one spelling for what readers treat as one.

Arabic is written with or without its short vowels, with or without a
tatweel stretching a word, with the hamza on its seat or left off, with ة
or ه at the end of a word, ى or ي, and Arabic-Indic or Western digits; a
search must not care. A word also carries its conjunction, preposition or
article in front (والتعاونيات، بالتعاونيات، للتعاونيات), so the index keeps
each Arabic word both as written and without that prefix.

Pure functions, no Django: the indexer, the query and the highlighter all
call the same ones, so what is indexed and what is searched always meet.
"""

from __future__ import annotations

import re
import unicodedata

# Letters spelt more than one way, to the one spelling kept. Alef with a
# hamza or a madda and ؤ, ئ lose their marks in the decomposition below
# (NFKD splits them into the bare letter and a combining mark); these have no
# decomposition.
LETTERS = {
    "ٱ": "ا",  # alef wasla
    "ة": "ه",  # ta marbuta, often written as ha
    "ى": "ي",  # alef maqsura, often written as ya (and the reverse)
    "ی": "ي",  # Persian yeh, from Persian and Urdu keyboards
    "ک": "ك",  # keheh, likewise
}
TATWEEL = "\u0640"
# Invisible characters that sit inside words: zero-width (non-)joiners, marks
# of direction, the soft hyphen, the byte-order mark. Removed, so that a word
# typed with one is the same word.
INVISIBLE = "\u00ad\u200b\u200c\u200d\u200e\u200f\u2060\u2066\u2067\u2068\u2069\ufeff"


def _table() -> dict[int, str | None]:
    """One translation table: every combining mark (Arabic short vowels,
    shadda, sukun, Quranic marks, the hamza and madda split off their seat,
    Latin accents) removed; tatweel and invisible characters removed; every
    decimal digit to 0-9; the letters above to their one spelling. Built over
    the Basic Multilingual Plane, where every script with such marks that
    Taawun's languages use lives."""
    table: dict[int, str | None] = {}
    for code in range(0x10000):
        char = chr(code)
        category = unicodedata.category(char)
        if category == "Mn":
            table[code] = None
        elif category == "Nd":
            table[code] = str(unicodedata.decimal(char))
    for char in TATWEEL + INVISIBLE:
        table[ord(char)] = None
    for char, replacement in LETTERS.items():
        table[ord(char)] = replacement
    return table


TABLE = _table()

# A word: letters and digits (not the underscore), as SQLite's unicode61
# tokenizer and PostgreSQL's parser both cut them.
WORD = re.compile(r"[^\W_]+")

# Prefixes that stick to an Arabic word, longest first (after normalising:
# no hamza forms). Only the first that fits is removed, and only when enough
# letters remain: two after the article (الأب، للأب → اب) and three after a
# single letter, since many words begin with و، ب، ل، ف، ك themselves
# (وطن، بيت، لون stay whole).
PREFIXES = (
    "وبال",
    "وكال",
    "فبال",
    "ولل",
    "فلل",
    "وال",
    "بال",
    "كال",
    "فال",
    "لل",
    "ال",
    "و",
    "ب",
    "ل",
    "ف",
    "ك",
)


def _least_after(prefix: str) -> int:
    return 2 if prefix.endswith(("ال", "لل")) else 3


def normalise(text: str) -> str:
    """``text`` in the one spelling the search compares: compatibility forms
    unfolded (Arabic presentation forms, ligatures, full-width letters), case
    folded, marks, tatweel and invisible characters removed, digits Western,
    the letters in ``LETTERS`` unified. Idempotent."""
    text = unicodedata.normalize("NFKD", text).casefold()
    text = unicodedata.normalize("NFKD", text).translate(TABLE)
    return unicodedata.normalize("NFC", text)


def tokens(text: str) -> list[str]:
    """The words of ``text``, normalised."""
    return WORD.findall(normalise(text))


def is_arabic(token: str) -> bool:
    return bool(token) and "\u0600" <= token[0] <= "\u06ff"


def strip_prefix(token: str) -> str | None:
    """An Arabic ``token`` (normalised) without its conjunction, preposition
    or article, if it has one and enough of the word remains; else None."""
    if not is_arabic(token):
        return None
    for prefix in PREFIXES:
        if token.startswith(prefix) and len(token) - len(prefix) >= _least_after(prefix):
            return token[len(prefix) :]
    return None


def index_terms(token: str) -> list[str]:
    """What a normalised ``token`` is indexed and searched under: itself and,
    for an Arabic word with a prefix, the word without it."""
    stripped = strip_prefix(token)
    return [token] if stripped is None else [token, stripped]


def terms_text(text: str) -> str:
    """``text`` as the full-text index receives it: each word normalised and
    followed by its other index terms, separated by spaces."""
    out: list[str] = []
    for token in tokens(text):
        out.extend(index_terms(token))
    return " ".join(out)


def arabic_share(text: str) -> float:
    """The share of the letters of ``text`` that are Arabic script (0 when
    it has none)."""
    letters = [c for c in text[:5000] if c.isalpha()]
    if not letters:
        return 0.0
    return sum(1 for c in letters if "\u0600" <= c <= "\u06ff" or "\u0750" <= c <= "\u077f") / len(
        letters
    )
