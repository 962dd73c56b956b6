"""Ranked ballots, held the way the counting code wants them.

Identical ballots are counted once with a weight: a ward of 8,000 voters has
about 2,000 distinct rankings, and a million random ballots over ten
candidates still share many. Each distinct ranking is a row of an integer
matrix of candidate indices (``-1`` pads the unranked tail), so that a round
of IRV or STV is a handful of numpy operations over all rows at once.

Rankings may place several candidates equal (BLT ``2=3``, PrefLib ``{2,3}``).
Only Condorcet methods can count such ballots; IRV and STV refuse them with
:class:`EqualRankingsUnsupported`. A ranking's last group that holds every
candidate not ranked before it says nothing (unranked candidates are already
equal last), so it is dropped.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterable, Iterator, Sequence

import numpy as np
import numpy.typing as npt

from taawun.tally.errors import (
    DuplicateRanking,
    EqualRankingsUnsupported,
    InvalidSettings,
    InvalidWeight,
    UnknownCandidate,
    gettext_noop,
)

# One position on a ballot: a candidate, or a group of candidates ranked equal.
RankingItem = str | Collection[str]
Ranking = Sequence[RankingItem]

# A normalised ranking: candidate indices, with equal groups as sorted tuples.
_Key = tuple[int | tuple[int, ...], ...]


def check_candidates(candidates: Sequence[str]) -> tuple[str, ...]:
    names = tuple(candidates)
    if not all(isinstance(name, str) and name for name in names):
        raise InvalidSettings(None, gettext_noop("every candidate needs a non-empty name"))
    if len(set(names)) != len(names):
        raise InvalidSettings(None, gettext_noop("two candidates have the same name"))
    return names


class RankedBallots:
    """Distinct rankings with the number of ballots that carry each.

    ``prefs[r, k]`` is the candidate index at position ``k`` of row ``r``
    (``-1`` when the ballot ranks fewer); ``levels[r, k]`` is its rank level
    when equal rankings occur (``None`` when every row is a strict order);
    ``weights[r]`` is how many ballots carry row ``r``; ``blank`` counts
    ballots that ranked nobody (they are not valid votes for any method).
    Rows are in a canonical order, so that nothing depends on ballot order.
    """

    def __init__(
        self,
        candidates: Sequence[str],
        prefs: npt.NDArray[np.int16],
        weights: npt.NDArray[np.int64],
        levels: npt.NDArray[np.int16] | None = None,
        *,
        blank: int = 0,
    ) -> None:
        self.candidates = check_candidates(candidates)
        self.prefs = prefs
        self.weights = weights
        self.levels = levels
        self.blank = blank

    # --- building ---------------------------------------------------------

    @classmethod
    def from_rankings(
        cls,
        candidates: Sequence[str],
        rankings: Iterable[Ranking],
        weights: Iterable[int] | None = None,
    ) -> RankedBallots:
        """Check and aggregate rankings given as lists of candidate names.

        An item of a ranking may be a collection of names ranked equal.
        Raises :class:`UnknownCandidate` or :class:`DuplicateRanking`.
        """
        names = check_candidates(candidates)
        index = {name: i for i, name in enumerate(names)}
        counts: dict[_Key, int] = {}
        blank = 0
        strict = True
        weight_list = None if weights is None else iter(weights)
        for ranking in rankings:
            weight = 1 if weight_list is None else _check_weight(next(weight_list, None))
            key = _strict_key(ranking, index)
            if key is None:  # equal groups, or something to explain
                key = _normalise(ranking, index, names)
                strict = strict and all(isinstance(item, int) for item in key)
            if not key:
                blank += weight
            elif weight:
                counts[key] = counts.get(key, 0) + weight
        if weight_list is not None and next(weight_list, None) is not None:
            raise InvalidWeight(None, gettext_noop("there are more weights than ballots"))
        return cls._from_keys(names, counts, blank, strict=strict)

    @classmethod
    def from_array(
        cls,
        candidates: Sequence[str],
        prefs: npt.ArrayLike,
        weights: npt.ArrayLike | None = None,
    ) -> RankedBallots:
        """Aggregate strict rankings given as a matrix of candidate indices.

        Row ``r`` lists the indices of ballot ``r``'s choices in order,
        padded with ``-1``. This is the fast way in for large polls.
        """
        names = check_candidates(candidates)
        matrix = np.asarray(prefs)
        if matrix.ndim != 2:
            raise InvalidSettings(
                None, gettext_noop("the ballots must be a two-dimensional matrix")
            )
        matrix = matrix.astype(np.int16, copy=False)
        w = None
        if weights is not None:
            w = np.asarray(weights, dtype=np.int64)
            if w.shape != (matrix.shape[0],):
                raise InvalidWeight(None, gettext_noop("there must be one weight per ballot"))
            if (w < 0).any():
                raise InvalidWeight(None, gettext_noop("a weight cannot be negative"))
        if matrix.size and (matrix.min() < -1 or matrix.max() >= len(names)):
            raise UnknownCandidate(
                None, gettext_noop("a ballot names a candidate number out of range")
            )
        # Merge first and check the distinct rankings only: every check is about
        # one ballot at a time, and there are often far fewer distinct rankings.
        rows, counts = _aggregate(matrix, w, len(names))
        if rows.size:
            if ((rows[:, 1:] >= 0) & (rows[:, :-1] < 0)).any():
                raise InvalidSettings(None, gettext_noop("a ballot has a gap in its ranking"))
            if _repeats_a_candidate(rows, len(names)):
                raise DuplicateRanking(
                    None, gettext_noop("a ballot ranks the same candidate twice")
                )
        empty = rows[:, 0] < 0 if rows.shape[1] else np.ones(rows.shape[0], dtype=bool)
        blank = int(counts[empty].sum())
        keep = ~empty & (counts > 0)
        rows, counts = rows[keep], counts[keep]
        if rows.shape[0]:  # drop the columns that are padding on every row
            rows = np.ascontiguousarray(rows[:, : int((rows >= 0).sum(axis=1).max())])
        return cls(names, rows, counts, blank=blank)

    @classmethod
    def _from_keys(
        cls, names: tuple[str, ...], counts: dict[_Key, int], blank: int, *, strict: bool
    ) -> RankedBallots:
        if strict:
            lengths = np.fromiter(map(len, counts), dtype=np.intp, count=len(counts))
            width = int(lengths.max(initial=0))
            flat = np.fromiter(
                itertools.chain.from_iterable(counts), dtype=np.int16, count=int(lengths.sum())
            )
            row_of = np.repeat(np.arange(len(counts)), lengths)
            starts = np.cumsum(lengths) - lengths
            rows = np.full((len(counts), width), -1, dtype=np.int16)
            rows[row_of, np.arange(flat.size) - np.repeat(starts, lengths)] = flat
            weights = np.fromiter(counts.values(), dtype=np.int64, count=len(counts))
            prefs, agg = _aggregate(rows, weights, len(names))
            return cls(names, prefs, agg, blank=blank)
        # Equal rankings: few polls have them, so plain Python is fine here.
        width = max((_key_length(key) for key in counts), default=0)
        prefs = np.full((len(counts), width), -1, dtype=np.int16)
        levels = np.full((len(counts), width), -1, dtype=np.int16)
        for r, key in enumerate(sorted(counts, key=_sort_key)):
            k = 0
            for level, item in enumerate(key):
                for c in (item,) if isinstance(item, int) else item:
                    prefs[r, k] = c
                    levels[r, k] = level
                    k += 1
        weights = np.array([counts[key] for key in sorted(counts, key=_sort_key)], dtype=np.int64)
        return cls(names, prefs, weights, levels, blank=blank)

    # --- reading ----------------------------------------------------------

    @property
    def total(self) -> int:
        """Ballots that rank at least one candidate (weights added up)."""
        return int(self.weights.sum())

    @property
    def is_strict(self) -> bool:
        return self.levels is None

    def strict_prefs(self) -> npt.NDArray[np.int16]:
        """The preference matrix, for methods that need a strict order."""
        if self.levels is not None:
            raise EqualRankingsUnsupported(
                None, gettext_noop("this method cannot count ballots that rank candidates equal")
            )
        return self.prefs

    def positions(self) -> npt.NDArray[np.int16]:
        """``positions[r, c]``: rank level of candidate ``c`` on row ``r``.

        Level 0 is first; every unranked candidate gets the same level,
        below all ranked ones.
        """
        n, width = self.prefs.shape
        # A spare last column takes the padding, which ``-1`` indexes.
        out = np.full((n, len(self.candidates) + 1), width, dtype=np.int16)
        levels = self.levels if self.levels is not None else np.arange(width, dtype=np.int16)
        out[np.arange(n)[:, None], self.prefs] = levels
        return np.ascontiguousarray(out[:, :-1])

    def rankings(self) -> Iterator[tuple[list[str | list[str]], int]]:
        """Each distinct ranking (names, equal groups as lists) and its weight."""
        for r in range(self.prefs.shape[0]):
            items: list[str | list[str]] = []
            last_level = -1
            for k in range(self.prefs.shape[1]):
                c = int(self.prefs[r, k])
                if c < 0:
                    break
                name = self.candidates[c]
                level = k if self.levels is None else int(self.levels[r, k])
                if level == last_level:
                    previous = items[-1]
                    items[-1] = (
                        [*previous, name] if isinstance(previous, list) else [previous, name]
                    )
                else:
                    items.append(name)
                last_level = level
            yield items, int(self.weights[r])

    def withdraw(self, withdrawn: Iterable[str]) -> RankedBallots:
        """The same ballots as if the withdrawn candidates had never stood."""
        gone = set(withdrawn)
        unknown = gone - set(self.candidates)
        if unknown:
            raise UnknownCandidate(
                None,
                gettext_noop("cannot withdraw unknown candidate %(candidate)s"),
                candidate=sorted(unknown)[0],
            )
        if not gone:
            return self
        keep = [c for c in self.candidates if c not in gone]
        rankings: list[list[str | list[str]]] = []
        weights: list[int] = []
        for items, weight in self.rankings():
            kept: list[str | list[str]] = []
            for item in items:
                if isinstance(item, list):
                    group = [name for name in item if name not in gone]
                    if group:
                        kept.append(group if len(group) > 1 else group[0])
                elif item not in gone:
                    kept.append(item)
            rankings.append(kept)
            weights.append(weight)
        result = RankedBallots.from_rankings(keep, rankings, weights)
        result.blank += self.blank
        return result


def _check_weight(weight: object) -> int:
    if weight is None:
        raise InvalidWeight(None, gettext_noop("there are fewer weights than ballots"))
    if isinstance(weight, bool) or not isinstance(weight, int | np.integer) or weight < 0:
        raise InvalidWeight(
            None,
            gettext_noop("a ballot weight must be a whole number, not “%(weight)s”"),
            weight=str(weight),
        )
    return int(weight)


def _strict_key(raw: Ranking, index: dict[str, int]) -> _Key | None:
    """The key of a ranking of plain names, each once; ``None`` when it is not
    one (the careful path then explains what is wrong or handles the groups)."""
    try:
        key = tuple(map(index.__getitem__, raw))  # type: ignore[arg-type]
    except (KeyError, TypeError):
        return None
    return key if len(set(key)) == len(key) else None


def _normalise(ranking: Ranking, index: dict[str, int], names: Sequence[str]) -> _Key:
    items: list[int | tuple[int, ...]] = []
    seen: set[int] = set()
    for item in ranking:
        group = [item] if isinstance(item, str) else list(item)
        indices = []
        for name in group:
            c = index.get(name) if isinstance(name, str) else None
            if c is None:
                raise UnknownCandidate(
                    None, gettext_noop("unknown candidate “%(candidate)s”"), candidate=str(name)
                )
            if c in seen:
                raise DuplicateRanking(
                    None, gettext_noop("%(candidate)s is ranked more than once"), candidate=names[c]
                )
            seen.add(c)
            indices.append(c)
        if not indices:
            continue
        items.append(indices[0] if len(indices) == 1 else tuple(sorted(indices)))
    # A last equal group holding every candidate not ranked before it adds nothing.
    if items and isinstance(items[-1], tuple) and len(seen) == len(names):
        items.pop()
    return tuple(items)


def _key_length(key: _Key) -> int:
    return sum(1 if isinstance(item, int) else len(item) for item in key)


def _sort_key(key: _Key) -> tuple[tuple[int, ...], ...]:
    return tuple((item,) if isinstance(item, int) else item for item in key)


def _aggregate(
    rows: npt.NDArray[np.int16], weights: npt.NDArray[np.int64] | None, n_candidates: int
) -> tuple[npt.NDArray[np.int16], npt.NDArray[np.int64]]:
    """Merge identical rows, adding their weights (1 each when ``None``).

    Rows come out sorted (lexicographically, padding first), with their
    original width; values must already lie between -1 and ``n_candidates - 1``.
    """
    n, width = rows.shape
    if n == 0:
        return rows.reshape(0, width), np.zeros(0, dtype=np.int64)
    bits = n_candidates.bit_length()  # one digit per position: candidate index + 1
    if bits * width > 62:
        unique, inverse, counts = np.unique(rows, axis=0, return_inverse=True, return_counts=True)
        if weights is None:
            return unique.astype(np.int16), counts.astype(np.int64)
        merged = np.zeros(unique.shape[0], dtype=np.int64)
        np.add.at(merged, inverse.reshape(-1), weights)
        return unique.astype(np.int16), merged
    # Pack each row into one integer, most significant digit first, so that
    # integer order is the rows' lexicographic order: sorting integers is
    # many times faster than sorting rows.
    shifts = np.arange(width - 1, -1, -1, dtype=np.int64) * bits
    place = np.left_shift(1, shifts)
    packed = rows @ place + place.sum()
    if weights is None:
        keys = np.sort(packed)
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        merged = np.diff(np.r_[starts, n])
    else:
        order = np.argsort(packed)
        keys = packed[order]
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        merged = np.add.reduceat(weights[order], starts)
    # Read the digits back one position at a time (into contiguous rows of a
    # transposed matrix, which is several times faster than one 2-D shift).
    keys = keys[starts]
    columns = np.empty((width, keys.size), dtype=np.int16)
    for k in range(width):
        np.bitwise_and(keys >> shifts[k], (1 << bits) - 1, out=columns[k], casting="unsafe")
    columns -= 1
    return np.ascontiguousarray(columns.T), merged.astype(np.int64)


def _repeats_a_candidate(rows: npt.NDArray[np.int16], n_candidates: int) -> bool:
    """Whether some row (padded with ``-1``) names a candidate twice: a row is
    fine when the set of its candidates, as bits, has as many members as the
    row has ranked positions."""
    if n_candidates > 64:
        ordered = np.sort(rows, axis=1)
        return bool(((ordered[:, 1:] == ordered[:, :-1]) & (ordered[:, 1:] >= 0)).any())
    bit = np.zeros(n_candidates + 1, dtype=np.uint64)  # the last entry takes the padding
    bit[:-1] = np.left_shift(np.uint64(1), np.arange(n_candidates, dtype=np.uint64))
    seen = np.zeros(rows.shape[0], dtype=np.uint64)
    ranked = np.zeros(rows.shape[0], dtype=np.int64)
    for column in rows.T.copy():  # contiguous columns
        seen |= bit[column]
        ranked += column >= 0
    return bool((np.bitwise_count(seen) != ranked).any())
