"""explain --graph mermaid|dot and the SVG derivation graph, all built from the structured trace."""
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from casedata import CLASSIC
from myotrace.cli import app
from myotrace.expert.casefile import case_paths, load_case
from myotrace.expert.engine import get_engine
from myotrace.expert.teach.graph import build_graph, to_dot, to_mermaid
from myotrace.expert.teach.graphsvg import COLUMN, to_svg

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def write(tmp_path, data) -> Path:
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def graph_of(data, tmp_path):
    engine = get_engine().consult(load_case(write(tmp_path, data)))
    return build_graph(engine.trace), engine.trace


def test_mermaid_from_findings_through_hypotheses_and_satellites_to_chain_and_protocol(tmp_path):
    result = runner.invoke(app, ["explain", str(write(tmp_path, CLASSIC)), "--graph", "mermaid"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("flowchart LR\n")
    assert 'finding_pain_worse_below_knee -->|"REF-002 +0.40"| m_gluteus_minimus' in out
    assert 'palp_gluteus_minimus -->|"REF-003 +0.60"| m_gluteus_minimus' in out
    assert 'palp_piriformis -.->|"REF-004 -0.60"| m_piriformis' in out          # evidence against, dashed
    assert 'm_gluteus_minimus ==>|"SAT-001 satellite"| m_vastus_lateralis' in out  # the satellite edge
    assert 'm_gluteus_minimus -->|"SAT-003"| chain' in out
    assert re.search(r'chain -->\|"[^"]*PRO-001[^"]*"\| protocol', out)
    assert 'chain -->|"SAF-004"| triage' in out
    assert "class m_piriformis muted" in out  # ruled out: drawn greyed


def test_dot_is_a_consistent_digraph(tmp_path):
    result = runner.invoke(app, ["explain", str(write(tmp_path, CLASSIC)), "--graph", "dot"])
    assert result.exit_code == 0
    out = result.stdout
    assert out.startswith("digraph derivation {") and out.rstrip().endswith("}")
    declared = set(re.findall(r"^    (\w+) \[label=", out, re.MULTILINE))
    for source, target in re.findall(r"^    (\w+) -> (\w+) ", out, re.MULTILINE):
        assert source in declared and target in declared
    assert 'm_gluteus_minimus -> m_vastus_lateralis [label="SAT-001 satellite", penwidth=2.5' in out


def test_graph_comes_from_the_trace(tmp_path):
    graph, trace = graph_of(CLASSIC, tmp_path)
    fired = {firing.rule for firing in trace}
    for edge in graph.edges:
        for label in edge.rules:
            assert label.split()[0] in fired
    assert set(COLUMN) >= {node.kind for node in graph.nodes.values()}


def test_what_if_graph_has_the_ql_as_key(tmp_path):
    # leg length alone is below the threshold; with pain on coughing the QL leads on its own evidence
    case = dict(CLASSIC, findings={**CLASSIC["findings"], "leg_length_discrepancy": True, "pain_on_cough_sneeze": True})
    graph, _ = graph_of(case, tmp_path)
    kinds = {(e.source, e.target): e.kind for e in graph.edges}
    assert kinds[("m_quadratus_lumborum", "m_gluteus_minimus")] == "satellite"
    assert ("m_quadratus_lumborum", "chain") in kinds
    assert kinds[("finding_leg_length_discrepancy", "m_quadratus_lumborum")] == "for"


def test_red_flag_graph_goes_to_triage_without_a_chain(tmp_path):
    case = dict(CLASSIC, findings={**CLASSIC["findings"], "bladder_dysfunction": True})
    graph, _ = graph_of(case, tmp_path)
    assert "chain" not in graph.nodes
    assert graph.nodes["triage"].lines == ["triage", "emergency"]
    assert any(e.source == "redflag_bladder_dysfunction" and e.target == "cond_cauda_equina_suspected"
               for e in graph.edges)
    assert any(e.source == "finding_bladder_dysfunction" and e.target == "triage" for e in graph.edges)


LIBRARY = case_paths([ROOT / "cases"])


def test_the_library_is_there():
    assert len(LIBRARY) >= 80


@pytest.mark.parametrize("path", LIBRARY, ids=lambda path: path.stem)
def test_every_library_case_gives_well_formed_graphs(path):
    engine = get_engine().consult(load_case(path))
    graph = build_graph(engine.trace)
    root = ET.fromstring(to_svg(graph))
    assert root.tag.endswith("svg")
    assert len([g for g in root.iter() if g.get("class", "").startswith("node ")]) == len(graph.nodes)
    assert to_mermaid(graph).startswith("flowchart LR")
    assert to_dot(graph).count("{") == to_dot(graph).count("}")
