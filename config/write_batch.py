"""Writes that land together: one statement on PostgreSQL, one transaction elsewhere.

A chat turn settles its quota and writes a conversation, two messages, a trace, a usage event
and two rollup rows. Run one by one on PostgreSQL, that is ten network round trips with BEGIN
and COMMIT, most of the API's overhead over a direct provider call. `WriteBatch` sends them as
one statement of data-modifying CTEs (`WITH a AS (INSERT ...), b AS (UPDATE ...) SELECT ...`),
which PostgreSQL runs atomically even in autocommit. An insert that needs the id of an earlier
one reads it from that part's RETURNING, so no part waits for another's result. SQLite has no
INSERT inside WITH: there the parts run in order in one transaction, and each reference
becomes the id that the earlier part returned.

The parts of one PostgreSQL statement share one snapshot and cannot see each other's rows
except through RETURNING; two parts must never change the same row.

Inserts are written from the model's concrete fields, as `Model.save()` would for a new row
(`pre_save` fills `auto_now_add`, `get_db_prep_save` adapts the value), without the ORM's
query compiler, which costs more than the statement. No model signal is sent.
"""

import functools
import re

import psycopg
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.utils import CursorWrapper

_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)

# (model, database vendor) -> (fields, "INSERT INTO table (columns)", "RETURNING pk")
_insert_shapes = {}


def _insert_shape(model, connection):
    key = (model, connection.vendor)
    shape = _insert_shapes.get(key)
    if shape is None:
        meta = model._meta
        quote = connection.ops.quote_name
        fields = [field for field in meta.concrete_fields if not field.generated and field is not meta.auto_field]
        columns = ", ".join(quote(field.column) for field in fields)
        shape = (fields, f"INSERT INTO {quote(meta.db_table)} ({columns})", f"RETURNING {quote(meta.pk.column)}")
        _insert_shapes[key] = shape
    return shape


@functools.lru_cache(maxsize=64)
def _numbered_placeholders(statement):
    """Return statement with its %s placeholders written as $1, $2, ..."""
    pieces = statement.split("%s")
    if any("%" in piece for piece in pieces):
        raise ValueError("A batch statement may contain no % other than %s placeholders.")
    numbered = [pieces[0]]
    for number, piece in enumerate(pieces[1:], start=1):
        numbered.append(f"${number}{piece}")
    return "".join(numbered)


class _Reference:
    """The primary key of an object that an earlier insert of the batch writes."""

    def __init__(self, part, column):
        self.part = part
        self.column = column


class _Part:
    def __init__(self, name, build, returning, obj=None, relations=()):
        self.name = name
        self.build = build  # build(resolve) -> (sql, params); resolve(reference) -> (sql, params)
        self.returning = returning
        self.obj = obj
        self.relations = relations  # foreign keys of obj that point at objects of earlier parts


class WriteBatch:
    """Collect inserts and updates, then run them with `run()` as one unit.

    Names identify parts: lowercase identifiers, unique within the batch. Each statement
    given to `execute` must use `%s` placeholders and, to be read back, end with RETURNING.
    """

    def __init__(self, using=DEFAULT_DB_ALIAS):
        self.connection = connections[using]
        self.using = using
        self.parts = []

    def _add(self, part):
        if not _NAME.match(part.name) or any(other.name == part.name for other in self.parts):
            raise ValueError(f"Invalid or repeated part name {part.name!r}: use a new lowercase identifier.")
        self.parts.append(part)

    def insert(self, name, obj):
        """Insert obj, a new model instance.

        A foreign key may point at an unsaved object that an earlier part of the batch
        inserts (`Message(conversation=conversation)`): the row gets that object's new key.
        """
        meta = obj._meta
        connection = self.connection
        fields, insert_into, returning = _insert_shape(type(obj), connection)
        values, relations = [], []
        for field in fields:
            related = field.get_cached_value(obj, None) if field.is_relation else None
            if related is not None and related.pk is None:
                part = next((part for part in self.parts if part.obj is related), None)
                if part is None or field.target_field is not related._meta.pk:
                    raise ValueError(
                        f"{meta.label}.{field.name} points at an unsaved {related._meta.label}: "
                        "insert it earlier in the batch, or save it first."
                    )
                values.append((field, _Reference(part.name, related._meta.pk.column)))
                relations.append(field)
            else:
                # pre_save runs now, as in save(), so auto_now_add values are set on obj.
                values.append((field, field.pre_save(obj, True)))

        def build(resolve):
            placeholders, params = [], []
            for field, value in values:
                if isinstance(value, _Reference):
                    sql, value_params = resolve(value)
                    placeholders.append(sql)
                    params.extend(value_params)
                else:
                    placeholders.append("%s")
                    params.append(field.get_db_prep_save(value, connection))
            return f"{insert_into} VALUES ({', '.join(placeholders)}) {returning}", params

        self._add(_Part(name, build, returning=True, obj=obj, relations=relations))

    def update(self, name, obj, fields):
        """Write the named fields of obj, a saved model instance, as save(update_fields) would."""
        meta = obj._meta
        quote = self.connection.ops.quote_name
        model_fields = [meta.get_field(field_name) for field_name in fields]
        params = [field.get_db_prep_save(field.pre_save(obj, False), self.connection) for field in model_fields]
        params.append(meta.pk.get_db_prep_value(obj.pk, self.connection))
        assignments = ", ".join(f"{quote(field.column)} = %s" for field in model_fields)
        sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
        self.execute(name, sql, params)

    def execute(self, name, sql, params=()):
        """Add a written-out statement; one that ends with RETURNING can be read back by name."""
        returning = _RETURNING.search(sql) is not None
        params = list(params)
        self._add(_Part(name, lambda resolve: (sql, params), returning))

    def run(self):
        """Write every part and return {name: [row dicts]} for the parts that return rows.

        Inserted instances get their primary key and count as saved. Their foreign keys to
        other inserted instances contain the new keys. On PostgreSQL the rows come back as
        JSON, so their values are numbers, strings, booleans or None, never dates or decimals.
        """
        if not self.parts:
            return {}
        if self.connection.vendor == "postgresql":
            results = self._run_one_statement()
        else:
            results = self._run_in_order()
        for part in self.parts:
            if part.obj is None:
                continue
            part.obj.pk = results[part.name][0][part.obj._meta.pk.column]
            part.obj._state.adding = False
            part.obj._state.db = self.using
        for part in self.parts:
            for field in part.relations:
                # Assigning the related object again sets the id column and keeps the cache.
                setattr(part.obj, field.name, field.get_cached_value(part.obj))
        return results

    def _run_one_statement(self):
        quote = self.connection.ops.quote_name

        def resolve(reference):
            return f"(SELECT {quote(reference.column)} FROM {quote(reference.part)})", []

        ctes, params = [], []
        for part in self.parts:
            sql, part_params = part.build(resolve)
            ctes.append(f"{quote(part.name)} AS ({sql})")
            params.extend(part_params)
        # Each returning part comes back as a JSON array of row objects. Parts without
        # RETURNING run as well, because PostgreSQL runs every data-modifying CTE to completion.
        returned = [part.name for part in self.parts if part.returning]
        select = ", ".join(f"'{name}', (SELECT json_agg({quote(name)}) FROM {quote(name)})" for name in returned)
        statement = f"WITH {', '.join(ctes)} SELECT json_build_object({select})"
        with self.connection.cursor() as cursor:
            if self.connection.queries_logged:
                # Django's query log (DEBUG, tests that count queries) reads %s placeholders.
                cursor.execute(statement, params)
                (results,) = cursor.fetchone()
            else:
                # psycopg caches its rewrite of %s placeholders only for statements up to 4 KB,
                # so a turn's statement was rewritten on every run (0.4 ms here). A RawCursor
                # sends PostgreSQL's own $n placeholders unchanged, and CursorWrapper keeps
                # Django's error translation and execute wrappers.
                with psycopg.RawCursor(cursor.cursor.connection) as raw:
                    wrapped = CursorWrapper(raw, self.connection)
                    wrapped.execute(_numbered_placeholders(statement), params)
                    (results,) = wrapped.fetchone()
        return {name: results.get(name) or [] for name in returned}

    def _run_in_order(self):
        results = {}

        def resolve(reference):
            return "%s", [results[reference.part][0][reference.column]]

        with transaction.atomic(using=self.using, savepoint=False):
            with self.connection.cursor() as cursor:
                for part in self.parts:
                    sql, params = part.build(resolve)
                    cursor.execute(sql, params)
                    if part.returning:
                        columns = [column[0] for column in cursor.description]
                        results[part.name] = [dict(zip(columns, row)) for row in cursor.fetchall()]
        return results
