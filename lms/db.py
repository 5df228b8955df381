"""Small database helpers shared by the apps."""

from __future__ import annotations

from django.db import IntegrityError, models, transaction


def insert_unless_duplicate(obj: models.Model) -> bool:
    """Insert ``obj``; return False, without raising, when a unique constraint says it exists already.

    Inside a transaction the insert gets a savepoint, so a clash does not abort the caller's work;
    outside one it is a single statement that commits by itself.
    """
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
