"""A validated snapshot of the knowledge base, cached by content hash.

Loading and validating the YAML knowledge base costs more than the rest of a
``diagnose`` run; the validated ``KnowledgeBase`` is therefore pickled into the
user's cache folder (``$XDG_CACHE_HOME/myotrace``, else ``~/.cache/myotrace``;
``MYOTRACE_CACHE_DIR`` overrides) under a name made from a hash of every YAML
file, the modules that define its models, and the Python and pydantic versions.
Change any of them and the name changes: the snapshot is rebuilt from the YAML.
The KEEP newest snapshots stay side by side, so two installations of different
versions under one account (a release and a checkout) do not rebuild each
other's on every run; older ones are deleted when a new one is written.

The cache is safe to lose: a missing, unreadable, corrupt or foreign snapshot is
ignored and rebuilt; a read-only or absent cache folder just means no cache.
"""
import os
import pickle
import sys
import tempfile
from pathlib import Path

from myotrace.facts import knowledge as knowledge_module
from myotrace.facts import vocabulary
from myotrace.facts.knowledge import KNOWLEDGE_DIR, KnowledgeBase, load_knowledge

PREFIX = "knowledge-"
KEEP = 4  # snapshots kept in the cache folder, newest first


def cache_dir() -> Path:
    override = os.environ.get("MYOTRACE_CACHE_DIR")
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "myotrace"


def content_hash(directory: Path = KNOWLEDGE_DIR) -> str:
    """A hash of what the snapshot is made from (file names and bytes, model code, versions)."""
    from hashlib import blake2b

    import pydantic

    digest = blake2b(digest_size=16)
    digest.update(f"{sys.version}|{pydantic.VERSION}|{pickle.HIGHEST_PROTOCOL}".encode())
    sources = sorted(directory.glob("*.yaml")) + [Path(knowledge_module.__file__), Path(vocabulary.__file__)]
    for path in sources:
        data = path.read_bytes()
        digest.update(f"\0{path.name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def _read(path: Path) -> KnowledgeBase | None:
    """The snapshot at ``path``, or None if it is absent, not ours, or not a knowledge base."""
    try:
        with path.open("rb") as handle:
            if hasattr(os, "getuid") and os.fstat(handle.fileno()).st_uid != os.getuid():
                return None  # never unpickle a file someone else wrote
            kb = pickle.load(handle)
    except Exception:  # noqa: BLE001 - a broken cache is a cache miss, whatever the error
        return None
    return kb if type(kb) is KnowledgeBase else None


def _write(folder: Path, name: str, kb: KnowledgeBase) -> None:
    """Write atomically (temporary file, then rename); give up quietly if the folder is not writable."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".pickle")
        with os.fdopen(handle, "wb") as out:
            pickle.dump(kb, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, folder / name)
        _prune(folder)
    except OSError:
        pass


def _prune(folder: Path) -> None:
    """Delete all but the KEEP newest snapshots."""
    dated = []
    for path in folder.glob(PREFIX + "*.pickle"):
        try:
            dated.append((path.stat().st_mtime_ns, path.name, path))
        except OSError:
            continue  # deleted meanwhile by another process
    for _, _, old in sorted(dated, reverse=True)[KEEP:]:
        old.unlink(missing_ok=True)


def load_snapshot(directory: Path = KNOWLEDGE_DIR, folder: Path | None = None) -> KnowledgeBase:
    """The knowledge base from its cached snapshot, or validated from the YAML (and cached)."""
    folder = cache_dir() if folder is None else folder
    try:
        name = f"{PREFIX}{content_hash(directory)}.pickle"
    except OSError:
        return load_knowledge(directory)  # a YAML file is unreadable: let the loader say which
    kb = _read(folder / name)
    if kb is None:
        kb = load_knowledge(directory)
        _write(folder, name, kb)
    return kb
