"""A readable difference between two texts (two revisions of an article).

Line by line, as ``difflib`` finds it; inside a changed line, the words
taken out and put in are marked, so a one-word fix does not read as a whole
new paragraph. Long runs of unchanged lines are folded to a few lines of
context either side of each change.

The HTML is a list in which every line says in words what happened to it
("Added, line 4:"), hidden from the eye but read by a screen reader, and
marks words with ``<del>`` and ``<ins>``, also labelled in words; all text
is escaped. Nothing here reads the database.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Literal

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

LineKind = Literal["same", "added", "removed", "changed"]
PieceKind = Literal["same", "added", "removed"]

# Words, runs of spaces, and single signs: Arabic letters are word letters too.
TOKENS = re.compile(r"\s+|\w+|[^\w\s]")
# Two lines this alike (difflib's ratio) are one changed line; less alike,
# a removed line and an added one read better.
ALIKE = 0.5
# Unchanged lines shown either side of a change.
CONTEXT = 3


@dataclass(frozen=True)
class Piece:
    kind: PieceKind
    text: str


@dataclass(frozen=True)
class Line:
    """One line of the difference. ``number`` is its place in the newer
    text, or, for a removed line, in the older one."""

    kind: LineKind
    number: int
    pieces: tuple[Piece, ...]

    @property
    def text(self) -> str:
        return "".join(p.text for p in self.pieces)


@dataclass(frozen=True)
class Skip:
    """Unchanged lines folded away."""

    count: int


@dataclass
class Diff:
    rows: list[Line | Skip] = field(default_factory=list)

    def count(self, kind: LineKind) -> int:
        return sum(1 for row in self.rows if isinstance(row, Line) and row.kind == kind)

    @property
    def changed(self) -> bool:
        return any(isinstance(row, Line) and row.kind != "same" for row in self.rows)

    @property
    def added(self) -> int:
        return self.count("added")

    @property
    def removed(self) -> int:
        return self.count("removed")

    @property
    def modified(self) -> int:
        return self.count("changed")


def _words(old: str, new: str) -> tuple[Piece, ...]:
    """The pieces of a changed line: words kept, taken out and put in."""
    a, b = TOKENS.findall(old), TOKENS.findall(new)
    pieces: list[Piece] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            pieces.append(Piece("same", "".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            pieces.append(Piece("removed", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            pieces.append(Piece("added", "".join(b[j1:j2])))
    return tuple(pieces)


def _replaced(old: list[str], new: list[str], i: int, j: int) -> list[Line]:
    """Old lines ``old`` (from line i+1) became ``new`` (from j+1): alike
    lines paired as changed, the others removed and added."""
    lines: list[Line] = []
    for k in range(max(len(old), len(new))):
        before = old[k] if k < len(old) else None
        after = new[k] if k < len(new) else None
        if before is not None and after is not None:
            ratio = difflib.SequenceMatcher(
                None, TOKENS.findall(before), TOKENS.findall(after), autojunk=False
            ).ratio()
            if ratio >= ALIKE:
                lines.append(Line("changed", j + k + 1, _words(before, after)))
                continue
        if before is not None:
            lines.append(Line("removed", i + k + 1, (Piece("removed", before),)))
        if after is not None:
            lines.append(Line("added", j + k + 1, (Piece("added", after),)))
    return lines


def compare(old: str, new: str, *, context: int = CONTEXT) -> Diff:
    """The difference from ``old`` to ``new``, with ``context`` unchanged
    lines kept around each change (the rest folded into Skip rows)."""
    a, b = old.splitlines(), new.splitlines()
    diff = Diff()
    opcodes = difflib.SequenceMatcher(None, a, b).get_opcodes()
    for n, (op, i1, i2, j1, j2) in enumerate(opcodes):
        if op == "equal":
            same = [Line("same", j1 + k + 1, (Piece("same", a[i1 + k]),)) for k in range(i2 - i1)]
            keep_head = context if n > 0 else 0
            keep_tail = context if n < len(opcodes) - 1 else 0
            if len(same) > keep_head + keep_tail:
                folded = len(same) - keep_head - keep_tail
                diff.rows += same[:keep_head]
                diff.rows.append(Skip(folded))
                diff.rows += same[len(same) - keep_tail :]
            else:
                diff.rows += same
        elif op == "delete":
            diff.rows += [
                Line("removed", i1 + k + 1, (Piece("removed", a[i1 + k]),)) for k in range(i2 - i1)
            ]
        elif op == "insert":
            diff.rows += [
                Line("added", j1 + k + 1, (Piece("added", b[j1 + k]),)) for k in range(j2 - j1)
            ]
        else:
            diff.rows += _replaced(a[i1:i2], b[j1:j2], i1, j1)
    return diff


def _label(line: Line) -> str:
    labels = {
        "same": _("Unchanged, line %(number)s:"),
        "added": _("Added, line %(number)s:"),
        "removed": _("Removed, was line %(number)s:"),
        "changed": _("Changed, line %(number)s:"),
    }
    return labels[line.kind] % {"number": line.number}


MARKS = {"same": " ", "added": "+", "removed": "-", "changed": "±"}


def _piece_html(piece: Piece, whole_line: bool) -> str:
    if piece.kind == "same":
        return escape(piece.text)
    tag = "ins" if piece.kind == "added" else "del"
    if whole_line:
        return f"<{tag}>{escape(piece.text)}</{tag}>"
    said = _("added:") if piece.kind == "added" else _("removed:")
    return (
        f'<{tag}><span class="visually-hidden">[{escape(said)} </span>'
        f'{escape(piece.text)}<span class="visually-hidden">]</span></{tag}>'
    )


def as_html(diff: Diff) -> SafeString:
    """The difference as a list a screen reader reads line by line."""
    items = []
    for row in diff.rows:
        if isinstance(row, Skip):
            text = ngettext("%(count)s unchanged line", "%(count)s unchanged lines", row.count) % {
                "count": row.count
            }
            items.append(format_html('<li class="diff-skip">… {} …</li>', text))
            continue
        whole = row.kind != "changed"
        text = "".join(_piece_html(p, whole) for p in row.pieces)
        items.append(
            format_html(
                '<li class="diff-{}"><span class="diff-mark" aria-hidden="true">{} {}</span>'
                '<span class="visually-hidden">{} </span><span class="diff-text">{}</span></li>',
                row.kind,
                MARKS[row.kind],
                row.number,
                _label(row),
                mark_safe(text),  # noqa: S308 - every piece of it is escaped above
            )
        )
    return format_html('<ul class="diff">{}</ul>', mark_safe("".join(items)))  # noqa: S308


def readable_diff(old: str, new: str, *, context: int = CONTEXT) -> SafeString:
    return as_html(compare(old, new, context=context))
