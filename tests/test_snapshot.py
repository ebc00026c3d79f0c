"""The cached knowledge snapshot (facts/snapshot.py): same knowledge, rebuilt when a YAML
file changes, and safe to lose or corrupt."""
import os
import pickle
import shutil

import pytest

from myotrace.facts import snapshot
from myotrace.facts.knowledge import KNOWLEDGE_DIR, KnowledgeError, load_knowledge
from myotrace.facts.snapshot import cache_dir, content_hash, load_snapshot


@pytest.fixture
def kb_dir(tmp_path):
    folder = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, folder)
    return folder


@pytest.fixture
def cache(tmp_path):
    return tmp_path / "cache"


def snapshots(cache):
    return sorted(cache.glob("knowledge-*.pickle"))


def test_snapshot_is_the_same_knowledge_as_the_yaml(kb_dir, cache):
    fresh = load_knowledge(kb_dir)
    first = load_snapshot(kb_dir, cache)   # built and written
    second = load_snapshot(kb_dir, cache)  # read back
    assert len(snapshots(cache)) == 1
    for kb in (first, second):
        assert kb == fresh
        assert kb.links("ober_positive", True) == fresh.links("ober_positive", True)
        assert kb.pattern_match("gluteus_minimus", ("buttock", "lateral_calf")) == \
            fresh.pattern_match("gluteus_minimus", ("buttock", "lateral_calf"))


def test_a_cache_hit_does_not_read_the_yaml(kb_dir, cache, monkeypatch):
    load_snapshot(kb_dir, cache)

    def refuse(directory):
        raise AssertionError("the YAML was validated again")

    monkeypatch.setattr(snapshot, "load_knowledge", refuse)
    assert load_snapshot(kb_dir, cache).settings.support_threshold > 0


def test_changing_a_yaml_file_rebuilds_the_snapshot(kb_dir, cache):
    before = load_snapshot(kb_dir, cache)
    settings = kb_dir / "settings.yaml"
    old = f"support_threshold: {before.settings.support_threshold}"
    text = settings.read_text(encoding="utf-8")
    assert old in text
    settings.write_text(text.replace(old, "support_threshold: 0.37"), encoding="utf-8")
    after = load_snapshot(kb_dir, cache)
    assert after.settings.support_threshold == 0.37
    assert len(snapshots(cache)) == 2  # the older one stays (another installation may use it)


def test_only_the_newest_snapshots_are_kept(kb_dir, cache):
    settings = kb_dir / "settings.yaml"
    text = settings.read_text(encoding="utf-8")
    names = []
    for version in range(snapshot.KEEP + 2):
        settings.write_text(text + f"\n# version {version}\n", encoding="utf-8")
        load_snapshot(kb_dir, cache)
        newest = f"{snapshot.PREFIX}{content_hash(kb_dir)}.pickle"
        os.utime(cache / newest, ns=(version * 10**9, version * 10**9))  # mtimes in writing order
        names.append(newest)
    kept = [path.name for path in snapshots(cache)]
    assert sorted(kept) == sorted(names[-snapshot.KEEP:])


def test_a_new_yaml_file_changes_the_hash(kb_dir):
    before = content_hash(kb_dir)
    (kb_dir / "references.yaml").write_text("{}\n", encoding="utf-8")
    assert content_hash(kb_dir) != before


def test_a_broken_yaml_still_fails_loudly_despite_a_cached_snapshot(kb_dir, cache):
    load_snapshot(kb_dir, cache)
    (kb_dir / "satellites.yaml").write_text("- key: gluteus_minimus\n  satellite: nowhere\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match="satellites.yaml"):
        load_snapshot(kb_dir, cache)


@pytest.mark.parametrize("garbage", [b"", b"not a pickle", pickle.dumps({"settings": 1}),
                                     pickle.dumps("a string")[:-3]])
def test_a_corrupt_snapshot_is_ignored_and_rebuilt(kb_dir, cache, garbage):
    good = load_snapshot(kb_dir, cache)
    [path] = snapshots(cache)
    path.write_bytes(garbage)
    assert load_snapshot(kb_dir, cache) == good
    assert pickle.loads(path.read_bytes()) == good  # rewritten


def test_an_unwritable_cache_folder_just_means_no_cache(kb_dir, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    assert load_snapshot(kb_dir, blocker / "myotrace") == load_knowledge(kb_dir)


def test_cache_dir_follows_xdg_and_the_override(monkeypatch, tmp_path):
    monkeypatch.delenv("MYOTRACE_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir() == tmp_path / "myotrace"
    monkeypatch.setenv("MYOTRACE_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert cache_dir() == tmp_path / "elsewhere"


def test_a_snapshot_written_by_someone_else_is_not_unpickled(kb_dir, cache, monkeypatch):
    load_snapshot(kb_dir, cache)
    [path] = snapshots(cache)
    assert snapshot._read(path) is not None
    monkeypatch.setattr(os, "getuid", lambda: path.stat().st_uid + 1)
    assert snapshot._read(path) is None
