"""The full-text index itself, in each database's own way (see migration
knowledge 0002): what is written into it and how it is asked.

SQLite: FTS5 table ``knowledge_search_fts`` (rowid = SearchDocument.id),
ranked with bm25, a word in the title weighing ten times one in the body.
PostgreSQL: the ``search_vector`` column, built from the same terms with
both the ``english`` and the ``arabic`` configurations (title weight A, body
B), matched through its GIN index and ranked with ts_rank_cd.

The terms given are always already normalised (taawun.knowledge.normalise),
so both databases see the same words; each adds its own stemming (Porter on
SQLite, Snowball English and Arabic on PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import QuerySet

from taawun.knowledge.models import SearchDocument

FTS = "knowledge_search_fts"
DOCUMENTS = SearchDocument._meta.db_table
TITLE_WEIGHT = 10.0
# Matches are counted up to COUNT_LIMIT ("more than 1,000"), and the newest
# CANDIDATES matching documents are ranked at most (see ranked_page): one
# more than the results a reader can page through, so that "more" is known.
COUNT_LIMIT = 1000
CANDIDATES = COUNT_LIMIT + 1
# A document's vector is built with the configuration of its language
# (Snowball stemming for Arabic and English; the others as they are):
# Latin words pass through the Arabic one unstemmed and Arabic words through
# the English one, so a query read with both meets every document.
CONFIGS = {"ar": "arabic", "en": "english"}
VECTOR = (
    "setweight(to_tsvector(%s::regconfig, %s), 'A') || "
    "setweight(to_tsvector(%s::regconfig, %s), 'B')"
)
TERM_QUERY = "plainto_tsquery('english', %s) || plainto_tsquery('arabic', %s)"


def on_postgres() -> bool:
    return connection.vendor == "postgresql"


def write(rows: Sequence[tuple[int, str, str, str]]) -> None:
    """Index (document id, language, title terms, body terms) for each row,
    replacing whatever was indexed for those documents."""
    if not rows:
        return
    with connection.cursor() as cursor:
        if on_postgres():
            cursor.executemany(
                f"UPDATE {DOCUMENTS} SET search_vector = {VECTOR} WHERE id = %s",  # noqa: S608
                [
                    (CONFIGS.get(lang, "simple"), title, CONFIGS.get(lang, "simple"), body, pk)
                    for pk, lang, title, body in rows
                ],
            )
            return
        cursor.executemany(f"DELETE FROM {FTS} WHERE rowid = %s", [(row[0],) for row in rows])  # noqa: S608
        cursor.executemany(
            f"INSERT INTO {FTS} (rowid, title, body) VALUES (%s, %s, %s)",  # noqa: S608
            [(pk, title, body) for pk, _lang, title, body in rows],
        )


def tidy() -> None:
    """After rebuilding the whole index: on PostgreSQL, what autovacuum
    would do soon (the rows rewritten, the GIN index's pending entries
    merged, the statistics the planner reads); nothing on SQLite, nor
    inside a transaction (where PostgreSQL cannot vacuum)."""
    if on_postgres() and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {DOCUMENTS}")


def clear() -> None:
    """Empty the index (its documents' rows are being deleted too)."""
    if not on_postgres():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS}")  # noqa: S608


def _fts5_expression(groups: Sequence[Sequence[str]]) -> str:
    """An FTS5 query: every group must match, by any of its terms. Each term
    is double-quoted, so that FTS5 reads it as a string and never as syntax
    (terms are letters and digits only: they hold no quote to escape)."""
    return " AND ".join("(" + " OR ".join(f'"{term}"' for term in group) + ")" for group in groups)


def _where(documents: QuerySet[SearchDocument]) -> tuple[str, list[Any]]:
    """The filters of ``documents`` (who may read, kind, language,
    cooperative) as SQL on the table under its own name; taken from the
    queryset, so that the rule stays taawun.knowledge.rules's."""
    query = documents.query
    try:
        sql, params = query.where.as_sql(query.get_compiler(connection=connection), connection)
    except EmptyResultSet:
        return "1 = 0", []
    return sql or "1 = 1", list(params)


def _tsquery(groups: Sequence[Sequence[str]]) -> tuple[str, list[str]]:
    """Every group must match, by any of its terms, each read with both the
    English and the Arabic configuration."""
    sql = " && ".join("(" + " || ".join([TERM_QUERY] * len(group)) + ")" for group in groups)
    return f"({sql})", [term for group in groups for term in group for _config in ("en", "ar")]


def _matching(tsquery: str) -> str:
    """The documents matching ``tsquery``, found through the GIN index, under
    the table's own name (so that the filters compiled by Django apply).

    ``OFFSET 0`` keeps the filters out of the subquery, so that the planner
    has no other index to choose: it would otherwise take the one on
    visibility and test each visible row against the query, reading its
    whole vector. ``id + 0`` in the callers, likewise, keeps it from walking
    the primary key backwards and testing every row."""
    return (
        f"(SELECT id, search_vector, kind, language, visibility, cooperative_id "  # noqa: S608
        f"FROM {DOCUMENTS} WHERE search_vector @@ {tsquery} OFFSET 0) AS {DOCUMENTS}"
    )


def _fetch(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Run a search statement. On PostgreSQL, with sequential scans off for
    it: the planner prices testing a row against the query as cheap, but
    that reads the row's whole vector from TOAST, and a sequential scan does
    so for every row (0.15 s over 30,000 documents, where the GIN index
    answers in milliseconds: it is exact for these queries)."""
    with connection.cursor() as cursor:
        if not on_postgres():
            cursor.execute(sql, params)
            return list(cursor.fetchall())
        with transaction.atomic(savepoint=False):
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(sql, params)
            rows = list(cursor.fetchall())
            cursor.execute("SET LOCAL enable_seqscan = on")
        return rows


def ranked_page(
    documents: QuerySet[SearchDocument],
    groups: Sequence[Sequence[str]],
    offset: int,
    limit: int,
) -> tuple[list[tuple[int, float]], int | None]:
    """One page of (document id, rank) of ``documents`` (already filtered)
    that match every group, best first, and how many match, counted up to
    ``CANDIDATES`` (None when the page is past the last result).

    Only the ``CANDIDATES`` newest matching documents are ranked: a search
    that matches more is too broad for the order of what lies beyond to
    matter, and this keeps every search as fast as a narrow one (ranking
    reads each candidate's index entry). One statement: the candidates are
    taken in the index's own order (newest first) and only they are ranked.
    """
    where, where_params = _where(documents)
    if on_postgres():
        tsquery, terms = _tsquery(groups)
        sql = (
            f"SELECT id, ts_rank_cd(search_vector, {tsquery}) AS rank, count(*) OVER () "  # noqa: S608
            f"FROM (SELECT id, search_vector FROM {_matching(tsquery)} "
            f"WHERE {where} ORDER BY id + 0 DESC LIMIT %s) AS candidates "
            "ORDER BY rank DESC, id DESC LIMIT %s OFFSET %s"
        )
        params: list[Any] = [*terms, *terms, *where_params, CANDIDATES, limit, offset]
    else:
        # CROSS JOIN: SQLite takes the FTS table first, in its rowid order,
        # and stops after CANDIDATES; bm25 is computed for those alone.
        sql = (
            "SELECT id, rank, count(*) OVER () FROM ("  # noqa: S608
            f"SELECT {DOCUMENTS}.id AS id, -bm25({FTS}, {TITLE_WEIGHT}, 1.0) AS rank "
            f"FROM {FTS} CROSS JOIN {DOCUMENTS} ON {DOCUMENTS}.id = {FTS}.rowid "
            f"WHERE {FTS} MATCH %s AND ({where}) "
            f"ORDER BY {FTS}.rowid DESC LIMIT %s) "
            "ORDER BY rank DESC, id DESC LIMIT %s OFFSET %s"
        )
        params = [_fts5_expression(groups), *where_params, CANDIDATES, limit, offset]
    rows = _fetch(sql, params)
    if not rows:
        return [], (None if offset else 0)
    return [(pk, float(rank)) for pk, rank, _total in rows], int(rows[0][2])


def count(documents: QuerySet[SearchDocument], groups: Sequence[Sequence[str]]) -> int:
    """How many of ``documents`` match, counted up to CANDIDATES."""
    where, where_params = _where(documents)
    if on_postgres():
        tsquery, terms = _tsquery(groups)
        sql = (
            f"SELECT count(*) FROM (SELECT 1 FROM {_matching(tsquery)} "  # noqa: S608
            f"WHERE {where} LIMIT %s) AS found"
        )
        params: list[Any] = [*terms, *where_params, CANDIDATES]
    else:
        sql = (
            f"SELECT count(*) FROM (SELECT 1 FROM {FTS} CROSS JOIN {DOCUMENTS} "  # noqa: S608
            f"ON {DOCUMENTS}.id = {FTS}.rowid WHERE {FTS} MATCH %s AND ({where}) LIMIT %s)"
        )
        params = [_fts5_expression(groups), *where_params, CANDIDATES]
    return int(_fetch(sql, params)[0][0])
