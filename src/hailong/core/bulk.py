"""Writing many rows fast: ``COPY`` on PostgreSQL, batched ``bulk_create`` elsewhere.

``bulk_insert(Model, rows)`` takes plain dictionaries of field values (``unit_id`` style for foreign
keys), so callers that produce hundreds of thousands of rows (an estimation run's figures, a
sample frame) need not build a model instance per row. Fields a row leaves out take their model
default. It writes inside the caller's transaction and returns the number of rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from django.db import connections, models, router


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def bulk_insert(model: type[models.Model], rows: Iterable[Mapping], *, batch_size: int = 5000) -> int:
    alias = router.db_for_write(model)
    connection = connections[alias]
    fields = [
        f for f in model._meta.concrete_fields if not f.primary_key or not isinstance(f, models.AutoField)
    ]
    fields = [f for f in fields if not isinstance(f, models.AutoField | models.BigAutoField)]
    if connection.vendor != "postgresql":
        objects = (model(**row) for row in rows)
        count = 0
        batch: list = []
        for obj in objects:
            batch.append(obj)
            if len(batch) >= batch_size:
                model.objects.using(alias).bulk_create(batch)
                count += len(batch)
                batch = []
        if batch:
            model.objects.using(alias).bulk_create(batch)
            count += len(batch)
        return count
    defaults = {}
    for field in fields:
        if field.has_default():
            defaults[field.attname] = field.get_default()
        elif field.null:
            defaults[field.attname] = None
        else:
            defaults[field.attname] = "" if isinstance(field, models.CharField | models.TextField) else None
    names = [field.attname for field in fields]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        lines: list[str] = []
        for row in rows:
            lines.append("\t".join(_copy_text(row.get(name, defaults[name])) for name in names))
            if len(lines) >= batch_size:
                copy.write("\n".join(lines) + "\n")
                count += len(lines)
                lines = []
        if lines:
            copy.write("\n".join(lines) + "\n")
            count += len(lines)
    return count
