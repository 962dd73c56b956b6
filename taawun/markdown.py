"""Markdown from members, rendered and then sanitised with nh3.

Only a small set of tags survives; links keep http, https and mailto only,
and get rel="nofollow noopener"; no style, no script, no event handler.

``@handle`` in the text (not in code, nor inside a link) mentions a member
(see taawun.accounts.handles): ``mentioned`` finds the handles, and
``render`` links those it is given a page for.
"""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Iterator, Mapping

import markdown as md
import nh3

from taawun.accounts.handles import HANDLE

# Not after a letter, digit, @ or slash (an email address, a path), and not
# followed by @ (another server's handle, left for federation).
MENTION_RE = re.compile(rf"(?<![\w@/])@({HANDLE})(?![\w@])")
TAG_RE = re.compile(r"(<[^>]*>)")
NOT_MENTIONED_IN = {"a", "code", "pre"}

TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h2",
    "h3",
    "h4",
    "hr",
    "i",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "abbr": {"title"},
    "th": {"align"},
    "td": {"align"},
}


def _to_html(text: str) -> str:
    return md.markdown(text, extensions=["tables", "fenced_code", "sane_lists"])


def _text_chunks(html: str) -> Iterator[tuple[bool, str]]:
    """The HTML in pieces, each with whether it is text where a mention counts."""
    inside = 0
    for piece in TAG_RE.split(html):
        if piece.startswith("<"):
            name = piece.strip("</>").split(None, 1)[0].lower() if piece.strip("</>") else ""
            if name in NOT_MENTIONED_IN:
                inside += -1 if piece.startswith("</") else 1
            yield False, piece
        else:
            yield inside <= 0, piece


def mentioned(text: str) -> set[str]:
    """The handles (lower case) that ``text`` mentions."""
    found: set[str] = set()
    for counts, piece in _text_chunks(_to_html(text or "")):
        if counts:
            found.update(h.lower() for h in MENTION_RE.findall(htmllib.unescape(piece)))
    return found


def _link_mentions(html: str, pages: Mapping[str, str]) -> str:
    def link(match: re.Match[str]) -> str:
        page = pages.get(match.group(1).lower())
        if page is None:
            return match.group(0)
        return f'<a href="{htmllib.escape(page)}">{match.group(0)}</a>'

    return "".join(
        MENTION_RE.sub(link, piece) if counts else piece for counts, piece in _text_chunks(html)
    )


def render(text: str, mentions: Mapping[str, str] | None = None) -> str:
    """Safe HTML; each ``@handle`` in ``mentions`` (handle → page) becomes a link."""
    html = _to_html(text)
    if mentions:
        html = _link_mentions(html, mentions)
    return clean(html)


def clean(html: str) -> str:
    """HTML with only what members' own Markdown may hold: no script, no
    style, no event handler, links to http, https and mailto only. Used for
    what members write and for all HTML that comes from other servers."""
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )


def plain(text: str) -> str:
    """Text with every tag dropped and entities read (a name from another
    server: shown escaped, so markup would only show as angle brackets)."""
    return htmllib.unescape(nh3.clean(text, tags=set())) if "<" in text or "&" in text else text
