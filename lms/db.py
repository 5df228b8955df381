"""Small database helpers shared by the apps.

The real-time path (an answer, the learner's state, the next decision) runs a handful of
statements per answer, and building each one through the ORM's query compiler costs more Python
time than the database needs to run it (about 0.5-1.5 ms against 0.1-0.3 ms on a small machine).
The helpers here write those few statements directly, with the SQL built once per model and the
values prepared by the model's own fields, so conversions (JSON, binary, UUIDs, time zones) stay
exactly the ORM's. They support PostgreSQL and SQLite, the two databases the product runs on.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any, TypeVar

from django.db import IntegrityError, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

M = TypeVar("M", bound=models.Model)


def _quote(name: str) -> str:
    return f'"{name}"'  # as both PostgreSQL and SQLite quote names


def table(model: type[models.Model]) -> str:
    """``model``'s table name, quoted for SQL."""
    return _quote(model._meta.db_table)


def column(model: type[models.Model], name: str) -> str:
    """The column of ``model``'s field ``name``, quoted for SQL."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):  # a reverse relation or a generic foreign key
        raise ValueError(f"{model.__name__}.{name} is not a column")
    return _quote(field.column)


def _can_insert_or_ignore(connection: BaseDatabaseWrapper) -> bool:
    # INSERT … ON CONFLICT DO NOTHING RETURNING: PostgreSQL, and SQLite from 3.35.
    return connection.vendor in ("postgresql", "sqlite") and connection.features.can_return_columns_from_insert


@cache
def _insert_sql(model: type[models.Model], columns: tuple[str, ...]) -> str:
    names = ", ".join(_quote(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    return (f"INSERT INTO {_quote(model._meta.db_table)} ({names}) VALUES ({marks}) ON CONFLICT DO NOTHING "
            f"RETURNING {_quote(model._meta.pk.column)}")


def insert_unless_duplicate(obj: models.Model) -> bool:
    """Insert ``obj``; return False, without raising, when a unique constraint says it exists already.

    A clash neither raises nor aborts the caller's transaction. Model signals are not sent.
    """
    connection = transaction.get_connection()
    meta = obj._meta
    fields = [f for f in meta.concrete_fields if not (f.primary_key and getattr(obj, f.attname) is None)]
    if not _can_insert_or_ignore(connection) or any(hasattr(f, "get_placeholder") for f in fields):
        return _insert_with_savepoint(obj)
    values = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    sql = _insert_sql(type(obj), tuple(f.column for f in fields))
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        obj.pk = None
        return False
    obj.pk = row[0]
    obj._state.adding = False
    obj._state.db = connection.alias
    return True


def _insert_with_savepoint(obj: models.Model) -> bool:
    try:
        if transaction.get_connection().in_atomic_block:
            with transaction.atomic():
                obj.save(force_insert=True)
        else:
            obj.save(force_insert=True)
    except IntegrityError:
        obj.pk = None
        return False
    return True


def from_row(model: type[M], values: Sequence[Any], connection: BaseDatabaseWrapper | None = None) -> M:
    """A ``model`` instance from one row of its concrete fields' columns, in field order, read with
    a cursor: the values pass through the same converters as the ORM's own reads."""
    connection = connection or transaction.get_connection()
    fields = model._meta.concrete_fields
    converted = [convert(field, value, connection) for field, value in zip(fields, values, strict=True)]
    return model.from_db(connection.alias, [f.attname for f in fields], converted)


def convert(field: models.Field, value: Any, connection: BaseDatabaseWrapper) -> Any:
    """A value of ``field`` as read with a cursor, passed through the ORM's converters for it."""
    column = field.get_col(field.model._meta.db_table)
    # The converters the ORM's compiler applies to a selected column: the backend's, then the field's.
    for converter in (*connection.ops.get_db_converters(column), *column.get_db_converters(connection)):
        value = converter(value, column, connection)
    return value


def columns(model: type[models.Model], alias: str) -> str:
    """The select list of ``model``'s concrete fields (table alias ``alias``), in :func:`from_row`'s order."""
    return ", ".join(f"{alias}.{_quote(f.column)}" for f in model._meta.concrete_fields)


@cache
def _update_sql(model: type[models.Model], columns: tuple[str, ...]) -> str:
    assignments = ", ".join(f"{_quote(c)} = %s" for c in columns)
    return f"UPDATE {_quote(model._meta.db_table)} SET {assignments} WHERE {_quote(model._meta.pk.column)} = %s"


def save_fields(obj: models.Model, names: Sequence[str]) -> None:
    """Write the named fields of a stored ``obj`` (``auto_now`` fields are set and written too)."""
    connection = transaction.get_connection()
    meta = obj._meta
    fields: list[models.Field[Any, Any]] = []
    for name in names:
        field = meta.get_field(name)
        if not isinstance(field, models.Field):  # a reverse relation or a generic foreign key
            raise ValueError(f"{type(obj).__name__}.{name} is not a column")
        fields.append(field)
    fields += [f for f in meta.concrete_fields if getattr(f, "auto_now", False) and f not in fields]
    values = [f.get_db_prep_save(f.pre_save(obj, False), connection) for f in fields]
    sql = _update_sql(type(obj), tuple(f.column for f in fields))
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, obj.pk])
