"""Consultations in SQLite: one short connection per request, WAL, an owner-only file.

A consultation is a row holding the interview's Session as JSON plus what the
patient list shows (label, last change, triage). Every write happens in one
``BEGIN IMMEDIATE`` transaction that re-reads the row first, so two tabs
answering the same consultation are serialised and a consultation is never
half-written; ``version`` counts the writes (the server keeps a consultation's
derived interview only while the version it was derived from is still the row's).

The file is opened only if it is a new path or an existing database of this
app (SQLite's header, then its ``application_id`` or, for a file written before
the id was set, exactly this app's tables); a symlink, a device, a folder or
any other file is refused with one line and left untouched. A database that
fails ``PRAGMA quick_check`` is refused at start. At run time a failing disk
(full, read-only, corrupt, I/O error) raises ``Unavailable``, which the server
answers with 503. Closing checkpoints the WAL into the main file, so a copy of
the ``.db`` alone holds everything; ``backup`` copies a live database with
SQLite's online backup.
"""
from __future__ import annotations

import errno
import json
import os
import secrets
import sqlite3
import stat
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from myotrace.expert.errors import InputError
from myotrace.expert.files import _kind, describe_os_error
from myotrace.expert.interview.record import FILE_MODE, Session, now

APPLICATION_ID = 0x4D594F54  # "MYOT": marks a SQLite file as this app's (PRAGMA application_id)
SQLITE_HEADER = b"SQLite format 3\x00"
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
TABLES = {"consultations": {"id", "label", "created", "updated", "triage", "version", "session", "changed"},
          "settings": {"name", "value"}}


def default_db_path() -> Path:
    """$XDG_DATA_HOME/myotrace/consultations.db (~/.local/share/... when unset)."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "myotrace" / "consultations.db"


class StoreError(InputError):
    """The database cannot be opened: the message names the file, the problem and what to do."""


class Unavailable(Exception):
    """The database failed while serving (disk full, read-only, corrupt, I/O error); ``message`` says what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def failure_text(error: Exception, running: bool = False) -> str:
    """What went wrong with the disk, and what the user can do about it (``running``: while serving)."""
    text = str(error).lower()
    if "full" in text:
        return "the disk holding the database is full: free some space, then retry"
    if "readonly" in text or "read-only" in text:
        return "the database is read-only (file permissions or a read-only disk): fix that, then retry"
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return ("the database file is damaged: " + ("stop myotrace serve, then " if running else "")
                + "restore a backup (myotrace db backup makes them) or start with a new --db")
    return f"the database failed ({error}): check the disk, then retry"


def unavailable(error: Exception) -> Unavailable:
    return Unavailable(failure_text(error, running=True) + "; this request changed nothing")


def check_path(path: Path) -> bool:
    """Raise StoreError unless ``path`` is new or a regular file that starts as a SQLite database;
    True when the file exists. Nothing is changed."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return False
    except OSError as error:
        raise StoreError(f"{path}: cannot be used as the database ({describe_os_error(error)})") from None
    if stat.S_ISLNK(mode):
        raise StoreError(f"{path}: is a symbolic link; give the database file itself (or a new path) as --db")
    if not stat.S_ISREG(mode):
        raise StoreError(f"{path}: {_kind(mode)}, not a database; give a new path or a myotrace database as --db")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        raise StoreError(f"{path}: cannot be read ({describe_os_error(error)})") from None
    try:
        head = os.read(fd, len(SQLITE_HEADER))
    finally:
        os.close(fd)
    if head and head != SQLITE_HEADER:
        raise StoreError(f"{path}: not a SQLite database (the file is something else); "
                         "give a new path or a myotrace database as --db")
    return True


def _open_file(path: Path) -> None:
    """Create a new database file, or make the checked one owner-only, through a descriptor that
    cannot follow a symlink (a path swapped since the check is refused, not changed)."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, FILE_MODE)
    except OSError as error:
        where = "its folder" if error.errno in (errno.EROFS, errno.EACCES, errno.ENOSPC) else "the file"
        raise StoreError(f"{path}: cannot open the database ({describe_os_error(error)}); "
                         f"fix {where} or give another --db") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise StoreError(f"{path}: is no longer a regular file; give another --db")
        os.fchmod(fd, FILE_MODE)
    except OSError as error:
        raise StoreError(f"{path}: cannot make the database owner-only ({describe_os_error(error)})") from None
    finally:
        os.close(fd)


def _check_ours(path: Path) -> None:
    """Before anything is changed: the file, read as it is (no lock, no side file created), holds this
    app's tables or none. StoreError otherwise."""
    try:
        db = sqlite3.connect(path.resolve().as_uri() + "?mode=ro&immutable=1", uri=True)
        try:
            _check_contents(db, path, quick=False)
        finally:
            db.close()
    except sqlite3.Error as error:
        raise StoreError(f"{path}: {failure_text(error)}") from None


def _check_contents(db: sqlite3.Connection, path: Path, quick: bool = True) -> None:
    """This app's tables (or none yet), and (``quick``) a database that passes quick_check."""
    application_id = db.execute("PRAGMA application_id").fetchone()[0]
    tables = {name: {column[1] for column in db.execute(f"PRAGMA table_info('{name}')")}
              for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    ours = application_id == APPLICATION_ID or (
        application_id == 0 and set(tables) <= set(TABLES) and all(tables[t] == TABLES[t] for t in tables))
    if not ours:
        raise StoreError(f"{path}: a SQLite database of another program; give a new path or a myotrace "
                         "database as --db")
    if not quick:
        return
    problems = [row[0] for row in db.execute("PRAGMA quick_check")]
    if problems != ["ok"]:
        raise StoreError(f"{path}: the database is damaged ({problems[0]}); restore a backup or give a new --db")


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


class Store:
    def __init__(self, path: Path):
        self.path = Path(path)
        self._keeper = None
        self._prepare()

    # ---- the file -------------------------------------------------------------
    def _prepare(self) -> None:
        """Check the path, create or open it owner-only, check its contents; StoreError says why not."""
        existed = check_path(self.path)
        if existed:
            _check_ours(self.path)
        else:
            try:
                self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            except OSError as error:
                raise StoreError(f"{self.path.parent}: cannot create the folder for the database "
                                 f"({describe_os_error(error)}); give another --db") from None
        _open_file(self.path)
        try:
            with self._connect(translate=False) as db:
                _check_contents(db, self.path)
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(SCHEMA)
                db.execute(f"PRAGMA application_id={APPLICATION_ID}")
            # An idle connection held for the app's life: without it every request's close would be the
            # last one and checkpoint the WAL (~15 ms). It never reads or writes.
            self._keeper = sqlite3.connect(self.path, check_same_thread=False)
            self._keeper.execute("SELECT count(*) FROM settings").fetchall()  # opens the file and the WAL index
        except sqlite3.Error as error:
            raise StoreError(f"{self.path}: {failure_text(error)}") from None
        for suffix in ("-wal", "-shm"):  # SQLite's side files hold the same data
            side = Path(str(self.path) + suffix)
            if side.exists() and not side.is_symlink():
                os.chmod(side, FILE_MODE)

    def close(self) -> None:
        """Checkpoint the WAL into the database file and let go of it (every shutdown)."""
        if self._keeper is None:
            return
        try:
            self._keeper.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        except sqlite3.Error:
            pass  # a failing disk: the WAL stays beside the file and SQLite replays it at the next start
        finally:
            self._keeper.close()
            self._keeper = None

    @contextmanager
    def _connect(self, translate: bool = True):
        """A connection for one request; a failing database raises Unavailable (``translate``)."""
        try:
            db = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as error:
            if not translate:
                raise
            raise unavailable(error) from error
        try:
            db.execute("PRAGMA busy_timeout=10000")
            db.execute("PRAGMA synchronous=NORMAL")  # WAL: a crash of the server loses no committed answer
            yield db
        except sqlite3.Error as error:
            if not translate:
                raise
            raise unavailable(error) from error
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
                try:
                    db.execute("ROLLBACK")
                except sqlite3.Error:
                    pass  # the failed statement already ended the transaction
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
    def change(self, consultation_id: str):
        """Read, change and write one consultation in one transaction.

        Yields the Record (or None when there is none); the caller changes
        ``record.session`` and sets ``record.triage``. An exception in the block
        rolls everything back.
        """
        with self._write() as db:
            row = db.execute("SELECT id, label, created, updated, triage, version, session FROM consultations "
                             "WHERE id=?", (consultation_id,)).fetchone()
            record = self._record(row) if row else None
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


def backup(source: Path, target: Path) -> None:
    """Copy the database at ``source`` (live or not) to the new file ``target`` with SQLite's online
    backup; the copy is owner-only and complete in itself (no -wal beside it). StoreError says why not."""
    if not check_path(source):
        raise StoreError(f"{source}: no database there; give the --db that `myotrace serve` uses")
    target = Path(target)
    if target.exists() or target.is_symlink():
        raise StoreError(f"{target}: already exists; give a new file name for the backup")
    if not target.parent.is_dir():
        raise StoreError(f"{target.parent}: no such folder for the backup")
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, FILE_MODE)
    except OSError as error:
        raise StoreError(f"{target}: cannot write the backup ({describe_os_error(error)})") from None
    os.close(fd)
    try:
        source_db = sqlite3.connect(Path(source).resolve().as_uri() + "?mode=rw", uri=True, timeout=10)
        try:
            _check_contents(source_db, source)
            copy = sqlite3.connect(target)
            try:
                source_db.backup(copy)
                copy.execute("PRAGMA journal_mode=DELETE")  # one file, nothing beside it
            finally:
                copy.close()
        finally:
            source_db.close()
    except (sqlite3.Error, StoreError) as error:
        os.unlink(target)
        if isinstance(error, StoreError):
            raise
        raise StoreError(f"{source}: the backup failed: {failure_text(error)}") from None
