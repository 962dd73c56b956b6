"""The readable difference between two revisions: lines and words marked,
long unchanged stretches folded, everything escaped, and words a screen
reader speaks for what the eye sees as colour."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from taawun.knowledge.diffs import Line, Skip, compare, readable_diff


def kinds(old: str, new: str) -> list[str]:
    return [row.kind if isinstance(row, Line) else "skip" for row in compare(old, new).rows]


def test_an_added_line_and_a_removed_line_are_told_apart():
    assert kinds("a\nb\nc", "a\nc\nd") == ["same", "removed", "same", "added"]


def test_a_one_word_change_marks_only_that_word():
    diff = compare("Back up every night to two disks.", "Back up every night to three disks.")
    (line,) = diff.rows
    assert isinstance(line, Line) and line.kind == "changed"
    changed = [(p.kind, p.text) for p in line.pieces if p.kind != "same"]
    assert changed == [("removed", "two"), ("added", "three")]


def test_arabic_words_are_words_too():
    diff = compare("نجتمع كل يوم أحد", "نجتمع كل يوم سبت")
    (line,) = diff.rows
    assert isinstance(line, Line)
    assert [(p.kind, p.text) for p in line.pieces if p.kind != "same"] == [
        ("removed", "أحد"),
        ("added", "سبت"),
    ]


def test_a_line_rewritten_from_scratch_is_removed_and_added_not_changed():
    assert kinds("The cat sat on the mat", "Quarterly surplus figures follow") == [
        "removed",
        "added",
    ]


def test_long_unchanged_stretches_are_folded_around_a_change():
    old = "\n".join(f"line {n}" for n in range(1, 21))
    new = old.replace("line 10", "line ten")
    rows = compare(old, new, context=2).rows
    assert isinstance(rows[0], Skip) and rows[0].count == 7
    assert [r.number for r in rows[1:6] if isinstance(r, Line)] == [8, 9, 10, 11, 12]
    assert isinstance(rows[-1], Skip) and rows[-1].count == 8


def test_identical_texts_have_no_change():
    diff = compare("same\ntext", "same\ntext")
    assert not diff.changed
    assert (diff.added, diff.removed, diff.modified) == (0, 0, 0)


def test_the_html_escapes_everything_and_says_what_happened_in_words():
    html = readable_diff("safe line", "safe line\n<script>alert('x')</script> <b onmouseover=x>")
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<b " not in html
    assert "Added, line 2:" in html
    assert "<ins>" in html


def test_changed_words_are_labelled_for_screen_readers():
    html = readable_diff("We meet on Sunday.", "We meet on Monday.")
    assert "Changed, line 1:" in html
    assert '<del><span class="visually-hidden">[removed: </span>Sunday' in html
    assert '<ins><span class="visually-hidden">[added: </span>Monday' in html


lines = st.lists(st.sampled_from(["a", "b", "c d", "e f g", "", "سطر"]), max_size=12)


@given(lines, lines)
def test_the_diff_rebuilds_both_texts(old_lines: list[str], new_lines: list[str]) -> None:
    """Without folding, the old text is every line but the added ones, and
    the new text every line but the removed ones (with each changed line's
    pieces read one way or the other). Texts with no change at all fold
    into one stretch."""
    diff = compare("\n".join(old_lines), "\n".join(new_lines), context=10_000)
    if not diff.changed:
        assert "\n".join(old_lines).splitlines() == "\n".join(new_lines).splitlines()
        return
    rows = diff.rows
    old, new = [], []
    for row in rows:
        assert isinstance(row, Line)
        if row.kind != "added":
            old.append("".join(p.text for p in row.pieces if p.kind != "added"))
        if row.kind != "removed":
            new.append("".join(p.text for p in row.pieces if p.kind != "removed"))
    assert old == "\n".join(old_lines).splitlines()
    assert new == "\n".join(new_lines).splitlines()
