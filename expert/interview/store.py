"""Session files: owned by one interview at a time, saved atomically after every answer (mode 0600),
loaded strictly, exported as case files.

The state machine (``session.py``) never touches the disk; the front ends save and load through here.

- ``claim_session`` gives an interview its session file: a symlink is resolved once (the target is
  written, the link stays), a sidecar lock file ``.NAME.lock`` is held with ``flock`` for the whole
  interview (a second interview on the same file is refused), temporary files of saves killed
  before they finished are removed, and a new session file is created with ``O_EXCL``;
- ``save_session`` writes through a temporary file and a rename: a kill leaves the previous file;
- ``load_session`` refuses what the case loader refuses: non-regular files, more than 1 MiB,
  repeated keys, deep nesting, huge numbers, ``"go_on": "yes"`` (strict types).
"""
from __future__ import annotations

import fcntl
import glob
import os
import time
from pathlib import Path

from pydantic import ValidationError

from myotrace.expert.casefile import case_yaml, decode_json  # noqa: F401 (case_yaml: the export)
from myotrace.expert.errors import InputError
from myotrace.expert.files import describe_os_error, read_limited, write_atomic
from myotrace.expert.interview.session import FILE_MODE, SESSION_FORMAT, Session, now
from myotrace.expert.present.safe import clean

MAX_BYTES = 1024 * 1024
STARTED = time.time()  # temporary files older than this belong to an earlier, dead process


def write_private(path: Path, text: str) -> Path:
    """Write atomically (temporary file in the same folder, then rename), mode 0600.

    Returns the file written (a symlink's target). Refuses (InputError) a path that is not a
    regular file or a new name; OSError when the disk refuses, the old file then untouched.
    """
    return write_atomic(path, text, FILE_MODE)


def save_session(session: Session, path: Path) -> None:
    session.updated = now()
    try:
        write_private(path, session.model_dump_json(indent=2) + "\n")
    except OSError as error:
        kept = "the answers saved before are kept there" if Path(path).exists() else "nothing was saved"
        raise InputError(f"{path}: cannot save the session ({describe_os_error(error)}); {kept}") from None


# ---- one interview per session file ----------------------------------------------------------
class SessionLock:
    """An exclusive ``flock`` on ``.NAME.lock`` beside the session file, held until ``release``."""

    def __init__(self, session_path: Path):
        self.session_path = session_path
        self.path = session_path.with_name(f".{session_path.name}.lock")
        self.fd: int | None = None

    def acquire(self) -> "SessionLock":
        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, FILE_MODE)
            except OSError as error:
                raise InputError(f"{self.session_path}: no place to keep the session "
                                 f"({describe_os_error(error)}); choose another folder with --session") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise InputError(f"{self.session_path}: in use by another interview; finish that one first "
                                 "(or start a new session)") from None
            # A finishing owner removes the lock file: make sure ours is still the one at the path.
            try:
                now_there = os.stat(self.path, follow_symlinks=False)
            except FileNotFoundError:
                now_there = None
            mine = os.fstat(fd)
            if now_there is not None and (now_there.st_dev, now_there.st_ino) == (mine.st_dev, mine.st_ino):
                self.fd = fd
                return self
            os.close(fd)

    def release(self) -> None:
        if self.fd is None:
            return
        try:
            os.unlink(self.path)  # while still holding it, so a newcomer makes a fresh one
        except OSError:
            pass
        os.close(self.fd)
        self.fd = None

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()


def remove_orphan_temporaries(path: Path) -> list[Path]:
    """Temporary files of this session's saves (``.NAME.*.tmp``) left by a killed process."""
    removed = []
    pattern = str(path.with_name(f".{glob.escape(path.name)}.*.tmp"))
    for candidate in map(Path, glob.glob(pattern)):
        try:
            info = candidate.lstat()
            if candidate.is_symlink() or not candidate.is_file() or info.st_mtime >= STARTED:
                continue
            candidate.unlink()
            removed.append(candidate)
        except OSError:
            continue
    return removed


def _create_exclusive(path: Path, session: Session) -> None:
    session.updated = now()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, FILE_MODE)
    except FileExistsError:
        raise InputError(f"{path}: already exists; continue it with --resume {path}") from None
    except OSError as error:
        raise InputError(f"{path}: cannot create the session file ({describe_os_error(error)}); "
                         "choose another folder with --session") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(session.model_dump_json(indent=2) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as error:
        os.unlink(path)
        raise InputError(f"{path}: cannot create the session file ({describe_os_error(error)})") from None


def claim_session(path: Path, new: Session | None = None) -> tuple[Session, Path, SessionLock]:
    """Own the session file at ``path`` for one interview: (session, the file to save to, its lock).

    ``new`` None: resume the file there. Otherwise create it with ``new`` (never over an existing file).
    The caller releases the lock when the interview ends.
    """
    path = Path(path)
    if new is None:
        named = path
        if path.is_symlink():
            path = Path(os.path.realpath(path))  # resolved once: saves update the link's target, the link stays
        if not os.path.lexists(named):
            raise InputError(f"{named}: no such session file; check the path")
        if path.exists() and not path.is_file():  # no lock file beside /dev/zero or inside a FIFO's folder
            where = f"links to {path}, which is" if path != named else "is"
            raise InputError(f"{named}: {where} not a regular file; give a session file")
    lock = SessionLock(path).acquire()
    try:
        remove_orphan_temporaries(path)
        if new is None:
            session = load_session(path)
        else:
            _create_exclusive(path, new)
            session = new
    except BaseException:
        lock.release()
        raise
    return session, path, lock


# ---- loading ----------------------------------------------------------------------------------
def _no_constant(name: str):
    raise InputError(f"{name} is not a value a session file holds")


def load_session(path: Path) -> Session:
    path = Path(path)
    if not os.path.lexists(path):
        raise InputError(f"{path}: no such session file; check the path")
    raw = read_limited(path, MAX_BYTES, "session file")
    damaged = f"{path}: damaged session file"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a myotrace session file (not UTF-8 text)") from None
    data = decode_json(text, f"{path}: not a myotrace session file, not valid JSON: ", damaged,
                       parse_constant=_no_constant)
    if not isinstance(data, dict) or data.get("format") != SESSION_FORMAT:
        raise InputError(f"{path}: not a myotrace session file (no \"format\": \"{SESSION_FORMAT}\")")
    if isinstance(data.get("version"), bool):  # Literal[1] takes true, since True == 1
        raise InputError(f"{damaged}: version: {data['version']!r} is not a version number")
    try:
        session = Session.model_validate(data, strict=True)
    except ValidationError as error:
        first = error.errors()[0]
        place = ".".join(str(p) for p in first["loc"])
        raise InputError(f"{damaged}: {place}: {first['msg']}") from None
    except RecursionError:
        raise InputError(f"{damaged}: nested too deeply") from None
    session.case, session.created, session.updated = clean(session.case), clean(session.created), clean(session.updated)
    return session
