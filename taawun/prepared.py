"""Queries compiled once per process and run again with new values.

Turning a queryset into SQL costs Django far more than the database takes
to answer a short query: for the look-up that the member directory starts
with (the cooperative and the signed-in person's membership of it, one
indexed join) the ORM took 0.87 ms where sending the same SQL through a
cursor and reading the row took 0.18 ms on PostgreSQL (0.53 and 0.02 ms on
SQLite; docs/benchmarks.md). A :class:`PreparedQuery` builds its queryset
once per database connection alias with a marker in place of each
argument, keeps the SQL, and on each call runs that SQL with the real
values and builds the model instances as the queryset would have (the same
converters, the same ``select_related`` objects).

It takes only what it can prove it runs faithfully: a queryset of model
instances (``select_related`` allowed) or of plain ``values_list()``
tuples, with no annotations, ``prefetch_related`` or deferred fields, in
which every argument reaches the SQL unchanged as one parameter. A lookup
that transforms its value (``icontains`` wraps it in ``%``) or a value the
ORM folds into the SQL text is refused when the query is first prepared,
with the reason, so a mistake shows in the first test that runs the query,
not as a wrong answer.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import ModelIterable, ValuesListIterable, get_related_populators

R = TypeVar("R")

# Markers stand in for the arguments while the query is compiled: values no
# real call passes, and that the ORM passes through as they are.
_MARKERS: dict[type, Callable[[int], Any]] = {
    str: lambda i: f"\x00taawun-prepared-{i}\x00",
    int: lambda i: -7_300_000_000_000 - i,
}


class NotPreparable(Exception):
    """The queryset cannot be run from its SQL alone (a programming error)."""


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    # For each SQL parameter: the index of the argument it takes, or None
    # when it is a constant of the query.
    slots: tuple[int | None, ...]
    # Applies the converters. The connection it holds is the preparing
    # thread's; converters only read from it what every thread of the
    # process shares (the database's time zone, its features).
    compiler: Any
    converters: dict[int, Any]
    model: Any  # None for values_list(): the converted rows are the answer
    fields: tuple[str, ...]  # the model's columns, row[start:end]
    start: int
    end: int
    populators: tuple[Any, ...]  # select_related objects, built from each row


class PreparedQuery(Generic[R]):
    """``build(*markers)`` returns the queryset; ``types`` gives the type of
    each argument (``str`` or ``int``), in order. A call returns what listing
    the queryset would: model instances, or tuples for ``values_list()``."""

    def __init__(self, build: Callable[..., QuerySet[Any, R]], *types: type) -> None:
        arity = len(inspect.signature(build).parameters)
        if arity != len(types):
            raise NotPreparable(f"build takes {arity} arguments but {len(types)} types were given")
        for kind in types:
            if kind not in _MARKERS:
                raise NotPreparable(f"arguments of type {kind.__name__} cannot be prepared")
        self.build = build
        self.types = types
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    def __call__(self, *args: Any, using: str = "default") -> list[R]:
        if len(args) != len(self.types):
            raise TypeError(f"expected {len(self.types)} arguments, got {len(args)}")
        for value, kind in zip(args, self.types, strict=True):
            if not isinstance(value, kind) or isinstance(value, bool):
                raise TypeError(f"expected {kind.__name__}, got {type(value).__name__}")
        compiled = self._compiled.get(using) or self._prepare(using)
        params = tuple(
            args[slot] if slot is not None else constant
            for slot, constant in zip(compiled.slots, compiled.params, strict=True)
        )
        with connections[using].cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        return self._instances(compiled, rows, using)

    def _prepare(self, using: str) -> _Compiled:
        with self._lock:
            if using in self._compiled:
                return self._compiled[using]
            markers = [_MARKERS[kind](i) for i, kind in enumerate(self.types)]
            queryset = self.build(*markers)
            _check_shape(queryset)
            compiler = queryset.query.get_compiler(using)
            sql, params = compiler.as_sql()
            slots = _slots(tuple(params), markers)
            select, klass_info = compiler.select, compiler.klass_info
            converters = compiler.get_converters([column for column, _, _ in select])
            model = None if queryset._iterable_class is ValuesListIterable else queryset.model
            fields: tuple[str, ...] = ()
            start = end = 0
            populators: tuple[Any, ...] = ()
            if model is not None:
                start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
                fields = tuple(column.target.attname for column, _, _ in select[start:end])
                # django-stubs describe Django 6, which adds an argument.
                related = get_related_populators(klass_info, select, using)  # type: ignore[call-arg]
                populators = tuple(related)
            compiled = _Compiled(
                sql=sql,
                params=tuple(params),
                slots=slots,
                compiler=compiler,
                converters=converters,
                model=model,
                fields=fields,
                start=start,
                end=end,
                populators=populators,
            )
            self._compiled[using] = compiled
            return compiled

    def _instances(self, compiled: _Compiled, rows: list[Any], using: str) -> list[Any]:
        if compiled.converters:
            rows = list(compiled.compiler.apply_converters(rows, compiled.converters))
        if compiled.model is None:
            return [tuple(row) for row in rows]
        found = []
        for row in rows:
            instance = compiled.model.from_db(
                using, compiled.fields, row[compiled.start : compiled.end]
            )
            for populator in compiled.populators:
                populator.populate(row, instance)
            found.append(instance)
        return found


def _check_shape(queryset: QuerySet[Any]) -> None:
    query = queryset.query
    reasons = []
    if queryset._iterable_class not in (ModelIterable, ValuesListIterable):
        reasons.append("it returns neither model instances nor tuples (values(), flat or named)")
    if query.extra_select:
        reasons.append("it has extra() columns")
    if query.annotations:
        reasons.append("it has annotations")
    if queryset._prefetch_related_lookups:  # type: ignore[attr-defined]
        reasons.append("it prefetches related objects")
    if query.deferred_loading != (frozenset(), True):
        reasons.append("it defers fields (only(), defer())")
    if queryset._known_related_objects:  # type: ignore[attr-defined]
        reasons.append("it comes from a related manager")
    if query.combinator:
        reasons.append("it combines querysets (union(), intersection(), difference())")
    if reasons:
        raise NotPreparable("; ".join(reasons))


def _slots(params: tuple[Any, ...], markers: list[Any]) -> tuple[int | None, ...]:
    """Where each argument goes among the SQL parameters; every argument
    must arrive there unchanged."""
    slots: list[int | None] = []
    seen: set[int] = set()
    for param in params:
        slot = next(
            (i for i, m in enumerate(markers) if type(param) is type(m) and param == m), None
        )
        if slot is None and isinstance(param, str) and "taawun-prepared-" in param:
            raise NotPreparable(f"an argument reaches the SQL transformed: {param!r}")
        if slot is not None:
            seen.add(slot)
        slots.append(slot)
    missing = [i for i in range(len(markers)) if i not in seen]
    if missing:
        raise NotPreparable(
            f"argument(s) {missing} do not reach the SQL as parameters "
            "(folded into the SQL text, or transformed)"
        )
    return tuple(slots)
