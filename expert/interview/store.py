"""Session files: saved atomically after every answer (mode 0600), loaded strictly, exported as case files.

The state machine (``session.py``) never touches the disk; the front ends save and load through here.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from pydantic import ValidationError

from myotrace.expert.errors import InputError
from myotrace.expert.interview.session import FILE_MODE, SESSION_FORMAT, Session, now
from myotrace.facts.case import Case


def write_private(path: Path, text: str) -> None:
    """Write atomically (temporary file in the same folder, then rename), mode 0600."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise


def save_session(session: Session, path: Path) -> None:
    session.updated = now()
    write_private(path, session.model_dump_json(indent=2) + "\n")


def load_session(path: Path) -> Session:
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such session file; check the path")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"{path}: not a myotrace session file ({error})") from None
    if not isinstance(data, dict) or data.get("format") != SESSION_FORMAT:
        raise InputError(f"{path}: not a myotrace session file (no \"format\": \"{SESSION_FORMAT}\")")
    try:
        return Session.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        place = ".".join(str(p) for p in first["loc"])
        raise InputError(f"{path}: damaged session file: {place}: {first['msg']}") from None


def case_yaml(case: Case, unpalpable=(), note: str | None = None) -> str:
    """A case file that ``diagnose``, ``explain`` and ``evaluate`` accept."""
    import yaml

    def dump(key, value, flow):
        if flow:  # a short list on one line: pain: [buttock, lateral_thigh]
            return f"{key}: " + yaml.safe_dump(value, default_flow_style=True, width=1000)
        return yaml.safe_dump({key: value}, sort_keys=False, allow_unicode=True,
                              default_flow_style=False, width=100)

    out = []
    if case.case:
        out.append(dump("case", case.case, False))
    if case.side:
        out.append(dump("side", case.side, False))
    out.append(dump("pain", list(case.pain), True))
    out.append(dump("findings", dict(case.findings), False) if case.findings else "findings: {}\n")
    out.append(dump("tender_points", list(case.tender_points), True))
    out.append(dump("non_tender", list(case.non_tender), True))
    if case.history and not case.history.is_empty():
        out.append(dump("history", case.history.model_dump(exclude_none=True), False))
    notes = [text for text in (case.notes, note) if text]
    if unpalpable:
        notes.append("palpation not possible or not conclusive: " + ", ".join(unpalpable))
    if notes:
        out.append(dump("notes", "; ".join(notes), False))
    return "".join(out)
