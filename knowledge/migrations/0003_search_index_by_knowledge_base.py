"""Put the knowledge base into the full-text index, so that a search of one knowledge base
reads only that knowledge base's matches, however many chunks other knowledge bases hold.

SQLite: the FTS5 table gets a second column, knowledge_base_id, whose external content is the
column of the same name in knowledge_chunk. Search restricts it with a column filter, so FTS5
intersects the knowledge base's doclist with the terms' doclists. The update trigger also
re-indexes a chunk whose knowledge base changes. The 'rebuild' command back-fills the new table.
PostgreSQL: the GIN index covers (knowledge_base_id, search_vector), so one bitmap index scan
applies both conditions. GIN indexes an integer column through the btree_gin extension,
which is trusted since PostgreSQL 13, so a role with CREATE privilege on the database (such as
its owner) can create it without superuser rights. For a role without that privilege, an
administrator creates the extension first, and this migration then skips that step.
"""

from django.db import migrations

SQLITE_TRIGGERS_DROP = [
    "DROP TRIGGER IF EXISTS knowledge_chunk_fts_update",
    "DROP TRIGGER IF EXISTS knowledge_chunk_fts_delete",
    "DROP TRIGGER IF EXISTS knowledge_chunk_fts_insert",
    "DROP TABLE IF EXISTS knowledge_chunk_fts",
]
SQLITE_CREATE = [
    *SQLITE_TRIGGERS_DROP,
    """CREATE VIRTUAL TABLE knowledge_chunk_fts USING fts5(
        search_text, knowledge_base_id, content='knowledge_chunk', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    "INSERT INTO knowledge_chunk_fts(knowledge_chunk_fts) VALUES ('rebuild')",
    """CREATE TRIGGER knowledge_chunk_fts_insert AFTER INSERT ON knowledge_chunk BEGIN
        INSERT INTO knowledge_chunk_fts(rowid, search_text, knowledge_base_id)
        VALUES (new.id, new.search_text, new.knowledge_base_id);
    END""",
    """CREATE TRIGGER knowledge_chunk_fts_delete AFTER DELETE ON knowledge_chunk BEGIN
        INSERT INTO knowledge_chunk_fts(knowledge_chunk_fts, rowid, search_text, knowledge_base_id)
        VALUES ('delete', old.id, old.search_text, old.knowledge_base_id);
    END""",
    """CREATE TRIGGER knowledge_chunk_fts_update
    AFTER UPDATE OF search_text, knowledge_base_id ON knowledge_chunk BEGIN
        INSERT INTO knowledge_chunk_fts(knowledge_chunk_fts, rowid, search_text, knowledge_base_id)
        VALUES ('delete', old.id, old.search_text, old.knowledge_base_id);
        INSERT INTO knowledge_chunk_fts(rowid, search_text, knowledge_base_id)
        VALUES (new.id, new.search_text, new.knowledge_base_id);
    END""",
]
# The reverse restores the single-column table and triggers of migration 0002.
SQLITE_REVERSE = [
    *SQLITE_TRIGGERS_DROP,
    """CREATE VIRTUAL TABLE knowledge_chunk_fts USING fts5(
        search_text, content='knowledge_chunk', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    "INSERT INTO knowledge_chunk_fts(knowledge_chunk_fts) VALUES ('rebuild')",
    """CREATE TRIGGER knowledge_chunk_fts_insert AFTER INSERT ON knowledge_chunk BEGIN
        INSERT INTO knowledge_chunk_fts(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    """CREATE TRIGGER knowledge_chunk_fts_delete AFTER DELETE ON knowledge_chunk BEGIN
        INSERT INTO knowledge_chunk_fts(knowledge_chunk_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
    END""",
    """CREATE TRIGGER knowledge_chunk_fts_update AFTER UPDATE OF search_text ON knowledge_chunk BEGIN
        INSERT INTO knowledge_chunk_fts(knowledge_chunk_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
        INSERT INTO knowledge_chunk_fts(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
]
POSTGRES_CREATE = [
    "CREATE EXTENSION IF NOT EXISTS btree_gin",
    "DROP INDEX IF EXISTS knowledge_chunk_search_gin",
    """CREATE INDEX knowledge_chunk_search_gin ON knowledge_chunk
        USING gin (knowledge_base_id, search_vector)""",
]
# The reverse leaves the btree_gin extension installed: other indexes may use it.
POSTGRES_REVERSE = [
    "DROP INDEX IF EXISTS knowledge_chunk_search_gin",
    "CREATE INDEX knowledge_chunk_search_gin ON knowledge_chunk USING gin (search_vector)",
]


def run_for_vendor(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise RuntimeError(
                f"Knowledge search supports SQLite and PostgreSQL, not {schema_editor.connection.vendor}."
            )
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0002_search_index")]

    operations = [
        migrations.RunPython(
            run_for_vendor({"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}),
            run_for_vendor({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        )
    ]
