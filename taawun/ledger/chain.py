"""Hash-chain core of the cooperative transparency ledger.

Pure Python on purpose: no Django import, so the format can be checked (and
re-implemented) without the platform. The format is specified in docs/ledger.md;
any change here is a change to a published format.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final, Literal

__all__ = [
    "FIELDS",
    "GENESIS",
    "MAX_SAFE_INT",
    "Problem",
    "Verification",
    "canonical_json",
    "entry_hash",
    "export_line",
    "format_time",
    "seal",
    "verify_file",
    "verify_lines",
]

GENESIS: Final = "0" * 64
"""The "prev" of every cooperative's first entry."""

FIELDS: Final = frozenset({"coop", "seq", "at", "kind", "actor", "data", "prev", "hash"})

# Integers beyond 2**53 - 1 lose precision in JavaScript and other
# double-based JSON parsers, whose verifiers would then re-serialise different
# bytes. Refusing them keeps every verifier in agreement.
MAX_SAFE_INT: Final = 2**53 - 1

Problem = Literal[
    "unreadable", "not_canonical", "missing_field", "sequence", "coop", "prev", "hash", "head"
]

_HEX64 = re.compile(r"[0-9a-f]{64}")
# [0-9] rather than \d: \d also matches non-ASCII digits such as Arabic-Indic ones.
_TIME = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})\.([0-9]{6})Z"
)


def _check_json_value(value: object) -> None:
    # Exact JSON types only. Floats are refused because their text form is not
    # stable across languages; money is always a decimal string.
    if type(value) is str:  # the common case first: this runs for every value
        return
    if value is None or isinstance(value, str | bool):
        return
    if isinstance(value, int):
        if not -MAX_SAFE_INT <= value <= MAX_SAFE_INT:
            raise ValueError(f"integer outside ±(2**53 - 1): {value}")
        return
    if isinstance(value, float):
        raise ValueError(f"floats are not allowed in the ledger (use a decimal string): {value!r}")
    if isinstance(value, list):
        for item in value:
            _check_json_value(item)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"object keys must be strings, not {type(key).__name__}")
            _check_json_value(item)
        return
    raise ValueError(f"type not allowed in the ledger: {type(value).__name__}")


def canonical_json(obj: object) -> bytes:
    """Canonical UTF-8 JSON bytes of obj; ValueError for anything outside the format."""
    try:
        _check_json_value(obj)
    except RecursionError:
        raise ValueError("value nested too deeply") from None
    return _dumps(obj)


def _dumps(checked: object) -> bytes:
    # Serialises a value already known to hold only permitted types.
    try:
        text = _ENCODER.encode(checked)
        # UnicodeEncodeError (a ValueError) here means a lone surrogate in a string.
        return text.encode("utf-8")
    except RecursionError:
        raise ValueError("value nested too deeply") from None


def format_time(dt: datetime) -> str:
    """Aware datetime -> "YYYY-MM-DDTHH:MM:SS.ffffffZ" in UTC."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("naive datetime: the ledger needs an aware datetime")
    u = dt.astimezone(UTC)
    # Formatted by hand: strftime("%Y") does not zero-pad years before 1000 on glibc.
    return (
        f"{u.year:04d}-{u.month:02d}-{u.day:02d}"
        f"T{u.hour:02d}:{u.minute:02d}:{u.second:02d}.{u.microsecond:06d}Z"
    )


def entry_hash(body: Mapping[str, object]) -> str:
    """sha256(prev + "\\n" + canonical(body)) as lowercase hex; body is the entry without "hash"."""
    if "hash" in body:
        raise ValueError('the body must not contain "hash"')
    prev = body.get("prev")
    if not isinstance(prev, str) or not _HEX64.fullmatch(prev):
        raise ValueError('"prev" must be 64 lowercase hex characters')
    return _hash(prev, canonical_json(dict(body)))


def _hash(prev: str, canonical_body: bytes) -> str:
    return hashlib.sha256(prev.encode("ascii") + b"\n" + canonical_body).hexdigest()


def _valid_time(value: object) -> bool:
    match = _TIME.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return False
    try:
        # Only checks the ranges (month 13, 31 February...); the result is unused.
        year, month, day, hour, minute, second, micro = map(int, match.groups())
        datetime(year, month, day, hour, minute, second, micro)
    except ValueError:
        return False
    return True


def _shape_error(entry: Mapping[str, object]) -> str | None:
    # One definition shared by seal() and the verifier, so that anything sealed
    # also verifies. Returns a reason, or None when the shape is right.
    if entry.keys() != FIELDS:
        return f"fields must be exactly {sorted(FIELDS)}, got {sorted(entry)}"
    coop, seq, kind, actor = entry["coop"], entry["seq"], entry["kind"], entry["actor"]
    if not isinstance(coop, str) or not coop:
        return '"coop" must be a non-empty string'
    # bool is a subclass of int, but true is not a sequence number.
    if not isinstance(seq, int) or isinstance(seq, bool):
        return '"seq" must be an integer'
    if not _valid_time(entry["at"]):
        return '"at" must be UTC time as YYYY-MM-DDTHH:MM:SS.ffffffZ'
    if not isinstance(kind, str) or not kind:
        return '"kind" must be a non-empty string'
    if actor is not None and (not isinstance(actor, str) or not actor):
        return '"actor" must be a non-empty string or null'
    if not isinstance(entry["data"], dict):
        return '"data" must be an object'
    for name in ("prev", "hash"):
        value = entry[name]
        if not isinstance(value, str) or not _HEX64.fullmatch(value):
            return f'"{name}" must be 64 lowercase hex characters'
    return None


def seal(
    *,
    coop: str,
    seq: int,
    at: datetime,
    kind: str,
    actor: str | None,
    data: Mapping[str, object],
    prev: str,
) -> dict[str, object]:
    """Build the next entry, with its hash, after checking every field."""
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
        raise ValueError("seq must be an integer >= 1")
    # Refuse now what the verifier would refuse later: a first entry must start
    # from GENESIS and no later entry can.
    if (seq == 1) != (prev == GENESIS):
        raise ValueError("prev must be GENESIS exactly when seq is 1")
    # A JSON round trip gives a deep copy made only of plain JSON values, so a
    # caller mutating its data afterwards cannot change a sealed entry.
    plain_data: object = json.loads(canonical_json(dict(data)))
    body: dict[str, object] = {
        "actor": actor,
        "at": format_time(at),
        "coop": coop,
        "data": plain_data,
        "kind": kind,
        "prev": prev,
        "seq": seq,
    }
    entry = {**body, "hash": GENESIS}  # placeholder so the shape check sees every field
    problem = _shape_error(entry)
    if problem is not None:
        raise ValueError(problem)
    entry["hash"] = _hash(prev, _dumps(body))  # body is plain JSON: checked above
    return entry


def export_line(entry: Mapping[str, object]) -> bytes:
    """One JSONL line: canonical(entry) followed by a newline."""
    return canonical_json(dict(entry)) + b"\n"


@dataclass(frozen=True)
class Verification:
    """Outcome of verifying an export.

    count and head describe the verified prefix: the entries checked before the
    first problem, and the hash of the last of them (GENESIS if none).
    """

    ok: bool
    count: int
    head: str
    broken_seq: int | None
    problem: Problem | None


def _line_problem(
    line: bytes, position: int, coop: str | None, prev: str
) -> Problem | dict[str, object]:
    """The problem with this line, or the parsed entry when it is sound."""
    # Checks run from the rawest to the most semantic, so each code names the
    # first thing a verifier in another language would also trip over.
    if not line.strip():
        return "not_canonical"
    try:
        parsed: object = _DECODER.decode(line.decode("utf-8"))
    except _NotCanonical:
        return "not_canonical"
    except (ValueError, RecursionError):
        return "unreadable"
    if not isinstance(parsed, dict):
        return "unreadable"
    try:
        # Comparing bytes, not values: this is what makes any changed byte
        # (spacing, key order, escapes, a missing newline) detectable.
        if _dumps(parsed) + b"\n" != line:
            return "not_canonical"
    except ValueError:
        return "not_canonical"
    if _shape_error(parsed) is not None:
        return "missing_field"
    if parsed["seq"] != position:
        return "sequence"
    if coop is not None and parsed["coop"] != coop:
        return "coop"
    if parsed["prev"] != prev:
        return "prev"
    body = {key: value for key, value in parsed.items() if key != "hash"}
    if _hash(prev, _dumps(body)) != parsed["hash"]:
        return "hash"
    return parsed


class _NotCanonical(Exception):
    """Raised while parsing a value that is JSON but outside the canonical format."""


def _refuse_constant(name: str) -> object:
    # NaN and Infinity are not JSON, although Python's parser accepts them.
    raise ValueError(f"not JSON: {name}")


def _refuse_float(text: str) -> object:
    raise _NotCanonical(f"float: {text}")


def _safe_int(text: str) -> int:
    value = int(text)
    if not -MAX_SAFE_INT <= value <= MAX_SAFE_INT:
        raise _NotCanonical(f"integer outside ±(2**53 - 1): {text}")
    return value


# Built once: json.loads/json.dumps with options construct a new coder per call,
# which showed up as a large share of verification time. Both are stateless.
_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)
_DECODER = json.JSONDecoder(
    parse_constant=_refuse_constant,
    # Valid JSON, but never canonical: refusing them while parsing means the
    # parsed value needs no second walk over its types.
    parse_float=_refuse_float,
    parse_int=_safe_int,
)


def verify_lines(lines: Iterable[bytes], expected_head: str | None = None) -> Verification:
    """Verify one cooperative's export, given as lines that each end in b"\\n".

    Streams: only the previous entry is kept, and reading stops at the first problem.
    """
    if expected_head is not None:
        expected_head = expected_head.strip().lower()
        if not _HEX64.fullmatch(expected_head):
            raise ValueError("expected head must be 64 hex characters")
    count = 0
    head = GENESIS
    coop: str | None = None
    for line in lines:
        position = count + 1
        entry = _line_problem(line, position, coop, head)
        if isinstance(entry, str):
            # Position-based, so a line too damaged to read still gets a number.
            return Verification(False, count, head, position, entry)
        if coop is None:
            coop = str(entry["coop"])
        count = position
        head = str(entry["hash"])
    if expected_head is not None and head != expected_head:
        # Every line is sound, yet the chain does not end where it should: the
        # tail was cut off (or this is another chain). Point at the last entry.
        return Verification(False, count, head, count, "head")
    return Verification(True, count, head, None, None)


def verify_file(path: str | os.PathLike[str], expected_head: str | None = None) -> Verification:
    """verify_lines over a JSONL file, read in binary mode line by line."""
    with open(path, "rb") as handle:
        return verify_lines(handle, expected_head)
