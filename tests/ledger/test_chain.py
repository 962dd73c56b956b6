"""The transparency ledger's hash chain: what a member can rely on when checking an export.

Pure tests: no Django, no database.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taawun.ledger.chain import (
    FIELDS,
    GENESIS,
    MAX_SAFE_INT,
    Verification,
    canonical_json,
    entry_hash,
    export_line,
    format_time,
    seal,
    verify_file,
    verify_lines,
)

COOP = "6f1c2a4e-8b3d-4e5f-9a7b-1c2d3e4f5a6b"
OTHER_COOP = "d2c1b0a9-8f7e-4d6c-9b5a-493827160504"
START = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
KINDS = ["coop.created", "member.applied", "member.admitted", "member.status_changed"]


def build_chain(
    n: int, coop: str = COOP, data: list[dict[str, object]] | None = None
) -> list[dict[str, object]]:
    entries: list[dict[str, object]] = []
    prev = GENESIS
    for i in range(n):
        entry = seal(
            coop=coop,
            seq=i + 1,
            at=START + timedelta(minutes=i, microseconds=i),
            kind=KINDS[i % len(KINDS)],
            actor=None if i == 0 else f"member-{i % 3}",
            data=data[i] if data is not None else {"member": f"member-{i}", "n": i},
            prev=prev,
        )
        entries.append(entry)
        prev = str(entry["hash"])
    return entries


def export(entries: list[dict[str, object]]) -> bytes:
    return b"".join(export_line(e) for e in entries)


def lines_of(blob: bytes) -> list[bytes]:
    # The same split as iterating a file opened in binary mode: on b"\n" only
    # (bytes.splitlines would also split on b"\r").
    parts = blob.split(b"\n")
    out = [p + b"\n" for p in parts[:-1]]
    if parts[-1]:
        out.append(parts[-1])
    return out


def verify(blob: bytes, expected_head: str | None = None) -> Verification:
    return verify_lines(lines_of(blob), expected_head)


# A fixed chain whose text exercises Arabic, escapes and nesting.
SAMPLE = build_chain(
    6,
    data=[
        {"name": "تعاون للتقنية", "bylaws": {"quorum": "0.5", "vote": ["yes", "no"]}},
        {"member": "member-1", "note": 'quote " backslash \\ tab \t newline \n'},
        {"member": "member-2", "share": "25.000", "paid": True, "count": 3},
        {"member": "member-3", "from": "active", "to": "suspended", "reason": None},
        {"member": "member-4", "list": [], "obj": {}},
        {"member": "member-5", "emoji": "🌍", "sep": "\u2028"},
    ],
)
SAMPLE_EXPORT = export(SAMPLE)


# --- a healthy chain --------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 7, 50])
def test_a_sealed_chain_exports_and_verifies(n: int) -> None:
    entries = build_chain(n)
    result = verify(export(entries))
    assert result == Verification(True, n, str(entries[-1]["hash"]), None, None)


def test_the_published_head_confirms_a_complete_export() -> None:
    head = str(SAMPLE[-1]["hash"])
    assert verify(SAMPLE_EXPORT, expected_head=head).ok
    assert verify(SAMPLE_EXPORT, expected_head=head.upper()).ok


def test_an_empty_export_verifies_with_no_entries_and_the_genesis_head() -> None:
    assert verify_lines([]) == Verification(True, 0, GENESIS, None, None)
    assert verify_lines([], expected_head=GENESIS).ok


def test_an_export_on_disk_is_verified(tmp_path) -> None:
    path = tmp_path / "ledger.jsonl"
    path.write_bytes(SAMPLE_EXPORT)
    assert verify_file(path).ok
    assert verify_file(str(path), expected_head=str(SAMPLE[-1]["hash"])).count == 6
    path.write_bytes(SAMPLE_EXPORT[:-1])
    assert verify_file(path).problem == "not_canonical"


def test_every_line_is_the_canonical_entry_and_parses_back_to_it() -> None:
    for entry, line in zip(SAMPLE, lines_of(SAMPLE_EXPORT), strict=True):
        assert line == canonical_json(entry) + b"\n"
        assert json.loads(line) == entry
        assert set(entry) == FIELDS


json_scalars = st.none() | st.booleans() | st.integers(-MAX_SAFE_INT, MAX_SAFE_INT) | st.text()
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(
    data=st.lists(st.dictionaries(st.text(), json_values, max_size=5), min_size=1, max_size=5),
    coop=st.text(min_size=1),
)
def test_any_permitted_data_survives_export_and_verification(data: list, coop: str) -> None:
    entries = build_chain(len(data), coop=coop, data=data)
    result = verify(export(entries), expected_head=str(entries[-1]["hash"]))
    assert result.ok and result.count == len(data)
    assert [json.loads(line)["data"] for line in lines_of(export(entries))] == data


# --- tampering ---------------------------------------------------------------


@settings(max_examples=400)
@given(st.data())
def test_changing_any_single_byte_of_an_export_is_detected(data: st.DataObject) -> None:
    position = data.draw(st.integers(0, len(SAMPLE_EXPORT) - 1), label="position")
    old = SAMPLE_EXPORT[position]
    new = data.draw(st.integers(0, 255).filter(lambda b: b != old), label="new byte")
    tampered = SAMPLE_EXPORT[:position] + bytes([new]) + SAMPLE_EXPORT[position + 1 :]
    # A line's terminating newline belongs to that line.
    line_seq = SAMPLE_EXPORT.count(b"\n", 0, position) + 1

    result = verify(tampered, expected_head=str(SAMPLE[-1]["hash"]))

    assert not result.ok
    assert result.broken_seq is not None
    if b"\n" in (bytes([old]), bytes([new])):
        # The line split moved, so later lines shift; the break can be no later.
        assert result.broken_seq <= line_seq
    else:
        assert result.broken_seq == line_seq
    assert result.count == result.broken_seq - 1
    assert result.head == (GENESIS if result.count == 0 else SAMPLE[result.count - 1]["hash"])


def test_changing_an_amount_in_an_old_entry_is_detected_at_that_entry() -> None:
    tampered = SAMPLE_EXPORT.replace(b'"share":"25.000"', b'"share":"26.000"')
    assert tampered != SAMPLE_EXPORT
    result = verify(tampered)
    assert (result.ok, result.broken_seq, result.problem) == (False, 3, "hash")


def test_removing_an_entry_is_detected_where_the_gap_is() -> None:
    lines = lines_of(SAMPLE_EXPORT)
    del lines[2]  # entry 3
    result = verify_lines(lines)
    # The entry after the gap stands at position 3, where seq 3 was expected.
    assert (result.ok, result.broken_seq, result.problem) == (False, 3, "sequence")
    assert result.count == 2 and result.head == SAMPLE[1]["hash"]


def test_removing_the_first_entry_is_detected_at_one() -> None:
    result = verify_lines(lines_of(SAMPLE_EXPORT)[1:])
    assert (result.ok, result.broken_seq, result.problem) == (False, 1, "sequence")
    assert result.head == GENESIS


def test_swapping_two_entries_is_detected_at_the_first_swapped_position() -> None:
    lines = lines_of(SAMPLE_EXPORT)
    lines[1], lines[4] = lines[4], lines[1]
    result = verify_lines(lines)
    assert (result.ok, result.broken_seq, result.problem) == (False, 2, "sequence")


def test_removing_the_last_entry_is_only_detected_against_the_published_head() -> None:
    truncated = b"".join(lines_of(SAMPLE_EXPORT)[:-1])
    assert verify(truncated) == Verification(True, 5, str(SAMPLE[4]["hash"]), None, None)
    result = verify(truncated, expected_head=str(SAMPLE[-1]["hash"]))
    assert result == Verification(False, 5, str(SAMPLE[4]["hash"]), 5, "head")


def test_a_completely_emptied_export_is_caught_by_the_published_head() -> None:
    result = verify_lines([], expected_head=str(SAMPLE[-1]["hash"]))
    assert (result.ok, result.count, result.problem) == (False, 0, "head")


def test_appending_a_forged_entry_with_a_correct_hash_but_wrong_prev_is_detected() -> None:
    body = {
        "actor": "member-1",
        "at": "2025-04-01T00:00:00.000000Z",
        "coop": COOP,
        "data": {"member": "member-9"},
        "kind": "member.admitted",
        "prev": "ab" * 32,
        "seq": 7,
    }
    forged = {**body, "hash": entry_hash(body)}
    result = verify(SAMPLE_EXPORT + export_line(forged))
    assert (result.ok, result.broken_seq, result.problem) == (False, 7, "prev")
    assert result.count == 6 and result.head == SAMPLE[-1]["hash"]


def test_editing_an_entry_and_rehashing_it_breaks_the_link_to_the_next_one() -> None:
    forged = dict(SAMPLE[2])
    forged["data"] = {"member": "member-2", "share": "99.000", "paid": True, "count": 3}
    forged["hash"] = entry_hash({k: v for k, v in forged.items() if k != "hash"})
    result = verify(export([*SAMPLE[:2], forged, *SAMPLE[3:]]))
    assert (result.ok, result.broken_seq, result.problem) == (False, 4, "prev")


def test_rewriting_all_history_consistently_is_only_caught_by_the_published_head() -> None:
    rewritten = build_chain(6)  # a different, internally consistent chain
    assert verify(export(rewritten)).ok
    result = verify(export(rewritten), expected_head=str(SAMPLE[-1]["hash"]))
    assert (result.ok, result.problem) == (False, "head")


def test_an_entry_from_another_cooperative_is_detected() -> None:
    ours = build_chain(3)
    theirs = build_chain(3, coop=OTHER_COOP)
    body = {k: v for k, v in theirs[2].items() if k != "hash"}
    body["prev"] = ours[1]["hash"]
    spliced = {**body, "hash": entry_hash(body)}
    result = verify(export([*ours[:2], spliced]))
    assert (result.ok, result.broken_seq, result.problem) == (False, 3, "coop")


def test_a_wrong_stored_hash_is_detected() -> None:
    entries = build_chain(3)
    entries[1] = {**entries[1], "hash": "f" * 64}
    result = verify(export(entries))
    assert (result.ok, result.broken_seq, result.problem) == (False, 2, "hash")


# --- malformed lines -----------------------------------------------------------


def test_a_missing_final_newline_is_detected() -> None:
    result = verify(SAMPLE_EXPORT[:-1])
    assert (result.ok, result.broken_seq, result.problem) == (False, 6, "not_canonical")


@pytest.mark.parametrize("trailer", [b"\n", b" \n", b"\r\n", b" "])
def test_blank_trailing_content_is_detected(trailer: bytes) -> None:
    result = verify(SAMPLE_EXPORT + trailer)
    assert (result.ok, result.broken_seq, result.problem) == (False, 7, "not_canonical")


@pytest.mark.parametrize(
    "line",
    [
        b"not json\n",
        b"[1,2,3]\n",
        b'"a string"\n',
        b"\xff\xfe{}\n",
        b'{"seq":NaN}\n',
        b"\xef\xbb\xbf{}\n",  # byte order mark
        b"[" * 100_000 + b"\n",
    ],
)
def test_an_unreadable_line_still_gets_a_sequence_number(line: bytes) -> None:
    result = verify_lines([*lines_of(SAMPLE_EXPORT)[:2], line])
    assert (result.ok, result.broken_seq, result.problem) == (False, 3, "unreadable")


def test_json_that_is_readable_but_not_canonical_is_detected() -> None:
    entry = dict(SAMPLE[0])
    variants = [
        json.dumps(entry, ensure_ascii=False, sort_keys=True).encode() + b"\n",  # spaces
        json.dumps(entry, separators=(",", ":"), sort_keys=True).encode() + b"\n",  # \u escapes
        json.dumps(entry, separators=(",", ":"), ensure_ascii=False).encode() + b"\n",  # order
        export_line(entry)[:-2] + b',"hash":"' + GENESIS.encode() + b'"}\n',  # duplicate key
        export_line(entry).replace(b'"seq":1', b'"seq":1.0'),  # float
        export_line(entry).replace(b'"seq":1', b'"seq":1e0'),
        export_line(entry).replace(b'"seq":1', b'"seq":9007199254740993'),  # beyond 2**53
    ]
    for line in variants:
        assert line != export_line(entry)
        result = verify_lines([line])
        assert (result.ok, result.broken_seq, result.problem) == (False, 1, "not_canonical"), line


@pytest.mark.parametrize(
    ("change", "value"),
    [
        ("drop", "actor"),
        ("extra", "note"),
        ("seq", True),
        ("seq", "1"),
        ("coop", ""),
        ("coop", 7),
        ("at", "2025-03-01T09:30:00Z"),
        ("at", "2025-03-01T09:30:00.000000+00:00"),
        ("at", "2025-02-30T09:30:00.000000Z"),
        ("at", "٢٠٢٥-03-01T09:30:00.000000Z"),  # Arabic-Indic digits
        ("kind", ""),
        ("kind", None),
        ("actor", ""),
        ("actor", 42),
        ("data", []),
        ("data", "x"),
        ("prev", "0" * 63),
        ("prev", "A" * 64),
        ("hash", None),
    ],
)
def test_entries_with_missing_or_mistyped_fields_are_detected(change: str, value: object) -> None:
    entry = dict(SAMPLE[0])
    if change == "drop":
        del entry[str(value)]
    elif change == "extra":
        entry[str(value)] = "hello"
    else:
        entry[change] = value
    result = verify_lines([export_line(entry)])
    assert (result.ok, result.broken_seq, result.problem) == (False, 1, "missing_field")


def test_a_wrong_sequence_number_is_detected() -> None:
    body = {k: v for k, v in SAMPLE[0].items() if k != "hash"}
    body["seq"] = 2
    result = verify_lines([export_line({**body, "hash": entry_hash(body)})])
    assert (result.ok, result.broken_seq, result.problem) == (False, 1, "sequence")


def test_a_first_entry_not_starting_from_genesis_is_detected() -> None:
    body = {k: v for k, v in SAMPLE[0].items() if k != "hash"}
    body["prev"] = "1" * 64
    result = verify_lines([export_line({**body, "hash": entry_hash(body)})])
    assert (result.ok, result.broken_seq, result.problem) == (False, 1, "prev")


def test_a_malformed_expected_head_is_refused() -> None:
    with pytest.raises(ValueError):
        verify_lines([], expected_head="abc")


# --- canonical JSON ----------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        1.5,
        0.0,
        math.nan,
        math.inf,
        {"amount": 12.5},
        {"nested": [1, 2, {"x": float("nan")}]},
        {1: "non-string key"},
        {"a": {None: 1}},
        {("t",): 1},
        (1, 2),
        {1, 2},
        b"bytes",
        Decimal("1.00"),
        datetime(2025, 1, 1, tzinfo=UTC),
        MAX_SAFE_INT + 1,
        -MAX_SAFE_INT - 1,
        {"money": 2**64},
        "lone surrogate \ud800",
    ],
)
def test_values_outside_the_format_are_refused(value: object) -> None:
    with pytest.raises(ValueError):
        canonical_json(value)


def test_bools_ints_null_strings_lists_and_objects_are_accepted() -> None:
    assert canonical_json({"b": [True, False, None, 0, -3, MAX_SAFE_INT], "a": "x"}) == (
        b'{"a":"x","b":[true,false,null,0,-3,9007199254740991]}'
    )


def test_deeply_nested_data_is_refused_not_crashing() -> None:
    value: object = []
    for _ in range(100_000):
        value = [value]
    with pytest.raises(ValueError):
        canonical_json(value)


def test_sealing_refuses_float_money() -> None:
    with pytest.raises(ValueError):
        seal(
            coop=COOP,
            seq=1,
            at=START,
            kind="coop.created",
            actor=None,
            data={"share": 25.0},
            prev=GENESIS,
        )


def test_canonical_escaping_is_pinned() -> None:
    # Written by hand from the rules in docs/ledger.md: keys sorted by code point,
    # no spaces, only " \\ and C0 controls escaped (short forms where JSON has
    # them, otherwise lowercase \u00xx), everything else literal UTF-8.
    value = {
        "z": '"\\/\b\f\n\r\t\x00\x1f\x7f\u2028é',
        "é": 1,
        "a": [True, None, -5],
        "\U0001f30d": "🌍",
        "\uffff": 0,
    }
    expected = (
        b'{"a":[true,null,-5],'
        b'"z":"\\"\\\\/\\b\\f\\n\\r\\t\\u0000\\u001f\x7f\xe2\x80\xa8\xc3\xa9",'
        b'"\xc3\xa9":1,'
        b'"\xef\xbf\xbf":0,'
        b'"\xf0\x9f\x8c\x8d":"\xf0\x9f\x8c\x8d"}'
    )
    assert canonical_json(value) == expected


# --- time ----------------------------------------------------------------------------


def test_times_are_written_in_utc_with_six_digit_microseconds() -> None:
    cairo = timezone(timedelta(hours=2))
    assert format_time(datetime(2025, 3, 1, 11, 30, tzinfo=cairo)) == "2025-03-01T09:30:00.000000Z"
    assert format_time(datetime(2025, 3, 1, 9, 30, 0, 7, tzinfo=UTC)) == (
        "2025-03-01T09:30:00.000007Z"
    )
    assert format_time(datetime(999, 1, 2, tzinfo=UTC)) == "0999-01-02T00:00:00.000000Z"


def test_a_time_without_a_zone_is_refused() -> None:
    with pytest.raises(ValueError):
        format_time(datetime(2025, 3, 1, 9, 30))


# --- sealing -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"seq": 0},
        {"seq": True},
        {"prev": "1" * 64},  # seq 1 must start from GENESIS
        {"seq": 2},  # ...and only seq 1 may
        {"prev": "XYZ"},
        {"coop": ""},
        {"kind": ""},
        {"actor": ""},
        {"data": {1: "x"}},
    ],
)
def test_sealing_refuses_an_entry_that_would_not_verify(change: dict) -> None:
    args: dict = {
        "coop": COOP,
        "seq": 1,
        "at": START,
        "kind": "coop.created",
        "actor": None,
        "data": {},
        "prev": GENESIS,
    }
    with pytest.raises(ValueError):
        seal(**{**args, **change})


def test_a_sealed_entry_does_not_change_when_the_callers_data_does() -> None:
    data: dict = {"offices": ["treasurer"]}
    entry = seal(
        coop=COOP, seq=1, at=START, kind="coop.created", actor=None, data=data, prev=GENESIS
    )
    data["offices"].append("chair")
    assert entry["data"] == {"offices": ["treasurer"]}
    assert entry_hash({k: v for k, v in entry.items() if k != "hash"}) == entry["hash"]


def test_entry_hash_refuses_a_body_that_still_has_its_hash() -> None:
    with pytest.raises(ValueError):
        entry_hash(SAMPLE[0])


# --- Arabic ---------------------------------------------------------------------------


def test_arabic_text_survives_export_and_verification_byte_for_byte() -> None:
    name = "جمعية تعاون للبرمجيات الحرة"
    entries = build_chain(2, data=[{"name": name}, {"member": "m", "note": "عضو جديد"}])
    blob = export(entries)
    assert name.encode("utf-8") in blob  # literal UTF-8, not \u escapes
    assert b"\\u" not in blob
    assert json.loads(lines_of(blob)[0])["data"]["name"] == name
    assert verify(blob, expected_head=str(entries[-1]["hash"])).ok


# --- the format, pinned independently ---------------------------------------------
#
# The two lines below are the worked example in docs/ledger.md. They were
# written out by hand (keys in sorted order, "تعاون" as its UTF-8 bytes), and
# their hashes computed from those bytes with coreutils, not with chain.py:
#   printf '%s\n%s' "$PREV" "$BODY" | sha256sum
# where $BODY is the line without its "hash" member and without the newline.

KAT_PREV_1 = "0" * 64
KAT_BODY_1 = (
    b'{"actor":null,"at":"2025-03-01T09:30:00.000000Z",'
    b'"coop":"6f1c2a4e-8b3d-4e5f-9a7b-1c2d3e4f5a6b",'
    b'"data":{"name":"\xd8\xaa\xd8\xb9\xd8\xa7\xd9\x88\xd9\x86","share":"25.00"},'
    b'"kind":"coop.created",'
    b'"prev":"0000000000000000000000000000000000000000000000000000000000000000","seq":1}'
)
KAT_HASH_1 = "2fb24de436641ca1efdb697b155c0c28aa1b12156a7ed219248ad0a911ca83dd"
KAT_BODY_2 = (
    b'{"actor":"0b9e2d47-5c1a-4f83-9d26-7e4a1b3c5d8f","at":"2025-03-02T14:05:07.250000Z",'
    b'"coop":"6f1c2a4e-8b3d-4e5f-9a7b-1c2d3e4f5a6b",'
    b'"data":{"member":"a3d5f7e9-1b2c-4d6e-8f0a-2b4c6d8e0f1a"},'
    b'"kind":"member.admitted",'
    b'"prev":"2fb24de436641ca1efdb697b155c0c28aa1b12156a7ed219248ad0a911ca83dd","seq":2}'
)
KAT_HASH_2 = "613403cbb87e62ad1c5eff4177a4d0743c05a4fd640fa622f8e42f13b44e2115"


def _with_hash(body: bytes, digest: str) -> bytes:
    # "hash" sorts between "data" and "kind", so it goes right before "kind".
    return body.replace(b',"kind":', b',"hash":"' + digest.encode() + b'","kind":', 1) + b"\n"


KAT_EXPORT = _with_hash(KAT_BODY_1, KAT_HASH_1) + _with_hash(KAT_BODY_2, KAT_HASH_2)


def test_the_known_answer_hashes_follow_from_the_literal_bytes() -> None:
    assert hashlib.sha256(KAT_PREV_1.encode() + b"\n" + KAT_BODY_1).hexdigest() == KAT_HASH_1
    assert hashlib.sha256(KAT_HASH_1.encode() + b"\n" + KAT_BODY_2).hexdigest() == KAT_HASH_2


def test_the_format_is_pinned_by_a_known_answer() -> None:
    first = seal(
        coop="6f1c2a4e-8b3d-4e5f-9a7b-1c2d3e4f5a6b",
        seq=1,
        at=datetime(2025, 3, 1, 11, 30, tzinfo=timezone(timedelta(hours=2))),
        kind="coop.created",
        actor=None,
        data={"share": "25.00", "name": "تعاون"},
        prev=GENESIS,
    )
    second = seal(
        coop="6f1c2a4e-8b3d-4e5f-9a7b-1c2d3e4f5a6b",
        seq=2,
        at=datetime(2025, 3, 2, 14, 5, 7, 250000, tzinfo=UTC),
        kind="member.admitted",
        actor="0b9e2d47-5c1a-4f83-9d26-7e4a1b3c5d8f",
        data={"member": "a3d5f7e9-1b2c-4d6e-8f0a-2b4c6d8e0f1a"},
        prev=KAT_HASH_1,
    )
    assert (first["hash"], second["hash"]) == (KAT_HASH_1, KAT_HASH_2)
    assert export_line(first) + export_line(second) == KAT_EXPORT
    assert verify(KAT_EXPORT, expected_head=KAT_HASH_2) == Verification(
        True, 2, KAT_HASH_2, None, None
    )


def _hand_string(s: str) -> str:
    # The documented string rules, re-implemented without the json module.
    short = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r"}
    short["\t"] = "\\t"
    out = []
    for ch in s:
        if ch in short:
            out.append(short[ch])
        elif ord(ch) < 0x20:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _hand_hash(prev: str, fields: dict[str, object]) -> str:
    # Flat entries only (string/int/null values, data as {"note": text}).
    parts = []
    for key in sorted(fields):
        value = fields[key]
        if value is None:
            text = "null"
        elif isinstance(value, int):
            text = str(value)
        elif key == "data":
            text = "{" + _hand_string("note") + ":" + _hand_string(str(value)) + "}"
        else:
            text = _hand_string(str(value))
        parts.append(_hand_string(key) + ":" + text)
    return hashlib.sha256((prev + "\n{" + ",".join(parts) + "}").encode("utf-8")).hexdigest()


@given(note=st.text(), kind=st.text(min_size=1), actor=st.none() | st.text(min_size=1))
def test_an_independent_implementation_computes_the_same_hash(
    note: str, kind: str, actor: str | None
) -> None:
    entry = seal(
        coop=COOP, seq=1, at=START, kind=kind, actor=actor, data={"note": note}, prev=GENESIS
    )
    fields = {k: v for k, v in entry.items() if k not in ("hash", "data")}
    fields["data"] = note
    assert _hand_hash(GENESIS, fields) == entry["hash"]


# --- streaming ---------------------------------------------------------------------


def _generated_export(n: int) -> Iterator[bytes]:
    # Built by hand with hashlib rather than seal(): quicker, and one more
    # independent check of the format. Yields lazily, like a file being read.
    prev = GENESIS.encode()
    for seq in range(1, n + 1):
        body = b'{"actor":"m1","at":"2025-03-01T09:30:00.%06dZ","coop":"%s",' % (
            seq % 1_000_000,
            COOP.encode(),
        )
        body += b'"data":{"member":"m2"},"kind":"member.status_changed","prev":"%s","seq":%d}' % (
            prev,
            seq,
        )
        digest = hashlib.sha256(prev + b"\n" + body).hexdigest().encode()
        yield body.replace(b',"kind":', b',"hash":"' + digest + b'","kind":', 1) + b"\n"
        prev = digest


def test_a_hundred_thousand_entries_are_verified_as_a_stream() -> None:
    # A generator of lines: the verifier never needs the whole export in
    # memory. (How fast it goes is for the benchmarks, not for a test.)
    result = verify_lines(_generated_export(100_000))
    assert result.ok and result.count == 100_000


def test_verification_stops_reading_at_the_first_problem() -> None:
    read = 0

    def lines() -> Iterator[bytes]:
        nonlocal read
        for line in itertools.chain(lines_of(SAMPLE_EXPORT)[:3], itertools.repeat(b"junk\n")):
            read += 1
            if read > 4:
                raise AssertionError("kept reading after the first problem")
            yield line

    result = verify_lines(lines())
    assert (result.broken_seq, result.problem) == (4, "unreadable")
    assert read == 4


def test_the_worked_example_in_the_docs_is_the_pinned_chain() -> None:
    # Keeps docs/ledger.md from drifting away from the format it documents.
    doc = (Path(__file__).resolve().parents[2] / "docs" / "ledger.md").read_text("utf-8")
    for line in lines_of(KAT_EXPORT):
        assert line.decode("utf-8").rstrip("\n") in doc
    assert KAT_HASH_1 in doc and KAT_HASH_2 in doc
