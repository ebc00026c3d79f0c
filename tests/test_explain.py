"""myotrace explain: the trace, --step, --why-not, --set/--unset (the educator's view)."""
import re
import sys
from pathlib import Path

import casedata
import pytest
import yaml
from typer.testing import CliRunner

from myotrace.cli import app
from myotrace.expert.casefile import case_paths, load_case
from myotrace.expert.engine import get_engine, rule_catalogue
from myotrace.expert.errors import InputError
from myotrace.expert.present.text import WIDTH
from myotrace.expert.teach.explain import step_through
from myotrace.expert.report import build_report
from myotrace.expert.teach.whatif import apply_changes, what_if
from myotrace.expert.teach.whynot import resolve_target, why_not
from myotrace.facts.vocabulary import CONDITIONS, MUSCLES, TRIAGE_LEVELS

ROOT = Path(__file__).resolve().parent.parent
CLASSIC = casedata.CLASSIC
runner = CliRunner()


@pytest.fixture
def classic(tmp_path) -> Path:
    path = tmp_path / "gmin-lateral-classic.yaml"
    path.write_text(yaml.safe_dump(CLASSIC), encoding="utf-8")
    return path


def explain(*args):
    return runner.invoke(app, ["explain", *map(str, args)])


def flat(text: str) -> str:
    """The text with its line wrapping undone (and the continuation indents)."""
    return " ".join(text.split())


def fits(text: str) -> bool:
    return all(len(line) <= WIDTH for line in text.splitlines())


def explain_ok(*args) -> str:
    """The output of an ``explain`` that succeeds and fits 80 columns."""
    result = explain(*args)
    assert result.exit_code == 0, result.output
    assert fits(result.output)
    return result.output


# ---- the trace -------------------------------------------------------------------------
def test_trace_is_numbered_grouped_by_stage_and_fits_80_columns(classic):
    out = explain_ok(classic)
    engine = get_engine().consult(load_case(classic))
    for firing in engine.trace:  # every firing, numbered, with its rule id
        assert f"{firing.number:>3}. {firing.rule}" in out
    assert "── referral " in out and "── satellites " in out
    assert out.index("── referral ") < out.index("── satellites ") < out.index("── protocol ")
    assert "REF-003" in out and "Simons et al. 1999, trigger-point diagnosis" in out  # source, cited
    assert "f-29 palpating the gluteus minimus reproduces the pain" in out     # matched
    assert "evidence for the gluteus minimus +0.60" in out                         # declared
    assert "gluteus minimus: 0.00 → 0.60" in out                           # certainty before → after
    assert "primary muscle: gluteus minimus" in out


def test_trace_comes_from_the_structured_trace_not_from_logs(classic):
    """With experta's watchers on (--debug) the view is the same: it never reads log text."""
    import logging

    from experta.watchers import unwatch
    plain = explain(classic).stdout
    try:
        debug = runner.invoke(app, ["--debug", "explain", str(classic)])
    finally:  # the watchers are process-global: switch them off for the other tests
        unwatch()
        logging.basicConfig(level=logging.WARNING, force=True)
    assert debug.exit_code == 0
    assert debug.stdout == plain


# ---- --step ----------------------------------------------------------------------------
def test_step_without_a_terminal_prints_every_step_with_the_agenda(classic):
    out = explain_ok(classic, "--step")
    firings = len(get_engine().consult(load_case(classic)).trace)
    assert out.count("Agenda (") == firings  # the agenda before every firing
    assert "Agenda: empty." in out
    assert "→   80  REF-004  f-30 palpating the piriformis" in out  # salience, rule, facts; next first
    assert "The agenda is empty: the run is complete." in out


def test_step_fires_in_the_same_order_as_a_plain_run(classic):
    case = load_case(classic)
    plain = [f.rule for f in get_engine().consult(case).trace]
    engine = get_engine()
    assert step_through(engine, case, lambda line: None, None)
    assert [f.rule for f in engine.trace] == plain


def test_step_interactive_enter_fires_one_r_runs_to_the_end(classic):
    case = load_case(classic)
    answers = iter(["", "", "r"])
    said = []
    engine = get_engine()
    assert step_through(engine, case, said.append, lambda prompt: next(answers))
    out = "\n".join(said)
    assert out.count("Agenda (") == 3  # shown before the first two single steps and before 'r'
    assert len(engine.trace) == len(get_engine().consult(case).trace)


def test_step_interactive_q_quits(classic):
    answers = iter(["", "q"])
    said = []
    engine = get_engine()
    assert not step_through(engine, load_case(classic), said.append, lambda prompt: next(answers))
    assert len(engine.trace) == 1
    assert "Stopped after 1 firings" in said[-1]


def test_step_end_of_input_quits(classic):
    def eof(prompt):
        raise EOFError
    engine = get_engine()
    assert not step_through(engine, load_case(classic), lambda line: None, eof)
    assert engine.trace == []


def stepper_in_a_terminal(classic):
    """``explain CASE --step`` in a pseudo-terminal of 50 x 80, as an educator runs it."""
    pexpect = pytest.importorskip("pexpect")
    myotrace = Path(sys.executable).parent / "myotrace"
    if not myotrace.exists():
        pytest.skip("console script not installed")
    return pexpect.spawn(str(myotrace), ["explain", str(classic), "--step"], encoding="utf-8", timeout=30,
                         dimensions=(50, 80))


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_step_in_a_real_terminal(classic):
    child = stepper_in_a_terminal(classic)
    child.expect("fire the next rule")
    child.sendline("")
    child.expect(r"1\. REF-004")
    child.expect("fire the next rule")
    child.sendline("q")
    child.expect("Stopped after 1 firings")
    child.expect(pytest.importorskip("pexpect").EOF)
    child.close()
    assert child.exitstatus == 0, child.before


def test_step_says_why_the_next_rule_leads_and_what_a_firing_changed(classic):
    out = flat(explain_ok(classic, "--step"))
    assert "Why REF-004 is next: same salience 80 as REF-003; recency decides: its newest differing fact f-30 " \
           "is newer than f-29" in out
    assert re.search(r"Why \S+ is next: salience \d+ beats \d+", out)
    assert "added REF-005 on f-31" in out  # the evidence REF-004 declared puts the weighing rule on the agenda


def test_why_next_falls_back_to_the_rule_id_on_a_full_tie():
    from types import SimpleNamespace

    from myotrace.expert.engine import DeterministicStrategy
    from myotrace.expert.teach.explain import why_next

    class Activation:  # hashable, as the strategy's cache needs
        def __init__(self, rule_id):
            self.rule = SimpleNamespace(salience=30, rule_meta=SimpleNamespace(id=rule_id))
            self.facts = [{"__factid__": 4}, {"__factid__": 7}]

    activation = Activation
    strategy = DeterministicStrategy()
    first, second = activation("PRO-001"), activation("PRO-002")
    assert strategy.get_key(first) > strategy.get_key(second)  # the agenda pops PRO-001 first
    text = why_next(strategy, [first, second])
    assert "same salience 30 and the same facts as PRO-002; the rule id decides" in text


def test_step_back_re_runs_to_the_firing_before(classic):
    case = load_case(classic)
    plain = [f.rule for f in get_engine().consult(case).trace]
    answers = iter(["", "", "b", "", "q"])
    said = []
    engine = get_engine()
    assert not step_through(engine, case, said.append, lambda prompt: next(answers))
    assert f"Back one firing: reset and re-run to firing 1 ({plain[0]})." in said
    assert [f.rule for f in engine.trace] == plain[:2]  # back to one firing, then one more: the same second rule


def test_step_back_at_the_start_stays_at_the_start(classic):
    answers = iter(["b", "q"])
    said = []
    engine = get_engine()
    assert not step_through(engine, load_case(classic), said.append, lambda prompt: next(answers))
    assert "Back one firing: reset and re-run to firing 0 (the start)." in said
    assert engine.trace == []


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_step_back_in_a_real_terminal(classic):
    child = stepper_in_a_terminal(classic)
    child.expect("Why REF-004 is next")
    child.expect("b back one firing")
    child.sendline("")
    child.expect(r"1\. REF-004")
    child.expect("added")
    child.expect("fire the next rule")
    child.sendline("")
    child.expect(r"2\. REF-003")
    child.expect("fire the next rule")
    child.sendline("b")
    child.expect(r"Back one firing: reset and re-run to firing 1 \(REF-004\)")
    child.expect("Why REF-003 is next")
    child.expect("fire the next rule")
    child.sendline("q")
    child.expect("Stopped after 1 firings")
    child.expect(pytest.importorskip("pexpect").EOF)
    child.close()
    assert child.exitstatus == 0, child.before


# ---- --why-not ---------------------------------------------------------------------------
def test_why_not_a_muscle_that_was_ruled_out(classic):
    out = flat(explain_ok(classic, "--why-not", "piriformis"))
    assert "neither the primary muscle nor in the chain" in out
    assert "✓ REF-004" in out and "fired at #1" in out and "-0.60" in out        # the palpation ruled it out
    assert "✗ REF-001 did not fire" in out
    assert "match = (1 + 0.5×0) / 5 = 0.20, not above the premise threshold 0.2" in out  # with the numbers
    assert "the combined certainty reaches the support threshold 0.2 (it is -0.60)" in out
    assert "✗ needs pain prolonged sitting: yes (+0.20); not asked" in out         # the link that could have helped
    assert "First premise that failed: REF-005" in out


def test_why_not_a_satellite_says_which_key_muscle_keeps_it_from_primary(classic):
    out = flat(explain(classic, "--why-not", "vl").output)  # short names work
    assert "in the chain as a satellite of the gluteus minimus" in out
    assert "✓ SAT-001 [gluteus minimus → vastus lateralis]" in out
    assert "First premise that failed: SAT-002 — no key muscle leads it" in out
    assert "led by the gluteus minimus" in out


def test_why_not_a_triage_level_and_a_condition(classic):
    out = flat(explain(classic, "--why-not", "refer_nerve").output)
    assert "The triage is treat, not refer nerve." in out
    assert "✗ needs slr positive: yes; answered no" in out
    assert "✗ at least 2 of the 3 soft signs: 0 present" in out
    out = flat(explain(classic, "--why-not", "iliotibial_band_syndrome").output)
    assert "✓ lateral knee is in the pain map" in out
    assert "✗ needs lateral epicondyle tender: yes; not asked" in out


def test_why_not_an_unknown_target_is_a_usage_error(classic):
    result = explain(classic, "--why-not", "gluteus_minimis")
    assert result.exit_code == 2
    assert "did you mean 'gluteus_minimus'" in result.output
    with pytest.raises(InputError):
        resolve_target("gluteus")  # ambiguous prefix


def _library():
    return case_paths([ROOT / "cases"]) or pytest.skip("no case library")


def test_why_not_premises_hold_exactly_when_their_rule_fired():
    """The premise checks mirror the rules: over the whole library, a check holds
    exactly when its rule fired for that binding, and a target is 'concluded'
    exactly when the report says so."""
    engine = get_engine()
    for path in _library():
        case = load_case(path)
        report = build_report(engine.consult(case), case)
        for target in MUSCLES + TRIAGE_LEVELS + CONDITIONS:
            result = why_not(engine, case, target)
            for check in result.checks:
                if check.rule in ("report", "REF-005"):
                    continue
                assert bool(check.fired) == check.held, (path.name, target, check)
            if result.kind == "muscle":
                assert result.concluded == (report.primary_muscle == target), (path.name, target)
            elif result.kind == "triage":
                assert result.concluded == (report.triage == target), (path.name, target)
            else:
                assert result.concluded == (target in report.conditions), (path.name, target)


def test_why_not_covers_every_rule_that_concludes_something():
    ids = {meta.id for meta in rule_catalogue()}
    checked = {"REF-001", "REF-002", "REF-003", "REF-004", "REF-005", "SAT-001", "SAT-002", "SAT-003",
               "SAF-001", "SAF-002", "SAF-003", "SAF-004", "SAF-005", "SAF-006", "NRV-001", "NRV-002",
               "CON-001", "CON-002", "CON-003", "CON-004", "CON-005", "CON-006"}
    assert checked <= ids


# ---- what-if ---------------------------------------------------------------------------------
def test_what_if_leg_length_discrepancy_moves_the_primary_to_the_ql(classic):
    # leg length alone is shared-chain evidence below the threshold; with pain on coughing
    # the QL leads on evidence of its own (a key needs evidence of its own)
    out = flat(explain_ok(classic, "--set", "leg_length_discrepancy=true", "--set", "pain_on_cough_sneeze=true"))
    assert "What if: leg length discrepancy: yes (was: not asked)" in out
    assert "Conclusion CHANGED" in out
    assert "before: gluteus minimus" in out and "after: quadratus lumborum" in out
    assert "now supported" in out
    assert "REF-002 evidence for the quadratus lumborum" in out        # the new firing
    assert "SAT-001 chain link quadratus lumborum → gluteus minimus" in out
    assert "now: primary muscle quadratus lumborum" in out


def test_what_if_compares_the_structured_traces(classic):
    result = what_if(get_engine(), load_case(classic), ["leg_length_discrepancy=true", "pain_on_cough_sneeze=true"])
    assert result.before.primary_muscle == "gluteus_minimus"
    assert result.after.primary_muscle == "quadratus_lumborum"
    assert result.conclusion_changed
    kinds = {(c.kind, c.rule) for c in result.firings}
    assert ("new", "SAT-001") in kinds and ("changed", "SAT-002") in kinds
    assert ("changed", "REF-005") in kinds  # the QL's hypothesis: same firing, other numbers


def test_unset_and_list_changes(classic):
    out = explain(classic, "--unset", "ober_positive", "--set", "pain=-lateral_calf",
                  "--set", "tender=piriformis").output
    assert "ober positive: not asked (was: yes)" in out
    assert "pain map: lateral calf removed" in out
    assert "piriformis now tender (was: palpated, not tender)" in out
    assert "MYT-001" in out  # the myth correction no longer fires


def test_what_if_with_no_change_in_conclusion(classic):
    out = explain(classic, "--set", "limp=true").output
    assert "Conclusion unchanged" in out


def test_set_applies_to_why_not_and_graph(classic):
    out = flat(explain(classic, "--set", "leg_length_discrepancy=true", "--set", "pain_on_cough_sneeze=true",
                       "--why-not", "quadratus_lumborum").output)
    assert "The quadratus lumborum IS the primary muscle" in out
    graph = explain(classic, "--set", "leg_length_discrepancy=true", "--set", "pain_on_cough_sneeze=true",
                    "--graph", "mermaid").output
    assert "primary: quadratus lumborum" in graph


@pytest.mark.parametrize("args, message", [
    (["--set", "leg_lenght_discrepancy=true"], "did you mean 'leg_length_discrepancy'"),
    (["--set", "limp=maybe"], "true, false or unknown"),
    (["--set", "limp"], "FINDING=true|false|unknown"),
    (["--set", "pain=+lateral_kne"], "did you mean 'lateral_knee'"),
    (["--unset", "limpp"], "did you mean 'limp'"),
    (["--step", "--graph", "dot"], "one of --step, --graph at a time"),
])
def test_bad_what_if_input_is_a_usage_error(classic, args, message):
    result = explain(classic, *args)
    assert result.exit_code == 2
    assert message in flat(result.output)


def test_apply_changes_keeps_the_case_valid(classic):
    case = load_case(classic)
    changed, _changes = apply_changes(case, ["non_tender=gluteus_minimus", "fever=unknown"])
    assert changed.non_tender == ["piriformis", "gluteus_minimus"] and changed.tender_points == []
    assert changed.findings["fever"] == "unknown"
    assert case.tender_points == ["gluteus_minimus"]  # the original is untouched


def test_explain_works_on_every_library_case():
    for path in _library()[:60]:
        result = explain(path)
        assert result.exit_code == 0, (path, result.output)
        assert fits(result.output), path


def test_explain_json_case_file(tmp_path):
    import json
    path = tmp_path / "classic.json"
    path.write_text(json.dumps(CLASSIC), encoding="utf-8")
    assert explain(path).exit_code == 0
