"""Reading ballot files: BLT, PrefLib (.soc .soi .toc .toi) and Taawun's JSON.

Every reader returns a :class:`BallotFile`; a malformed file raises
:class:`~taawun.tally.errors.MalformedFile` naming the line (1-based) that is
wrong. The JSON format is documented in ``docs/tally-formats.md``.

BLT (the format of OpenSTV, ERS and the Scottish and Minneapolis data)::

    4 2                  candidates, seats
    -3                   optional: withdrawn candidates, as negative numbers
    12 1 2 4 0           weight, preferences (candidate numbers from 1), 0
    3 2=3 1 0            ``=`` ranks candidates equal (Condorcet methods only)
    0                    end of ballots
    "Amal"               candidate names, quoted, in number order
    ...
    "Board 2025"         title

An optional ballot identifier in parentheses may start a ballot line; lines
starting with ``#`` are comments.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from taawun.tally.ballots import RankedBallots, check_candidates
from taawun.tally.errors import MalformedFile, TallyInputError, gettext_noop

JSON_KINDS = (
    "ranked",
    "plurality",
    "approval",
    "score",
    "dot",
    "yes_no",
    "consent",
    "meeting_time",
)
# Which ballot key each kind uses in the JSON format.
BALLOT_KEYS = {
    "ranked": "ranking",
    "plurality": "choice",
    "approval": "approve",
    "score": "scores",
    "dot": "dots",
    "yes_no": "choice",
    "consent": "choice",
    "meeting_time": "availability",
}


@dataclass
class BallotFile:
    """The contents of a ballot file, ready to count.

    ``ranked`` holds the ballots of a ranked poll (withdrawn candidates
    already taken out); the other kinds keep their ballots in ``ballots``
    with one weight each in ``weights``. ``options`` holds the poll's
    settings from the file (``max_approvals``, ``minimum``/``maximum``,
    ``dots``, ``threshold``, ``abstentions_count``).
    """

    kind: str
    candidates: list[str]
    seats: int | None = None
    title: str = ""
    withdrawn: list[str] = field(default_factory=list)
    ranked: RankedBallots | None = None
    ballots: list[Any] = field(default_factory=list)
    weights: list[int] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)


def read_ballot_file(path: str | Path) -> BallotFile:
    """Read a file, choosing the reader by its extension."""
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise MalformedFile(
            None, gettext_noop("%(file)s is not UTF-8 text"), file=path.name
        ) from error
    readers: dict[str, Callable[[str], BallotFile]] = {
        ".blt": read_blt,
        ".json": read_json,
        ".soc": read_preflib,
        ".soi": read_preflib,
        ".toc": read_preflib,
        ".toi": read_preflib,
    }
    reader = readers.get(suffix)
    if reader is None:
        raise MalformedFile(
            None,
            gettext_noop("unknown ballot file type “%(type)s”; use .blt, .json or PrefLib"),
            type=suffix or path.name,
        )
    if reader is read_preflib:
        return read_preflib(text, data_type=suffix[1:])
    return reader(text)


# --- BLT ------------------------------------------------------------------

_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')


def _blt_lines(text: str) -> list[tuple[int, str]]:
    lines = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            lines.append((number, stripped))
    return lines


def _tidy(name: str) -> str:
    """Names as people read them: runs of spaces made one, none at the ends
    (some published files pad names, e.g. ``"Kieran  Wild "``)."""
    return " ".join(name.split())


def _int(token: str, line: int, what: str) -> int:
    if not re.fullmatch(r"[+-]?\d+", token):
        raise MalformedFile(
            line,
            gettext_noop("%(what)s must be a whole number, not “%(token)s”"),
            what=what,
            token=token,
        )
    return int(token)


def read_blt(text: str) -> BallotFile:
    lines = _blt_lines(text)
    if not lines:
        raise MalformedFile(1, gettext_noop("the file is empty"))
    number, header = lines[0]
    parts = header.split()
    if len(parts) != 2:
        raise MalformedFile(
            number, gettext_noop("the first line must be: number of candidates, number of seats")
        )
    n_candidates = _int(parts[0], number, gettext_noop("the number of candidates"))
    seats = _int(parts[1], number, gettext_noop("the number of seats"))
    if n_candidates < 1 or seats < 1:
        raise MalformedFile(
            number, gettext_noop("there must be at least one candidate and one seat")
        )

    at = 1
    withdrawn_numbers: list[int] = []
    if at < len(lines) and lines[at][1].startswith("-"):
        number, line = lines[at]
        for token in line.split():
            value = _int(token, number, gettext_noop("a withdrawn candidate"))
            if value >= 0 or -value > n_candidates:
                raise MalformedFile(
                    number,
                    gettext_noop("%(token)s is not a withdrawn candidate number"),
                    token=token,
                )
            withdrawn_numbers.append(-value)
        at += 1

    rankings: list[list[int | list[int]]] = []
    weights: list[int] = []
    while True:
        if at >= len(lines):
            raise MalformedFile(
                lines[-1][0], gettext_noop("the ballots must end with a line holding a single 0")
            )
        number, line = lines[at]
        at += 1
        if line == "0":
            break
        tokens = line.split()
        if tokens[0].startswith("("):
            if not tokens[0].endswith(")"):
                raise MalformedFile(
                    number, gettext_noop("a ballot identifier must be one word in parentheses")
                )
            tokens = tokens[1:]
        if len(tokens) < 2 or tokens[-1] != "0":
            raise MalformedFile(
                number, gettext_noop("a ballot line is: weight, preferences, then 0")
            )
        weight = _int(tokens[0], number, gettext_noop("a ballot weight"))
        if weight < 0:
            raise MalformedFile(number, gettext_noop("a ballot weight cannot be negative"))
        ranking: list[int | list[int]] = []
        seen: set[int] = set()
        for token in tokens[1:-1]:
            if token == "-":
                raise MalformedFile(
                    number, gettext_noop("skipped rankings ('-') are not supported")
                )
            group = [_int(part, number, gettext_noop("a preference")) for part in token.split("=")]
            for candidate in group:
                if not 1 <= candidate <= n_candidates:
                    raise MalformedFile(
                        number,
                        gettext_noop("there is no candidate %(candidate)s"),
                        candidate=candidate,
                    )
                if candidate in seen:
                    raise MalformedFile(
                        number,
                        gettext_noop("candidate %(candidate)s is ranked twice"),
                        candidate=candidate,
                    )
                seen.add(candidate)
            ranking.append(group[0] if len(group) == 1 else group)
        rankings.append(ranking)
        weights.append(weight)

    strings: list[tuple[int, str]] = []
    for number, line in lines[at:]:
        found = _QUOTED.findall(line)
        if not found:
            raise MalformedFile(
                number, gettext_noop("candidate names and the title must be in double quotes")
            )
        strings += [(number, value.replace('\\"', '"')) for value in found]
    if len(strings) < n_candidates:
        last = lines[-1][0] if lines else 1
        raise MalformedFile(
            last,
            gettext_noop("the header promises %(promised)d candidates but %(found)d names follow"),
            promised=n_candidates,
            found=len(strings),
        )
    if len(strings) > n_candidates + 1:
        raise MalformedFile(
            strings[n_candidates + 1][0], gettext_noop("unexpected text after the title")
        )
    names = [_tidy(value) for _, value in strings[:n_candidates]]
    title = _tidy(strings[n_candidates][1]) if len(strings) > n_candidates else ""
    try:
        check_candidates(names)
    except TallyInputError as error:
        raise MalformedFile(strings[0][0], error.template, **error.params) from error

    def named(item: int | list[int]) -> str | list[str]:
        return names[item - 1] if isinstance(item, int) else [names[c - 1] for c in item]

    withdrawn = [names[c - 1] for c in withdrawn_numbers]
    ballots = RankedBallots.from_rankings(
        names, ([named(item) for item in ranking] for ranking in rankings), weights
    ).withdraw(withdrawn)
    return BallotFile(
        kind="ranked",
        candidates=names,
        seats=seats,
        title=title,
        withdrawn=withdrawn,
        ranked=ballots,
    )


# --- PrefLib --------------------------------------------------------------


def _preflib_items(text: str, line: int) -> list[tuple[bool, list[str]]]:
    """Split ``1,{2,3},4`` into ``[(False, ["1"]), (True, ["2", "3"]), (False, ["4"])]``."""
    items: list[tuple[bool, list[str]]] = []
    at = 0
    while at < len(text):
        if text[at] == "{":
            end = text.find("}", at)
            if end < 0:
                raise MalformedFile(line, gettext_noop("a “{” group is not closed"))
            items.append((True, text[at + 1 : end].split(",") if end > at + 1 else []))
            at = end + 1
        else:
            end = text.find(",", at)
            end = len(text) if end < 0 else end
            items.append((False, [text[at:end]]))
            at = end
        if at < len(text):
            if text[at] != ",":
                raise MalformedFile(line, gettext_noop("alternatives must be separated by commas"))
            at += 1
            if at == len(text):
                raise MalformedFile(line, gettext_noop("the ranking ends with a comma"))
    return items


def read_preflib(text: str, *, data_type: str | None = None) -> BallotFile:
    """Read PrefLib's .soc/.soi/.toc/.toi format (the 2022 format with ``#`` headers).

    ``data_type`` (from the extension) is checked against the file's own
    ``# DATA TYPE`` line when both are present. There are no seats in
    PrefLib files, so ``seats`` is ``None``.
    """
    meta: dict[str, str] = {}
    names: dict[int, str] = {}
    rankings: list[list[str | list[str]]] = []
    weights: list[int] = []
    lines = text.splitlines()
    body: list[tuple[int, str]] = []
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            if body:
                raise MalformedFile(
                    number, gettext_noop("header lines must come before the preferences")
                )
            key, sep, value = line[1:].partition(":")
            if not sep:
                continue
            key = key.strip().upper()
            match = re.fullmatch(r"ALTERNATIVE NAME (\d+)", key)
            if match:
                names[int(match.group(1))] = _tidy(value)
            else:
                meta[key] = value.strip()
            continue
        body.append((number, line))

    declared = meta.get("DATA TYPE", "").lower() or None
    kind = data_type or declared
    if data_type and declared and data_type != declared:
        raise MalformedFile(
            None,
            gettext_noop("the file says it is %(declared)s but its name says %(named)s"),
            declared=declared,
            named=data_type,
        )
    if kind not in ("soc", "soi", "toc", "toi"):
        raise MalformedFile(
            None, gettext_noop("the PrefLib data type must be soc, soi, toc or toi")
        )
    if "NUMBER ALTERNATIVES" not in meta:
        raise MalformedFile(1, gettext_noop("the header must give '# NUMBER ALTERNATIVES: n'"))
    n_alternatives = _int(
        meta["NUMBER ALTERNATIVES"], 1, gettext_noop("the number of alternatives")
    )
    candidate_names = [names.get(i, f"{i}") for i in range(1, n_alternatives + 1)]
    try:
        check_candidates(candidate_names)
    except TallyInputError as error:
        raise MalformedFile(None, error.template, **error.params) from error

    for number, line in body:
        count_text, sep, ranking_text = line.partition(":")
        if not sep:
            raise MalformedFile(number, gettext_noop("a preference line is 'count: ranking'"))
        weight = _int(count_text.strip(), number, gettext_noop("the count"))
        if weight < 0:
            raise MalformedFile(number, gettext_noop("the count cannot be negative"))
        ranking: list[str | list[str]] = []
        seen: set[int] = set()
        for tied, parts in _preflib_items(ranking_text.replace(" ", ""), number):
            if tied and kind in ("soc", "soi"):
                raise MalformedFile(
                    number,
                    gettext_noop("a %(kind)s file cannot rank alternatives equal"),
                    kind=kind,
                )
            group: list[str] = []
            for part in parts:
                alternative = _int(part, number, gettext_noop("an alternative"))
                if not 1 <= alternative <= n_alternatives:
                    raise MalformedFile(
                        number,
                        gettext_noop("there is no alternative %(alternative)s"),
                        alternative=alternative,
                    )
                if alternative in seen:
                    raise MalformedFile(
                        number,
                        gettext_noop("alternative %(alternative)s is ranked twice"),
                        alternative=alternative,
                    )
                seen.add(alternative)
                group.append(candidate_names[alternative - 1])
            if group:
                ranking.append(group if len(group) > 1 else group[0])
        if kind in ("soc", "toc") and len(seen) != n_alternatives:
            raise MalformedFile(
                number, gettext_noop("a %(kind)s file must rank every alternative"), kind=kind
            )
        rankings.append(ranking)
        weights.append(weight)

    return BallotFile(
        kind="ranked",
        candidates=candidate_names,
        title=meta.get("TITLE", ""),
        ranked=RankedBallots.from_rankings(candidate_names, rankings, weights),
    )


# --- JSON -----------------------------------------------------------------


def read_json(text: str) -> BallotFile:
    """Read Taawun's JSON ballot format (see ``docs/tally-formats.md``)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise MalformedFile(
            error.lineno, gettext_noop("not valid JSON: %(reason)s"), reason=error.msg
        ) from error
    if not isinstance(data, dict):
        raise MalformedFile(1, gettext_noop("the file must hold one JSON object"))
    ballots = data.get("ballots")
    if not isinstance(ballots, list):
        raise MalformedFile(_key_line(text, "ballots"), gettext_noop("'ballots' must be a list"))

    def fail(key: str, message: str, **params: Any) -> MalformedFile:
        return MalformedFile(_key_line(text, key), message, **params)

    kind = data.get("kind")
    if kind is None:
        kind = _infer_kind(data, ballots)
        if kind is None:
            raise fail("ballots", gettext_noop("say which 'kind' of poll this is"))
    if kind not in JSON_KINDS:
        raise fail(
            "kind",
            gettext_noop("unknown kind “%(kind)s”; use one of %(kinds)s"),
            kind=str(kind),
            kinds=", ".join(JSON_KINDS),
        )

    candidates = data.get("candidates", [] if kind in ("yes_no", "consent") else None)
    if not isinstance(candidates, list):
        raise fail("candidates", gettext_noop("'candidates' must be a list of names"))
    try:
        check_candidates(candidates)
    except TallyInputError as error:
        raise fail("candidates", error.template, **error.params) from error
    seats = data.get("seats", 1)
    if isinstance(seats, bool) or not isinstance(seats, int) or seats < 1:
        raise fail("seats", gettext_noop("'seats' must be a whole number of at least 1"))
    withdrawn = data.get("withdrawn", [])
    if not isinstance(withdrawn, list) or not all(name in candidates for name in withdrawn):
        raise fail("withdrawn", gettext_noop("'withdrawn' must list candidates"))
    if withdrawn and kind != "ranked":
        raise fail("withdrawn", gettext_noop("only ranked polls can have withdrawn candidates"))
    title = data.get("title", "")
    if not isinstance(title, str):
        raise fail("title", gettext_noop("'title' must be text"))

    options: dict[str, Any] = {}
    for key, wanted, meaning in (
        ("max_approvals", int, gettext_noop("a whole number")),
        ("dots", int, gettext_noop("a whole number")),
        ("threshold", str, gettext_noop("the name of a threshold")),
        ("abstentions_count", bool, gettext_noop("true or false")),
    ):
        if key in data:
            value = data[key]
            if not isinstance(value, wanted) or (wanted is int and isinstance(value, bool)):
                raise fail(
                    key, gettext_noop("“%(field)s” must be %(meaning)s"), field=key, meaning=meaning
                )
            options[key] = value
    if "score_range" in data:
        score_range = data["score_range"]
        if not (isinstance(score_range, list) and len(score_range) == 2):
            raise fail("score_range", gettext_noop("'score_range' must be [lowest, highest]"))
        options["minimum"], options["maximum"] = score_range
    if kind == "dot" and "dots" not in data:
        raise fail(
            "ballots", gettext_noop("a dot vote must say how many 'dots' each voter spreads")
        )

    key = BALLOT_KEYS[kind]
    values: list[Any] = []
    weights: list[int] = []
    for position, ballot in enumerate(ballots):
        problem = _ballot_problem(ballot, key, kind)
        if problem:
            raise MalformedFile(_ballot_line(text, position), problem[0], **problem[1])
        if kind == "consent":
            values.append((ballot["choice"], ballot.get("reason", "")))
        else:
            values.append(ballot[key])
        weights.append(ballot.get("weight", 1))

    result = BallotFile(
        kind=kind,
        candidates=list(candidates),
        seats=seats,
        title=title,
        withdrawn=list(withdrawn),
        options=options,
    )
    if kind == "ranked":
        try:
            ranked = RankedBallots.from_rankings(candidates, values, weights)
        except TallyInputError as error:
            raise MalformedFile(
                _first_bad_ranking(text, candidates, values), error.template, **error.params
            ) from error
        result.ranked = ranked.withdraw(withdrawn)
    else:
        result.ballots = values
        result.weights = weights
    return result


def _infer_kind(data: dict[str, Any], ballots: list[Any]) -> str | None:
    if not ballots or not isinstance(ballots[0], dict):
        return None
    first = ballots[0]
    for kind in ("ranked", "approval", "score", "dot", "meeting_time"):
        if BALLOT_KEYS[kind] in first:
            return kind
    if "choice" in first and data.get("candidates"):
        return "plurality"
    return None


def _ballot_problem(ballot: object, key: str, kind: str) -> tuple[str, dict[str, str]] | None:
    """What is wrong with one JSON ballot: a message template and its params."""
    if not isinstance(ballot, dict):
        return gettext_noop("each ballot must be a JSON object"), {}
    if key not in ballot:
        return gettext_noop("a %(kind)s ballot needs “%(key)s”"), {"kind": kind, "key": key}
    extra = set(ballot) - {key, "weight", "reason"}
    if extra:
        return gettext_noop("unexpected field “%(field)s” in a %(kind)s ballot"), {
            "field": sorted(extra)[0],
            "kind": kind,
        }
    weight = ballot.get("weight", 1)
    if isinstance(weight, bool) or not isinstance(weight, int) or weight < 0:
        return gettext_noop("a ballot's “weight” must be a whole number, 0 or more"), {}
    value = ballot[key]
    if kind == "ranked" and not (
        isinstance(value, list)
        and all(
            isinstance(item, str)
            or (isinstance(item, list) and all(isinstance(n, str) for n in item))
            for item in value
        )
    ):
        return gettext_noop("“ranking” must list names (or lists of names ranked equal)"), {}
    if kind == "approval" and not (
        isinstance(value, list) and all(isinstance(n, str) for n in value)
    ):
        return gettext_noop("“approve” must list names"), {}
    if kind in ("score", "dot", "meeting_time") and not isinstance(value, dict):
        return gettext_noop("“%(key)s” must be an object"), {"key": key}
    if kind == "plurality" and not (value is None or isinstance(value, str)):
        return gettext_noop("“choice” must be a name or null"), {}
    if kind in ("yes_no", "consent") and not isinstance(value, str):
        return gettext_noop("“choice” must be text"), {}
    if "reason" in ballot and (kind != "consent" or not isinstance(ballot["reason"], str)):
        return gettext_noop("only a consent ballot may give a “reason”, as text"), {}
    return None


def _line_at(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _key_line(text: str, key: str) -> int:
    """The line of a top-level key (best effort: the first place it is written)."""
    match = re.search(r'"' + re.escape(key) + r'"\s*:', text)
    return _line_at(text, match.start()) if match else 1


def _ballot_line(text: str, position: int) -> int:
    """The line where ballot number ``position`` starts, found by walking the JSON."""
    decoder = json.JSONDecoder()
    ws = re.compile(r"[ \t\n\r]*")

    def skip(at: int) -> int:
        match = ws.match(text, at)
        return match.end() if match else at

    at = skip(0)
    if text[at : at + 1] != "{":
        return 1
    at = skip(at + 1)
    while at < len(text) and text[at] != "}":
        key, at = decoder.raw_decode(text, at)
        at = skip(at)
        at = skip(at + 1)  # the colon
        if key == "ballots":
            at = skip(at + 1)  # the opening bracket
            for index in range(position + 1):
                if index == position:
                    return _line_at(text, at)
                _, at = decoder.raw_decode(text, at)
                at = skip(skip(at) + 1)  # the comma
            return _line_at(text, at)
        _, at = decoder.raw_decode(text, at)
        at = skip(at)
        if text[at : at + 1] == ",":
            at = skip(at + 1)
    return 1


def _first_bad_ranking(text: str, candidates: Sequence[str], rankings: list[Any]) -> int:
    for position, ranking in enumerate(rankings):
        try:
            RankedBallots.from_rankings(candidates, [ranking])
        except TallyInputError:
            return _ballot_line(text, position)
    return _key_line(text, "ballots")
