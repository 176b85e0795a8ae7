"""Write checked frame rows in batches, without an ORM object per row.

PostgreSQL: ids are taken from the table's sequence for the whole batch, then records and contacts
go in through ``COPY … FROM STDIN`` (psycopg). SQLite: ids follow the largest one in use (the batch
runs in a write transaction, so nobody else writes meanwhile) and ``executemany`` inserts them.
Each batch is its own transaction, so the frame's progress is visible while the import runs; the
import service deletes everything it wrote if the frame ends ``failed``.
"""

from __future__ import annotations

import queue
import threading

from django.db import connection, transaction

from hailong.sampling.models import FrameContact, FrameRecord

RECORD_COLUMNS = (
    "id",
    "frame_id",
    "row_number",
    "dossier_code",
    "procedure",
    "procedure_field",
    "unit_id",
    "received_on",
    "returned_on",
    "applicant_type",
)
CONTACT_COLUMNS = ("record_id", "name", "phone", "email", "address")


def _records_and_contacts(frame_id: int, ids: list[int], rows: list[tuple]):
    records = [(ident, frame_id, *row[:8]) for ident, row in zip(ids, rows, strict=True)]
    contacts = [
        (ident, row[8], row[9], row[10], row[11])
        for ident, row in zip(ids, rows, strict=True)
        if row[8] or row[9] or row[10] or row[11]
    ]
    return records, contacts


class RecordWriter:
    """``write(rows)`` stores one batch of checked rows (``imports.CheckedChunk.rows``) of a frame."""

    def __init__(self, frame_id: int) -> None:
        self.frame_id = frame_id
        self.records_table = FrameRecord._meta.db_table
        self.contacts_table = FrameContact._meta.db_table
        self.vendor = connection.vendor

    def write(self, rows: list[tuple]) -> int:
        if not rows:
            return 0
        with transaction.atomic():
            if self.vendor == "postgresql":
                self._write_postgresql(rows)
            else:
                self._write_sqlite(rows)
        return len(rows)

    def close(self) -> None:
        return None

    def _write_postgresql(self, rows: list[tuple]) -> None:
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [self.records_table, len(rows)],
            )
            ids = [ident for (ident,) in cursor.fetchall()]
            # Records and contacts are built in step with the COPY stream, row by row.
            with cursor.copy(
                f"COPY {quote(self.records_table)} ({', '.join(RECORD_COLUMNS)}) FROM STDIN"
            ) as copy:
                frame_id = self.frame_id
                for ident, row in zip(ids, rows, strict=True):
                    copy.write_row((ident, frame_id, *row[:8]))
            with cursor.copy(
                f"COPY {quote(self.contacts_table)} ({', '.join(CONTACT_COLUMNS)}) FROM STDIN"
            ) as copy:
                for ident, row in zip(ids, rows, strict=True):
                    if row[8] or row[9] or row[10] or row[11]:
                        copy.write_row((ident, row[8], row[9], row[10], row[11]))

    def _write_sqlite(self, rows: list[tuple]) -> None:
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT MAX(id) FROM {quote(self.records_table)}")  # noqa: S608 - table and column names come from the models
            largest = cursor.fetchone()[0] or 0
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [self.records_table])
            found = cursor.fetchone()
            # AUTOINCREMENT never reuses an id: start above the largest ever handed out.
            start = max(largest, found[0] if found else 0) + 1
            records, contacts = _records_and_contacts(
                self.frame_id, list(range(start, start + len(rows))), rows
            )
            cursor.executemany(
                f"INSERT INTO {quote(self.records_table)} ({', '.join(RECORD_COLUMNS)}) "  # noqa: S608 - table and column names come from the models
                f"VALUES ({', '.join(['%s'] * len(RECORD_COLUMNS))})",
                records,
            )
            if contacts:
                cursor.executemany(
                    f"INSERT INTO {quote(self.contacts_table)} ({', '.join(CONTACT_COLUMNS)}) "  # noqa: S608 - table and column names come from the models
                    f"VALUES ({', '.join(['%s'] * len(CONTACT_COLUMNS))})",
                    contacts,
                )


def frame_rows_delete(frame_id: int) -> int:
    """Delete a frame's records and contacts with two statements (no object per row)."""
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {quote(FrameContact._meta.db_table)} WHERE record_id IN "  # noqa: S608 - table and column names come from the models
            f"(SELECT id FROM {quote(FrameRecord._meta.db_table)} WHERE frame_id = %s)",
            [frame_id],
        )
        cursor.execute(f"DELETE FROM {quote(FrameRecord._meta.db_table)} WHERE frame_id = %s", [frame_id])  # noqa: S608 - table and column names come from the models
        return cursor.rowcount


class BackgroundWriter:
    """A ``RecordWriter`` in a second thread with its own connection (PostgreSQL, outside a
    transaction): the database stores one batch while the caller reads and checks the next, so the
    two cores of a small server both work."""

    def __init__(self, frame_id: int, depth: int = 2) -> None:
        self.frame_id = frame_id
        self.queue: queue.Queue = queue.Queue(maxsize=depth)
        self.written = 0
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name=f"frame-{frame_id}-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        writer = RecordWriter(self.frame_id)
        try:
            while True:
                rows = self.queue.get()
                if rows is None:
                    return
                if self.error is not None:
                    continue  # keep draining, so the reader never blocks on a full queue
                try:
                    self.written += writer.write(rows)
                except BaseException as exc:  # noqa: BLE001 - handed to the caller in close()
                    self.error = exc
        finally:
            connection.close()

    def write(self, rows: list[tuple]) -> int:
        if self.error is not None:
            raise self.error
        if rows:
            self.queue.put(rows)
        return len(rows)

    def close(self) -> int:
        """Wait until every batch is stored; the number of rows written (raises what failed)."""
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error
        return self.written


def writer_for(frame_id: int) -> RecordWriter | BackgroundWriter:
    """A background writer where it can work (PostgreSQL, not inside a transaction whose rows the
    second connection could not see), else a plain one."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        return BackgroundWriter(frame_id)
    return RecordWriter(frame_id)
