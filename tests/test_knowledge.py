"""The knowledge base loader and its lint (``myotrace kb check``)."""
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from myotrace.expert import kbcheck
from myotrace.expert.engine import MyoEngine, rule_catalogue
from myotrace.expert.kbcheck import check, satellite_cycles
from myotrace.facts.case import Case
from myotrace.facts.knowledge import FILES, KNOWLEDGE_DIR, KnowledgeError, knowledge, load_knowledge
from myotrace.facts.vocabulary import FINDINGS, MUSCLES


@pytest.fixture
def kb_dir(tmp_path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, target)
    return target


def edit(directory: Path, name: str, old: str, new: str) -> Path:
    path = directory / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}: the fixture text needs updating"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def broken(directory: Path) -> str:
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(directory)
    return str(caught.value)


# ---- the bundled knowledge base ------------------------------------------------------


def test_bundled_knowledge_loads_and_covers_the_vocabulary():
    kb = load_knowledge()
    assert set(kb.muscles) == set(MUSCLES)
    assert set(kb.findings) == set(FINDINGS)
    assert 0 < kb.settings.support_threshold < 1
    assert kb.settings.support_threshold == 0.2  # MYCIN's threshold: below 0.2 a belief counts as false


def test_copy_of_the_knowledge_base_loads(kb_dir):
    assert load_knowledge(kb_dir) == knowledge()


def test_contract_satellite_edges_are_present():
    edges = {(e.key, e.satellite) for e in knowledge().satellites}
    assert ("gluteus_minimus", "vastus_lateralis") in edges      # the minimus's satellite in its referral zone
    assert ("gluteus_minimus", "peroneus_longus") in edges
    assert ("quadratus_lumborum", "gluteus_minimus") in edges


# ---- loader failures name the file and the item --------------------------------------


@pytest.mark.parametrize(("file", "old", "new", "words"), [
    pytest.param("muscles.yaml", "finding: limp", "finding: limpp",
                 ["gluteus_minimus.evidence", "finding"], id="unknown finding in evidence"),
    pytest.param("muscles.yaml", "cf: 0.4", "cf: 1.4", ["gluteus_minimus.evidence", "cf"], id="cf above 1"),
    pytest.param("muscles.yaml", "essential: [lateral_thigh, lateral_knee]", "essential: [lateral_thigh, knee]",
                 ["vastus_lateralis.patterns.0.essential"], id="unknown region in a pattern"),
    pytest.param("muscles.yaml", "piriformis:\n  name: piriformis", "piriformis:\n  name: piriformis\n  colour: red",
                 ["piriformis.colour"], id="unknown key"),
    pytest.param("muscles.yaml", "hamstrings:\n", "hamstringz:\n", ["hamstringz"], id="unknown muscle"),
    pytest.param("satellites.yaml", "satellite: vastus_lateralis", "satellite: vastus_lateral",
                 ["satellite"], id="unknown satellite"),
    pytest.param("settings.yaml", "support_threshold: 0.2", "support_threshold: 2",
                 ["support_threshold"], id="threshold out of range"),
    pytest.param("protocol.yaml", 'source: "grimaldi-2015; mellor-2018"', 'source: "my blog"',
                 ["source", "my blog"], id="uncited source"),
    pytest.param("findings.yaml", "fever:", "feverr:", ["feverr"], id="unknown finding id"),
    pytest.param("settings.yaml", "support_threshold: 0.2", "support_threshold: [0.2",
                 ["cannot be read"], id="broken YAML"),
])
def test_broken_item_names_file_and_item(kb_dir, file, old, new, words):
    edit(kb_dir, file, old, new)
    message = broken(kb_dir)
    assert str(kb_dir / file) in message, message
    for word in words:
        assert word in message, message


def test_missing_file(kb_dir):
    (kb_dir / "satellites.yaml").unlink()
    message = broken(kb_dir)
    assert "satellites.yaml" in message


def test_missing_muscle(kb_dir):
    path = kb_dir / "muscles.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("\nhamstrings:")] + "\n", encoding="utf-8")
    message = broken(kb_dir)
    assert "muscles.yaml" in message and "hamstrings" in message


def test_finding_without_a_question(kb_dir):
    path = kb_dir / "findings.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    start = lines.index("fever:")
    path.write_text("\n".join(lines[:start] + lines[start + 4:]) + "\n", encoding="utf-8")
    message = broken(kb_dir)
    assert "findings.yaml" in message and "fever" in message


def test_every_knowledge_file_is_listed():
    assert sorted(p.name for p in KNOWLEDGE_DIR.glob("*.yaml")) == sorted(FILES.values())


# ---- satellite cycles ----------------------------------------------------------------


def edges(*pairs):
    return [SimpleNamespace(key=k, satellite=s) for k, s in pairs]


def test_bundled_satellites_have_no_cycle():
    assert satellite_cycles(knowledge().satellites) == []


@pytest.mark.parametrize(("pairs", "expected"), [
    ([], []),
    ([("a", "b"), ("b", "c")], []),
    ([("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")], []),          # diamond, no cycle
    ([("a", "b"), ("b", "a")], [["a", "b", "a"]]),
    ([("b", "c"), ("c", "a"), ("a", "b")], [["a", "b", "c", "a"]]),   # reported once, from the smallest
    ([("a", "a")], [["a", "a"]]),
    ([("a", "b"), ("b", "a"), ("c", "d"), ("d", "c")], [["a", "b", "a"], ["c", "d", "c"]]),
    ([("x", "y"), ("y", "z"), ("z", "y")], [["y", "z", "y"]]),        # cycle below a tail
])
def test_satellite_cycles(pairs, expected):
    assert satellite_cycles(edges(*pairs)) == expected


def test_satellite_cycles_finds_both_cycles_through_one_node():
    found = satellite_cycles(edges(("a", "b"), ("b", "a"), ("b", "c"), ("c", "a")))
    assert sorted(found) == [["a", "b", "a"], ["a", "b", "c", "a"]]


@pytest.fixture
def cyclic_kb(kb_dir):
    edit(kb_dir, "satellites.yaml", "- key: gluteus_minimus\n  satellite: vastus_lateralis",
         "- key: vastus_lateralis\n  satellite: quadratus_lumborum\n  source: \"judgement, a test edge\"\n"
         "- key: gluteus_minimus\n  satellite: vastus_lateralis")
    return load_knowledge(kb_dir)


def test_kb_check_reports_a_satellite_cycle(cyclic_kb, monkeypatch):
    monkeypatch.setattr(kbcheck, "knowledge", lambda: cyclic_kb)
    problems, _ = check()
    cycles = [p for p in problems if p.startswith("satellite cycle")]
    assert cycles == ["satellite cycle: gluteus_minimus -> vastus_lateralis -> quadratus_lumborum -> gluteus_minimus"]


def test_engine_terminates_on_a_cyclic_knowledge_base(cyclic_kb):
    engine = MyoEngine(kb=cyclic_kb)
    case = Case(pain=["buttock", "lateral_hip", "lateral_thigh", "lateral_knee", "lateral_calf"],
                findings={"pain_worse_below_knee": True, "leg_length_discrepancy": True},
                tender_points=["gluteus_minimus", "quadratus_lumborum", "vastus_lateralis"])
    engine.consult(case)
    assert len(engine.trace) < 1000


def test_kb_check_reports_rules_without_fixture(tmp_path):
    problems, _ = check(fixtures=tmp_path)
    missing = [p for p in problems if "no test fixture" in p]
    assert len(missing) == len(rule_catalogue())


def test_kb_check_notes_when_fixtures_folder_is_absent(tmp_path):
    problems, notes = check(fixtures=tmp_path / "absent")
    assert not any("no test fixture" in p for p in problems)
    assert any("fixtures not found" in n for n in notes)


# ---- citations: every item with a source is seen by the lint -----------------------------


def test_cited_items_sees_every_source_line_of_the_knowledge_files():
    from myotrace.facts.knowledge import cited_items
    import re
    lines = sum(len(re.findall(r"(?m)^ +source: ", path.read_text(encoding="utf-8")))
                for path in KNOWLEDGE_DIR.glob("*.yaml") if path.name != "references.yaml")
    items = list(cited_items(knowledge()))
    assert len(items) == lines
    assert len({item for item, _ in items}) == len(items)   # each named once, by file and place
    assert ("satellites.yaml 0", knowledge().satellites[0].source) in items


def test_the_knowledge_base_carries_the_bibliography(kb_dir):
    kb = load_knowledge(kb_dir)
    assert "travell-simons-1992" in kb.references
    (kb_dir / "references.yaml").unlink()
    assert "references.yaml" in broken(kb_dir)
