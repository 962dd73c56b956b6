"""The full-text index beside SearchDocument, in each database's own way.

SQLite: an FTS5 table ``knowledge_search_fts`` (title, body) whose rowid is
the SearchDocument's id, holding the normalised index terms (see
taawun.knowledge.normalise); a trigger removes its row when the document
row goes (also when a cooperative's deletion cascades). PostgreSQL: a
``search_vector`` tsvector column on knowledge_searchdocument with a GIN
index. Django's models do not know either: taawun.knowledge.search.engine
writes and reads them with SQL.

A later migration that makes Django rebuild knowledge_searchdocument on
SQLite (most column changes do: copy, drop, rename) drops the trigger with
the old table; it must create it again (and run ``taawun search reindex``).
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

SQLITE_FORWARDS = (
    "CREATE VIRTUAL TABLE knowledge_search_fts USING fts5("
    "title, body, tokenize = 'porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER knowledge_search_fts_delete AFTER DELETE ON knowledge_searchdocument "
    "BEGIN DELETE FROM knowledge_search_fts WHERE rowid = old.id; END",
)
SQLITE_BACKWARDS = (
    "DROP TRIGGER IF EXISTS knowledge_search_fts_delete",
    "DROP TABLE IF EXISTS knowledge_search_fts",
)
POSTGRES_FORWARDS = (
    "ALTER TABLE knowledge_searchdocument ADD COLUMN search_vector tsvector",
    "CREATE INDEX knowledge_search_vector ON knowledge_searchdocument USING GIN (search_vector)",
)
POSTGRES_BACKWARDS = (
    "DROP INDEX IF EXISTS knowledge_search_vector",
    "ALTER TABLE knowledge_searchdocument DROP COLUMN IF EXISTS search_vector",
)


def _run(schema_editor: Any, statements: dict[str, tuple[str, ...]]) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in statements:
        raise RuntimeError(f"Taawun's search supports SQLite and PostgreSQL, not {vendor}.")
    for statement in statements[vendor]:
        schema_editor.execute(statement)


def forwards(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, {"sqlite": SQLITE_FORWARDS, "postgresql": POSTGRES_FORWARDS})


def backwards(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, {"sqlite": SQLITE_BACKWARDS, "postgresql": POSTGRES_BACKWARDS})


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
