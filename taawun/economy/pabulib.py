"""Read and write participatory budgeting rounds in the Pabulib format.

Pabulib (https://pabulib.org; Faliszewski et al., "Participatory budgeting:
data, tools and analysis", IJCAI 2023) is the common format of
participatory budgeting data, so that a round decided here can be decided
again by other tools (pabutools, equalshares.net), and theirs here. A file
is UTF-8 text in three sections, in this order, each a marker line, a
header line and rows of ``;``-separated fields (quoted as in CSV when a
field holds ``;`` or ``"``)::

    META
    key;value
    budget;100000
    vote_type;approval
    ...
    PROJECTS
    project_id;cost;name;...
    3;7200;PopUp Podium
    ...
    VOTES
    voter_id;vote;...
    v1;1,2,6

``vote`` lists project ids (a ranking, best first, for ``ordinal``);
``points`` lists the points given to each, for ``cumulative`` and
``scoring``. META may state the ballot rules, which every vote must keep:
``min_length`` / ``max_length`` (how many projects a vote names),
``min_sum_cost`` / ``max_sum_cost`` (what an approval vote's projects cost
together), ``min_points`` / ``max_points`` (points per project) and
``min_sum_points`` / ``max_sum_points`` (a vote's points together); and
``num_projects`` / ``num_votes``, which must match the file (a mismatch is
usually a cut-off download).

Pure Python, no Django. A file that does not follow the format raises
``PabulibError`` naming the line (the first line is 1). ``read(write(x)) ==
x`` for every ``x`` that ``read`` returns: the fields are kept as text
(without surrounding spaces), costs, the budget and points as exact numbers.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from taawun.economy.budgeting import BudgetRound
from taawun.economy.budgeting_errors import PabulibError, gettext_noop

SECTIONS = ("META", "PROJECTS", "VOTES")
VOTE_TYPES = ("approval", "choose-1", "cumulative", "scoring", "ordinal")
WHOLE_KEYS = ("num_projects", "num_votes", "min_length", "max_length")
NUMBER_KEYS = (
    "min_sum_cost",
    "max_sum_cost",
    "min_points",
    "max_points",
    "min_sum_points",
    "max_sum_points",
)
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


@dataclass(frozen=True)
class PabulibProject:
    project_id: str
    cost: Fraction
    fields: Mapping[str, str] = field(default_factory=dict)  # the other columns
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class PabulibVote:
    voter_id: str
    vote: tuple[str, ...]
    points: tuple[Fraction, ...] | None = None  # cumulative and scoring
    fields: Mapping[str, str] = field(default_factory=dict)  # the other columns
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class PabulibFile:
    """A round as a Pabulib file has it. ``meta`` keeps every META value as
    text, ``budget`` and ``vote_type`` included (read them parsed with the
    properties of the same names)."""

    meta: Mapping[str, str]
    project_columns: tuple[str, ...]
    projects: tuple[PabulibProject, ...]
    vote_columns: tuple[str, ...]
    votes: tuple[PabulibVote, ...]

    @property
    def budget(self) -> Fraction:
        value = _number(self.meta["budget"], decimal_comma=True)
        assert value is not None
        return value

    @property
    def vote_type(self) -> str:
        return self.meta["vote_type"]


# --- reading -------------------------------------------------------------------


def read_file(path: str | Path) -> PabulibFile:
    return read(Path(path).read_bytes())


def read(data: str | bytes) -> PabulibFile:
    """The round in a Pabulib file (its text, or its bytes in UTF-8)."""
    text = _decode(data) if isinstance(data, bytes) else data.removeprefix("\ufeff")
    return _Reader(text).read()


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise PabulibError(
            "not_utf8", gettext_noop("The file is not UTF-8 text."), line=line
        ) from None


def _number(text: str, *, decimal_comma: bool = False) -> Fraction | None:
    text = text.strip()
    if decimal_comma and text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    if not _NUMBER.fullmatch(text):
        return None
    return Fraction(text)


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.meta: dict[str, str] = {}
        self.meta_lines: dict[str, int] = {}
        self.project_columns: tuple[str, ...] = ()
        self.projects: dict[str, PabulibProject] = {}
        self.vote_columns: tuple[str, ...] = ()
        self.votes: list[PabulibVote] = []
        self.voter_ids: set[str] = set()
        self.section_lines: dict[str, int] = {}

    def read(self) -> PabulibFile:
        reader = csv.reader(io.StringIO(self.text, newline=""), delimiter=";")
        section: str | None = None
        header: tuple[str, ...] | None = None
        end = 0
        for raw in reader:
            line, end = end + 1, reader.line_num
            row = [value.strip() for value in raw]
            if not row or row == [""]:
                continue
            if len(row) == 1 and row[0].upper() in SECTIONS:
                section = self._enter(row[0].upper(), section, header, line)
                header = None
                continue
            if section is None:
                raise PabulibError(
                    "no_meta_first", gettext_noop("The file must start with META."), line=line
                )
            if header is None:
                header = self._header(section, row, line)
                continue
            if len(row) != len(header):
                raise PabulibError(
                    "field_count",
                    gettext_noop(
                        "This line has %(found)s fields where the header has %(expected)s."
                    ),
                    line=line,
                    found=len(row),
                    expected=len(header),
                )
            values = dict(zip(header, row, strict=True))
            if section == "META":
                self._meta_row(row, line)
            elif section == "PROJECTS":
                self._project_row(values, line)
            else:
                self._vote_row(values, line)
        if section is None:
            raise PabulibError("empty_file", gettext_noop("The file is empty."))
        if header is None:
            raise PabulibError(
                "no_header",
                gettext_noop("The %(section)s section has no header line."),
                line=self.section_lines[section],
                section=section,
            )
        if "PROJECTS" not in self.section_lines:
            self._check_meta()
        for name in SECTIONS:
            if name not in self.section_lines:
                raise PabulibError(
                    "missing_section",
                    gettext_noop("The file has no %(section)s section."),
                    line=end,
                    section=name,
                )
        self._check_counts()
        return PabulibFile(
            meta=self.meta,
            project_columns=self.project_columns,
            projects=tuple(self.projects.values()),
            vote_columns=self.vote_columns,
            votes=tuple(self.votes),
        )

    # sections and headers

    def _enter(
        self, name: str, section: str | None, header: tuple[str, ...] | None, line: int
    ) -> str:
        expected = SECTIONS[len(self.section_lines)] if len(self.section_lines) < 3 else None
        if name != expected:
            raise PabulibError(
                "section_order",
                gettext_noop(
                    "The %(section)s section is out of place: "
                    "the sections are META, PROJECTS and VOTES, in this order."
                ),
                line=line,
                section=name,
            )
        if section is not None and header is None:
            raise PabulibError(
                "no_header",
                gettext_noop("The %(section)s section has no header line."),
                line=self.section_lines[section],
                section=section,
            )
        if name == "PROJECTS":
            self._check_meta()
        self.section_lines[name] = line
        return name

    def _header(self, section: str, row: list[str], line: int) -> tuple[str, ...]:
        header = tuple(row)
        for column in header:
            if header.count(column) > 1:
                raise PabulibError(
                    "duplicate_column",
                    gettext_noop("The column %(column)s appears twice in the header."),
                    line=line,
                    column=column,
                )
        if section == "META":
            if [c.lower() for c in header] != ["key", "value"]:
                raise PabulibError(
                    "meta_header", gettext_noop("The META header must be key;value."), line=line
                )
            return header
        first, needed = (
            ("project_id", ["cost"]) if section == "PROJECTS" else ("voter_id", ["vote"])
        )
        if section == "VOTES" and self.meta["vote_type"] in ("cumulative", "scoring"):
            needed.append("points")
        if not header or header[0] != first:
            raise PabulibError(
                "first_column",
                gettext_noop("The %(section)s header must start with %(column)s."),
                line=line,
                section=section,
                column=first,
            )
        for column in needed:
            if column not in header:
                raise PabulibError(
                    "missing_column",
                    gettext_noop("The %(section)s header lacks the column %(column)s."),
                    line=line,
                    section=section,
                    column=column,
                )
        if section == "PROJECTS":
            self.project_columns = header
        else:
            self.vote_columns = header
        return header

    # META

    def _meta_row(self, row: list[str], line: int) -> None:
        key, value = row
        if not key:
            raise PabulibError("empty_key", gettext_noop("A META key cannot be empty."), line=line)
        if key in self.meta:
            raise PabulibError(
                "duplicate_key",
                gettext_noop("The key %(key)s appears twice in META."),
                line=line,
                key=key,
            )
        self.meta[key] = value
        self.meta_lines[key] = line

    def _check_meta(self) -> None:
        start = self.section_lines["META"]
        for key in ("budget", "vote_type"):
            if key not in self.meta:
                raise PabulibError(
                    "missing_key", gettext_noop("META lacks the key %(key)s."), line=start, key=key
                )
        budget = _number(self.meta["budget"], decimal_comma=True)
        if budget is None or budget < 0:
            raise PabulibError(
                "bad_budget",
                gettext_noop("The budget must be a number, 0 or more, not %(value)s."),
                line=self.meta_lines["budget"],
                value=self.meta["budget"],
            )
        if self.meta["vote_type"] not in VOTE_TYPES:
            raise PabulibError(
                "bad_vote_type",
                gettext_noop(
                    "Unknown vote type %(value)s: expected approval, choose-1, cumulative, "
                    "scoring or ordinal."
                ),
                line=self.meta_lines["vote_type"],
                value=self.meta["vote_type"],
            )
        for key in WHOLE_KEYS:
            if key in self.meta and not self.meta[key].isdigit():
                raise PabulibError(
                    "bad_whole",
                    gettext_noop("%(key)s must be a whole number, 0 or more, not %(value)s."),
                    line=self.meta_lines[key],
                    key=key,
                    value=self.meta[key],
                )
        for key in NUMBER_KEYS:
            if key in self.meta and _number(self.meta[key], decimal_comma=True) is None:
                raise PabulibError(
                    "bad_number",
                    gettext_noop("%(key)s must be a number, not %(value)s."),
                    line=self.meta_lines[key],
                    key=key,
                    value=self.meta[key],
                )

    def _limit(self, key: str) -> Fraction | None:
        value = self.meta.get(key)
        return None if value is None else _number(value, decimal_comma=True)

    # PROJECTS

    def _project_row(self, values: dict[str, str], line: int) -> None:
        pid = values.pop("project_id")
        if not pid:
            raise PabulibError(
                "empty_project_id", gettext_noop("A project id cannot be empty."), line=line
            )
        if pid in self.projects:
            raise PabulibError(
                "duplicate_project",
                gettext_noop("The project %(project)s appears twice."),
                line=line,
                project=pid,
            )
        text = values.pop("cost")
        cost = _number(text, decimal_comma=True)
        if cost is None or cost < 0:
            raise PabulibError(
                "bad_cost",
                gettext_noop("The cost must be a number, 0 or more, not %(value)s."),
                line=line,
                value=text,
            )
        self.projects[pid] = PabulibProject(pid, cost, values, line=line)

    # VOTES

    def _vote_row(self, values: dict[str, str], line: int) -> None:
        voter = values.pop("voter_id")
        if not voter:
            raise PabulibError(
                "empty_voter_id", gettext_noop("A voter id cannot be empty."), line=line
            )
        if voter in self.voter_ids:
            raise PabulibError(
                "duplicate_voter",
                gettext_noop("The voter %(voter)s appears twice."),
                line=line,
                voter=voter,
            )
        self.voter_ids.add(voter)
        listed = values.pop("vote")
        vote = tuple(pid.strip() for pid in listed.split(",")) if listed else ()
        seen: set[str] = set()
        for pid in vote:
            if pid not in self.projects:
                raise PabulibError(
                    "unknown_project",
                    gettext_noop("The vote names the unknown project %(project)s."),
                    line=line,
                    project=pid,
                )
            if pid in seen:
                raise PabulibError(
                    "repeated_project",
                    gettext_noop("The vote names the project %(project)s twice."),
                    line=line,
                    project=pid,
                )
            seen.add(pid)
        points: tuple[Fraction, ...] | None = None
        if self.meta["vote_type"] in ("cumulative", "scoring"):
            points = self._points(values.pop("points"), vote, line)
        self._check_vote(vote, points, line)
        self.votes.append(PabulibVote(voter, vote, points, values, line=line))

    def _points(self, text: str, vote: tuple[str, ...], line: int) -> tuple[Fraction, ...]:
        parts = [part.strip() for part in text.split(",")] if text else []
        if len(parts) != len(vote):
            raise PabulibError(
                "points_count",
                gettext_noop(
                    "The vote names %(projects)s projects but gives %(points)s points values."
                ),
                line=line,
                projects=len(vote),
                points=len(parts),
            )
        points = []
        for part in parts:
            value = _number(part)
            if value is None:
                raise PabulibError(
                    "bad_points",
                    gettext_noop("Points must be numbers, not %(value)s."),
                    line=line,
                    value=part,
                )
            points.append(value)
        return tuple(points)

    def _check_vote(
        self, vote: tuple[str, ...], points: tuple[Fraction, ...] | None, line: int
    ) -> None:
        def bound(key: str, value: Fraction, low: bool, template: str, **params: object) -> None:
            limit = self._limit(key)
            if limit is not None and (value < limit if low else value > limit):
                raise PabulibError(
                    key, template, line=line, limit=self.meta[key], value=_text(value), **params
                )

        length = Fraction(len(vote))
        bound(
            "min_length",
            length,
            True,
            gettext_noop("The vote names %(value)s projects, fewer than min_length %(limit)s."),
        )
        bound(
            "max_length",
            length,
            False,
            gettext_noop("The vote names %(value)s projects, more than max_length %(limit)s."),
        )
        if points is None:
            if self.meta["vote_type"] in ("approval", "choose-1"):
                total = sum((self.projects[pid].cost for pid in vote), Fraction(0))
                bound(
                    "min_sum_cost",
                    total,
                    True,
                    gettext_noop(
                        "The vote's projects cost %(value)s, less than min_sum_cost %(limit)s."
                    ),
                )
                bound(
                    "max_sum_cost",
                    total,
                    False,
                    gettext_noop(
                        "The vote's projects cost %(value)s, more than max_sum_cost %(limit)s."
                    ),
                )
            return
        for pid, given in zip(vote, points, strict=True):
            bound(
                "min_points",
                given,
                True,
                gettext_noop(
                    "The vote gives project %(project)s %(value)s points, "
                    "fewer than min_points %(limit)s."
                ),
                project=pid,
            )
            bound(
                "max_points",
                given,
                False,
                gettext_noop(
                    "The vote gives project %(project)s %(value)s points, "
                    "more than max_points %(limit)s."
                ),
                project=pid,
            )
        total = sum(points, Fraction(0))
        bound(
            "min_sum_points",
            total,
            True,
            gettext_noop(
                "The vote's points add up to %(value)s, fewer than min_sum_points %(limit)s."
            ),
        )
        bound(
            "max_sum_points",
            total,
            False,
            gettext_noop(
                "The vote's points add up to %(value)s, more than max_sum_points %(limit)s."
            ),
        )

    def _check_counts(self) -> None:
        for key, found in (("num_projects", len(self.projects)), ("num_votes", len(self.votes))):
            if key in self.meta and int(self.meta[key]) != found:
                raise PabulibError(
                    "count_mismatch",
                    gettext_noop("%(key)s is %(stated)s, but the file has %(found)s."),
                    line=self.meta_lines[key],
                    key=key,
                    stated=self.meta[key],
                    found=found,
                )


# --- writing -------------------------------------------------------------------


def _text(value: Fraction) -> str:
    """An exact number as Pabulib writes it: 12, 12.5 (never 12.0 or 25/2)."""
    if value.denominator == 1:
        return str(value.numerator)
    digits, rest = 0, value.denominator
    for prime in (2, 5):
        while rest % prime == 0:
            rest //= prime
    if rest != 1:
        raise PabulibError(
            "not_decimal",
            gettext_noop("The amount %(value)s cannot be written as a decimal number."),
            value=str(value),
        )
    while (value * 10**digits).denominator != 1:
        digits += 1
    whole = abs(value.numerator) * 10**digits // value.denominator
    sign = "-" if value < 0 else ""
    head, tail = divmod(whole, 10**digits)
    return f"{sign}{head}.{tail:0{digits}d}"


def write(pb: PabulibFile) -> str:
    """The text of the Pabulib file for ``pb``."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(["META"])
    writer.writerow(["key", "value"])
    for key, value in pb.meta.items():
        writer.writerow([key, value])
    writer.writerow(["PROJECTS"])
    writer.writerow(pb.project_columns)
    for project in pb.projects:
        values = {"project_id": project.project_id, "cost": _text(project.cost), **project.fields}
        writer.writerow([values.get(column, "") for column in pb.project_columns])
    writer.writerow(["VOTES"])
    writer.writerow(pb.vote_columns)
    for vote in pb.votes:
        values = {"voter_id": vote.voter_id, "vote": ",".join(vote.vote), **vote.fields}
        if vote.points is not None:
            values["points"] = ",".join(_text(x) for x in vote.points)
        writer.writerow([values.get(column, "") for column in pb.vote_columns])
    return out.getvalue()


# --- rounds ----------------------------------------------------------------------


def to_round(pb: PabulibFile) -> BudgetRound:
    """The round the budgeting rules decide: approval and choose-1 votes as
    approval ballots, cumulative and scoring votes as points ballots."""
    projects = {p.project_id: p.cost for p in pb.projects}
    if pb.vote_type in ("approval", "choose-1"):
        return BudgetRound.approval(pb.budget, projects, (v.vote for v in pb.votes))
    if pb.vote_type == "ordinal":
        raise PabulibError(
            "ordinal_votes",
            gettext_noop(
                "The votes are rankings (ordinal): "
                "the budgeting rules need approval or points votes."
            ),
            line=None,
        )
    for vote in pb.votes:
        for pid, given in zip(vote.vote, vote.points or (), strict=True):
            if given < 0:
                raise PabulibError(
                    "negative_points",
                    gettext_noop("The vote gives negative points to project %(project)s."),
                    line=vote.line,
                    project=pid,
                )
    return BudgetRound.with_points(
        pb.budget,
        projects,
        (dict(zip(v.vote, v.points or (), strict=True)) for v in pb.votes),
    )


def from_round(
    round_: BudgetRound,
    *,
    meta: Mapping[str, str] | None = None,
    voter_ids: Iterable[str] | None = None,
    project_fields: Mapping[str, Mapping[str, str]] | None = None,
) -> PabulibFile:
    """The Pabulib file of a round, to decide it again elsewhere. ``meta``
    adds keys (description, country, unit, instance, rule, dates...);
    budget, vote_type, num_projects and num_votes come from the round.
    Voters are numbered 1, 2... unless ``voter_ids`` are given."""
    points = round_.kind == "points"
    extra = dict(meta or {})
    vote_type = extra.get("vote_type", "cumulative") if points else "approval"
    full = {
        **{k: v for k, v in extra.items() if k not in ("budget", "vote_type")},
        "num_projects": str(len(round_.projects)),
        "num_votes": str(len(round_.ballots)),
        "budget": _text(round_.budget),
        "vote_type": vote_type,
    }
    fields = project_fields or {}
    columns: list[str] = []
    for values in fields.values():
        columns.extend(c for c in values if c not in columns)
    ids = list(voter_ids) if voter_ids is not None else []
    ids += [str(i) for i in range(len(ids) + 1, len(round_.ballots) + 1)]
    order = {p.id: i for i, p in enumerate(round_.projects)}
    votes = []
    for voter, ballot in zip(ids, round_.ballots, strict=False):
        chosen = tuple(sorted(ballot, key=order.__getitem__))
        votes.append(
            PabulibVote(voter, chosen, tuple(ballot[p] for p in chosen) if points else None)
        )
    return PabulibFile(
        meta=full,
        project_columns=("project_id", "cost", *columns),
        projects=tuple(
            PabulibProject(p.id, p.cost, {c: fields.get(p.id, {}).get(c, "") for c in columns})
            for p in round_.projects
        ),
        vote_columns=("voter_id", "vote", "points") if points else ("voter_id", "vote"),
        votes=tuple(votes),
    )
