"""`myotrace rules` in reasoning order, and `myotrace kb show MUSCLE` (in process, tests/clirun.py;
the console script's bad-input path is run in test_bad_input.py)."""
import pytest
from typer.testing import CliRunner

from myotrace.cli import app
from myotrace.expert.engine import rule_catalogue
from myotrace.facts.knowledge import knowledge
from myotrace.facts.vocabulary import MUSCLES
from myotrace.rules.meta import STAGES

from clirun import run

runner = CliRunner()


def test_rules_are_listed_in_reasoning_order():
    result = runner.invoke(app, ["rules"])
    assert result.exit_code == 0
    listed = [line.split()[0] for line in result.stdout.splitlines() if line[:3].isalpha() and line[3] == "-"]
    stage_of = {rule.id: rule.stage for rule in rule_catalogue()}
    assert sorted(listed) == sorted(stage_of)
    stages = [STAGES.index(stage_of[rule]) for rule in listed]
    assert stages == sorted(stages)  # safety, nerve, referral, satellites, conditions, myths, protocol, questions
    headers = [line.removeprefix("── ") for line in result.stdout.splitlines() if line.startswith("── ")]
    assert headers == [s for s in STAGES if s in stage_of.values()]


def test_kb_show_gives_zones_weights_sources_edges_and_factors():
    result = runner.invoke(app, ["kb", "show", "gluteus_minimus"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("gluteus minimus (short name: gmin) — hip abductor")
    assert ("anterior part: essential: buttock, lateral thigh, lateral knee, lateral calf, lateral ankle; spill-over: "
            "dorsum foot") in " ".join(out.split())
    assert "posterior part: essential: buttock, posterior thigh, posterior calf" in " ".join(out.split())
    assert "+0.40  pain worse below knee, yes" in out
    assert "in:  quadratus lumborum → gluteus minimus" in out and "in:  tensor fasciae latae → gluteus minimus" in out
    assert "out: gluteus minimus → vastus lateralis" in out and "out: gluteus minimus → peroneus longus" in out
    assert "leg length discrepancy: leg-length difference" in out
    entry = knowledge().muscles["gluteus_minimus"]
    from myotrace.expert.present.references import source_text
    for link in entry.evidence:  # every weight with its source, cited as a reader cites it
        assert source_text(link.source).split(";")[0][:40] in " ".join(out.split())
    assert "travell-simons-1992" not in out and "Travell JG, Simons DG (1992)" in out  # no raw key; the full entry
    assert all(len(line) <= 80 for line in out.splitlines())


@pytest.mark.parametrize("muscle", MUSCLES)
def test_kb_show_every_muscle(muscle):
    result = runner.invoke(app, ["kb", "show", muscle])
    assert result.exit_code == 0 and "Referral zones" in result.stdout


def test_kb_show_short_name():
    assert runner.invoke(app, ["kb", "show", "QL"]).stdout.startswith("quadratus lumborum")


def test_kb_show_unknown_muscle_suggests_and_exits_2():
    result = run("kb", "show", "glutes-minimus")
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "did you mean 'gluteus_minimus'" in lines[0]
