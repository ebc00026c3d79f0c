"""Consultations in SQLite: one short connection per request, WAL, an owner-only file.

A consultation is a row holding the interview's Session as JSON plus what the
patient list shows (label, last change, triage). Every write happens in one
``BEGIN IMMEDIATE`` transaction that re-reads the row first, so two tabs
answering the same consultation are serialised and a consultation is never
half-written; ``version`` counts the writes (an optimistic check for callers
that want one).
"""
from __future__ import annotations

import json
import os
import secrets
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from myotrace.expert.interview.session import FILE_MODE, Session, now

SCHEMA = """
CREATE TABLE IF NOT EXISTS consultations (
    id       TEXT PRIMARY KEY,
    label    TEXT,
    created  TEXT NOT NULL,
    updated  TEXT NOT NULL,
    triage   TEXT,
    version  INTEGER NOT NULL DEFAULT 1,
    session  TEXT NOT NULL,
    changed  INTEGER NOT NULL DEFAULT 0   -- nanoseconds: orders changes within one second
);
CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def default_db_path() -> Path:
    """$XDG_DATA_HOME/myotrace/consultations.db (~/.local/share/... when unset)."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "myotrace" / "consultations.db"


@dataclass
class Record:
    id: str
    label: str | None
    created: str
    updated: str
    triage: str | None
    version: int
    session: Session

    def summary(self) -> dict:
        return {"id": self.id, "case": self.label, "updated": self.updated, "triage": self.triage}


class Conflict(Exception):
    """The consultation changed since the caller read it."""


class Store:
    def __init__(self, path: Path):
        self.path = Path(path)
        self._prepare()

    # ---- the file -------------------------------------------------------------
    def _prepare(self) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not self.path.exists():
            fd = os.open(self.path, os.O_CREAT | os.O_WRONLY | os.O_EXCL, FILE_MODE)
            os.close(fd)
        os.chmod(self.path, FILE_MODE)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)
        # An idle connection held for the app's life: without it every request's close would be the
        # last one and checkpoint the WAL (~15 ms). It never reads or writes.
        self._keeper = sqlite3.connect(self.path, check_same_thread=False)
        self._keeper.execute("SELECT count(*) FROM settings").fetchall()  # opens the file and the WAL index
        for suffix in ("-wal", "-shm"):  # SQLite's side files hold the same data
            side = Path(str(self.path) + suffix)
            if side.exists():
                os.chmod(side, FILE_MODE)

    @contextmanager
    def _connect(self):
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            db.execute("PRAGMA busy_timeout=10000")
            db.execute("PRAGMA synchronous=NORMAL")  # WAL: a crash of the server loses no committed answer
            yield db
        finally:
            db.close()

    @contextmanager
    def _write(self):
        """One transaction; nothing is kept unless the block finishes."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    # ---- settings ---------------------------------------------------------------
    def csrf_token(self) -> str:
        """The page token, kept in the database so an open page survives a restart."""
        with self._write() as db:
            row = db.execute("SELECT value FROM settings WHERE name='csrf'").fetchone()
            if row:
                return row[0]
            token = secrets.token_urlsafe(32)
            db.execute("INSERT INTO settings VALUES ('csrf', ?)", (token,))
            return token

    # ---- consultations ----------------------------------------------------------
    @staticmethod
    def _record(row) -> Record:
        return Record(row[0], row[1], row[2], row[3], row[4], row[5], Session.model_validate(json.loads(row[6])))

    def list(self) -> list[dict]:
        with self._connect() as db:
            rows = db.execute("SELECT id, label, updated, triage FROM consultations "
                              "ORDER BY changed DESC, rowid DESC").fetchall()
        return [{"id": r[0], "case": r[1], "updated": r[2], "triage": r[3]} for r in rows]

    def get(self, consultation_id: str) -> Record | None:
        with self._connect() as db:
            row = db.execute("SELECT id, label, created, updated, triage, version, session FROM consultations "
                             "WHERE id=?", (consultation_id,)).fetchone()
        return self._record(row) if row else None

    def create(self, session: Session, triage: str | None) -> Record:
        stamp = now()
        session.created = session.created or stamp
        session.updated = stamp
        consultation_id = secrets.token_hex(8)
        with self._write() as db:
            db.execute("INSERT INTO consultations (id, label, created, updated, triage, version, session, changed) "
                       "VALUES (?, ?, ?, ?, ?, 1, ?, ?)",
                       (consultation_id, session.case, session.created, stamp, triage, session.model_dump_json(),
                        time.time_ns()))
        return Record(consultation_id, session.case, session.created, stamp, triage, 1, session)

    @contextmanager
    def change(self, consultation_id: str, expected_version: int | None = None):
        """Read, change and write one consultation in one transaction.

        Yields the Record (or None when there is none); the caller changes
        ``record.session`` and sets ``record.triage``. An exception in the block
        rolls everything back. ``expected_version`` makes it optimistic: a
        consultation written since raises Conflict.
        """
        with self._write() as db:
            row = db.execute("SELECT id, label, created, updated, triage, version, session FROM consultations "
                             "WHERE id=?", (consultation_id,)).fetchone()
            record = self._record(row) if row else None
            if record is not None and expected_version is not None and record.version != expected_version:
                raise Conflict(f"the consultation changed since version {expected_version} "
                               f"(now {record.version}); reload it")
            yield record
            if record is None:
                return
            record.updated = record.session.updated = now()
            record.version += 1
            db.execute("UPDATE consultations SET label=?, updated=?, triage=?, version=?, session=?, changed=? "
                       "WHERE id=?", (record.session.case, record.updated, record.triage, record.version,
                                      record.session.model_dump_json(), time.time_ns(), record.id))

    def delete(self, consultation_id: str) -> bool:
        with self._write() as db:
            cursor = db.execute("DELETE FROM consultations WHERE id=?", (consultation_id,))
            return cursor.rowcount > 0
