"""`myotrace interview` in a real pseudo-terminal (pexpect), as a therapist uses it."""
import json
import os
import re
import shutil
import signal
import sys
from pathlib import Path

import pytest

pexpect = pytest.importorskip("pexpect")

from myotrace.expert.casefile import load_case  # noqa: E402
from myotrace.expert.interview.session import Interview, answer_from_case  # noqa: E402
from myotrace.expert.interview.parsing import keys_for  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CLASSIC = ROOT / "cases" / "gmin-lateral-classic.yaml"
SCRIPT = Path(sys.executable).parent / "myotrace"
COMMAND = str(SCRIPT) if SCRIPT.exists() else shutil.which("myotrace")
PROMPT = r"\n> "

pytestmark = pytest.mark.skipif(COMMAND is None, reason="the myotrace console script is not installed")


def spawn(folder: Path, *args: str, rows: int = 50, columns: int = 160):
    child = pexpect.spawn(COMMAND, ["interview", "--no-intake", *args] if "--intake" not in args else
                          ["interview", *args], cwd=str(folder), encoding="utf-8",
                          timeout=30, dimensions=(rows, columns), env={**os.environ, "TERM": "xterm"})
    child.delaybeforesend = None
    return child


def finish(child, status=0):
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == status, child.before


def answers_for(case_path):
    """(prompt, typed) pairs of a patient answering as the case file (or Case) says."""
    case = load_case(case_path) if isinstance(case_path, Path) else case_path
    shadow = Interview()
    pairs = []
    while (prompt := shadow.next_prompt()) is not None:
        value = answer_from_case(case, prompt)
        pairs.append((prompt, keys_for(prompt, value)))
        shadow.answer(value)
    return pairs


def test_full_interview_to_a_treat_conclusion(tmp_path):
    child = spawn(tmp_path, "--session", "s.json")
    child.expect("Red-flag screen")
    child.expect(PROMPT)
    pairs = answers_for(CLASSIC)
    for _prompt, typed in pairs[:-1]:
        child.sendline(typed)
        child.expect(PROMPT)
    child.sendline(pairs[-1][1])
    child.expect("Review: Enter shows the result")
    child.expect(PROMPT)
    child.sendline("")
    child.expect("TREAT — myofascial trigger-point chain")
    child.expect("Next: ")
    child.expect(PROMPT)
    child.sendline("report")
    child.expect("Report written to s-report.md")
    child.sendline("quit")
    finish(child)
    assert "TREAT" in (tmp_path / "s-report.md").read_text().upper()
    for name in ("s.json", "s-report.md"):
        assert os.stat(tmp_path / name).st_mode & 0o777 == 0o600


def test_treat_result_screen_in_order(tmp_path):
    child = spawn(tmp_path, "--session", "s.json")
    child.expect(PROMPT)
    for _prompt, typed in answers_for(CLASSIC):
        child.sendline(typed)
    child.expect("Review: Enter")
    child.expect(PROMPT)
    child.sendline("")
    child.expect("Settled after")
    child.expect("TREAT")
    child.expect("Chain: gluteus minimus")
    child.expect("Protocol")
    child.expect("Next: ")
    child.expect(PROMPT)
    child.sendline("details")
    child.expect("Primary muscle and chain")
    child.expect("Candidates")
    child.expect("Myths corrected")
    child.expect("Protocol")
    child.sendline("quit")
    finish(child)


def test_a_red_flag_ends_it_at_once(tmp_path):
    child = spawn(tmp_path, "--session", "s.json")
    child.expect(PROMPT)
    child.sendline("1 u6")
    child.expect("Red flag: saddle anesthesia")
    child.expect("A red flag ends the interview")
    child.expect("EMERGENCY")
    child.expect("Advice")
    child.expect("Next: ")
    assert "Pain map" not in child.before
    child.sendline("quit")
    finish(child)


def test_why_climbs_and_back_and_unknown(tmp_path):
    child = spawn(tmp_path, "--session", "s.json")
    child.expect(PROMPT)
    child.sendline("none")
    child.expect(PROMPT)
    child.sendline("3 7 9 11")
    child.expect("Nerve screen")
    child.expect(PROMPT)
    child.sendline("why")
    child.expect(r"why \(1\): NRV-001")
    child.expect(PROMPT)
    child.sendline("why")
    child.expect(r"why \(2\): SAF-003")
    child.expect(PROMPT)
    child.sendline("u")                     # unknown, every sign
    child.expect(r"\[4\]")
    child.expect(PROMPT)
    child.sendline("back")
    child.expect("Undone: Nerve screen")
    child.expect("Nerve screen")           # asked again
    child.expect(PROMPT)
    child.sendline("none")
    child.expect(r"\[4\]")
    child.expect(PROMPT)
    child.sendline("u")
    child.expect(r"\[5\]")
    child.expect(PROMPT)
    child.sendline("quit")
    child.expect("Resume with: myotrace interview --resume s.json")
    finish(child)
    answers = json.loads((tmp_path / "s.json").read_text())["answers"]
    items = [a["item"] for a in answers]
    assert items[2] == "nerve_screen" and set(answers[2]["value"].values()) == {False}
    assert answers[3]["value"] == "unknown"
    assert len(items) == len(set(items))


def test_tab_completes_the_command_words_of_the_screen(tmp_path):
    """Tab completes a command word valid where it is typed: `hel` at a question, `det` on the result."""
    child = spawn(tmp_path, "--session", "s.json")
    child.expect(PROMPT)
    child.send("hel\t")
    child.expect("help")
    child.sendline("")
    child.expect("Commands:")
    child.expect(PROMPT)
    child.sendline("1")                     # a red flag: the result at once
    child.expect("Next: ")
    child.expect(PROMPT)
    child.send("det\t")
    child.expect("details")
    child.sendline("")
    child.expect("Referral")            # a red flag: the referral leads the report
    child.expect(PROMPT)
    child.sendline("quit")
    child.expect("Session saved to s.json.")
    finish(child)


def test_ctrl_c_saves_then_resume_continues(tmp_path):
    pairs = answers_for(CLASSIC)
    child = spawn(tmp_path, "--session", "s.json")
    child.expect(PROMPT)
    for _prompt, typed in pairs[:5]:
        child.sendline(typed)
        child.expect(PROMPT)
    child.sendintr()
    child.expect("Interrupted: session saved to s.json")
    child.expect("Resume with: myotrace interview --resume s.json")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130 or child.signalstatus == signal.SIGINT
    assert "Traceback" not in child.before
    assert len(json.loads((tmp_path / "s.json").read_text())["answers"]) == 5

    child = spawn(tmp_path, "--resume", "s.json")
    child.expect("Resuming s.json: 5 answer")
    child.expect(r"\[6\]")
    child.expect(PROMPT)
    for _prompt, typed in pairs[5:]:
        child.sendline(typed)
    child.expect("Review: Enter")
    child.sendline("")
    child.expect("TREAT")
    child.expect("Next: ")
    child.expect(PROMPT)
    child.sendline("export case.yaml")
    child.expect("Case file written to case.yaml")
    child.sendline("quit")
    finish(child)
    case = load_case(tmp_path / "case.yaml")
    # the piriformis no longer fits the classic lateral map, so it is not asked (it could not change the chain)
    assert case.tender_points == ["gluteus_minimus"] and set(case.non_tender) <= {"piriformis"}


def test_end_of_input_in_a_terminal_saves(tmp_path):
    child = spawn(tmp_path, "--session", "s.json")
    child.expect(PROMPT)
    child.sendline("none")
    child.expect(PROMPT)
    child.sendeof()
    child.expect("End of input: session saved")
    finish(child)
    assert len(json.loads((tmp_path / "s.json").read_text())["answers"]) == 1


def test_closing_the_terminal_keeps_the_answers(tmp_path):
    child = spawn(tmp_path, "--session", "s.json")
    child.expect(PROMPT)
    child.sendline("none")
    child.expect(PROMPT)
    child.sendline("3 7 9 11")
    child.expect(PROMPT)
    child.kill(signal.SIGHUP)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 128 + signal.SIGHUP
    assert len(json.loads((tmp_path / "s.json").read_text())["answers"]) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"], "no temporary file left behind"


# ---- issue 12: what a therapist sees ---------------------------------------------------
def classic_with(first: str):
    """The classic case typed at the keyboard, with another answer to the red-flag screen."""
    from myotrace.expert.interview.parsing import parse_checklist
    from myotrace.facts.vocabulary import RED_FLAGS

    case = load_case(CLASSIC)
    case = case.model_copy(update={"findings": {**case.findings, **parse_checklist(first, RED_FLAGS)}})
    return [typed for _prompt, typed in answers_for(case)]


def to_the_result(child, lines):
    child.expect(PROMPT)
    for typed in lines:
        child.sendline(typed)
        child.expect(PROMPT)
    assert "Review: Enter shows the result" in child.before
    child.sendline("")
    child.expect("Next: ")
    result = child.before
    child.expect(PROMPT)
    return result


def test_zero_never_clears_the_red_flag_screen_and_the_hint_says_none(tmp_path):
    child = spawn(tmp_path, "--session", "s.json")
    child.expect("the word `none` when every")
    child.expect(PROMPT)
    child.sendline("0")
    child.expect("'0' is not an answer here")
    child.expect("Red-flag screen: is any of these present")   # the question again, not only the hint
    child.expect(PROMPT)
    child.sendline("quit")
    finish(child)
    assert json.loads((tmp_path / "s.json").read_text())["answers"] == []


def test_unscreened_flags_head_the_result_the_note_and_how(tmp_path):
    child = spawn(tmp_path, "--session", "s.json")
    result = to_the_result(child, classic_with("none u8 u13"))
    head = result[result.index("SCREEN FIRST"):]
    assert "Red flags not yet screened: fever, night pain" in " ".join(head.split())
    assert result.index("SCREEN FIRST") < result.index("Red flags not yet screened")
    assert "Settled after" in result
    child.sendline("report note.md")
    child.expect("Report written to note.md")
    child.expect(PROMPT)
    child.sendline("how")
    child.expect("how STAGE or how RULE-ID")
    how = child.before
    child.expect(PROMPT)
    child.sendline("quit")
    finish(child)
    first_lines = (tmp_path / "note.md").read_text().split("## ")[0]
    assert "SCREEN FIRST" in first_lines and "Red flags not yet screened: fever, night pain unrelenting" in first_lines
    for internal in ("Evidence(", "Advice(", "CONTRACT", "cf=", "urgent_referral", "Undone:"):
        assert internal not in how
    assert "The gluteus minimus leads" in how and "Sources:" in how


def test_dont_know_to_everything_is_never_settled(tmp_path):
    child = spawn(tmp_path, "--session", "s.json")
    child.expect(PROMPT)
    child.sendline("u")
    child.expect(PROMPT)
    child.sendline("3 7 9 11")
    seen = ""
    for _ in range(45):
        index = child.expect([r"Review: Enter shows the result.*\n> ", PROMPT])
        seen += child.before
        if index == 0:
            break
        child.sendline("u")
    else:
        pytest.fail("the interview never ended")
    child.sendline("")
    child.expect("Next: ")
    result = child.before
    child.sendline("quit")
    finish(child)
    assert "Settled" not in seen + result
    assert "Not enough to go on after" in result and "INSUFFICIENT EVIDENCE" in result
    assert "Red flags not yet screened: saddle anesthesia" in " ".join(result.split())
    assert "palpat" in seen.lower(), "palpation was asked before giving up"


def test_progress_agrees_with_the_list_on_the_result(tmp_path):
    child = spawn(tmp_path, "--session", "s.json")
    child.expect(PROMPT)
    child.sendline("none")
    child.expect(PROMPT)
    child.sendline("3 7 9 11")
    child.expect(r"question 3 · this and about (\d+) more could change the conclusion")
    announced = int(child.match.group(1)) + 1
    child.expect(PROMPT)
    child.sendline("result")
    child.expect(r"Result so far, after 2 questions: (\d+) questions\s+could still change it")
    assert int(child.match.group(1)) == announced
    child.expect(r"Could still change it \((\d+)\):")
    assert int(child.match.group(1)) == announced
    child.expect("Next: ")
    child.sendline("quit")
    finish(child)


def test_answers_edit_keeps_later_answers_and_back_still_works(tmp_path):
    child = spawn(tmp_path, "--session", "s.json")
    child.expect(PROMPT)
    for typed in ("none", "3 7 9 11", "none", "n"):
        child.sendline(typed)
        child.expect(PROMPT)
    child.sendline("answers")
    child.expect("Answers so far \\(4\\)")
    child.expect("2. Pain map — buttock, lateral thigh, lateral knee, lateral calf")
    child.expect(PROMPT)
    child.sendline("edit 2")
    child.expect("new answer> ")
    child.sendline("lateral thigh 9")
    child.expect("Changed: Pain map — lateral thigh, lateral knee")
    child.expect(PROMPT)
    child.sendline("back")
    child.expect("Undone: ")
    child.expect(PROMPT)
    child.sendline("quit")
    finish(child)
    answers = json.loads((tmp_path / "s.json").read_text())["answers"]
    assert answers[1] == {"item": "pain_map", "value": ["lateral_thigh", "lateral_knee"]}
    assert len(answers) == 3 and answers[2]["item"] == "nerve_screen", "the later answer was kept; back undid the last"


def test_a_bad_answer_reprints_the_question_and_is_not_echoed_whole(tmp_path):
    child = spawn(tmp_path, "--session", "s.json")
    child.expect(PROMPT)
    child.sendline("none")
    child.expect(PROMPT)
    child.sendline("3 7 9 11")
    child.expect("none")
    child.expect(PROMPT)
    child.sendline("none")                 # the nerve screen
    child.expect(r"\[4\]")
    child.expect(PROMPT)
    child.sendline("x" * 3000)
    child.expect("not an answer")
    child.expect(r"\(3000 characters\)")
    child.expect(r"\[4\]")                # the question again
    child.expect(PROMPT)
    child.sendline("quit")
    finish(child)


def test_the_result_fits_a_40_row_60_column_terminal(tmp_path):
    child = spawn(tmp_path, "--session", "s.json", rows=40, columns=60)
    result = to_the_result(child, classic_with("none"))
    child.sendline("quit")
    finish(child)
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", result)
    screen = plain[plain.index("Settled after"):].splitlines()
    assert len(screen) <= 40 - 2, f"{len(screen)} lines: the headline would scroll away"
    assert "TREAT" in result and "Chain: gluteus minimus" in result
    assert max(len(line.rstrip()) for line in screen) <= 60


def test_report_picks_the_format_from_the_extension_and_never_overwrites(tmp_path):
    child = spawn(tmp_path, "--session", "s.json")
    to_the_result(child, classic_with("none"))
    for command, answer in [("report note.html", "Report written to note.html"),
                            ("report note.md", "Report written to note.md"),
                            ("report note.md", "note.md already exists: add --force"),
                            ("report note.md --force", "Report written to note.md"),
                            ("report note.json", "Report written to note.json"),
                            ("report case.yaml", "Case file written to case.yaml"),
                            ("export case.yaml", "case.yaml already exists"),
                            ("report note.txt", "choose the format by the extension")]:
        child.sendline(command)
        child.expect(answer)
        child.expect(PROMPT)
    child.sendline("quit")
    finish(child)
    assert (tmp_path / "note.html").read_text().startswith("<!DOCTYPE html>")
    assert (tmp_path / "note.md").read_text().startswith("# Clinical note")
    assert json.loads((tmp_path / "note.json").read_text())["unscreened_red_flags"] == []
    assert load_case(tmp_path / "case.yaml").tender_points == ["gluteus_minimus"]
    assert not (tmp_path / "note.txt").exists()


def test_intake_in_a_terminal_and_a_name_warned(tmp_path):
    child = spawn(tmp_path, "--session", "s.json", "--case", "John Smith", "--intake")
    child.expect("looks like a person's name")
    for field, typed in [("Age", "48"), ("Onset", "gradual"), ("Duration", "10"), ("Pain intensity", "11"),
                         ("Pain intensity", "6"), ("What makes it worse", "long drives"), ("Notes", "")]:
        child.expect(field)
        child.expect(": ")
        child.sendline(typed)
    child.expect("Intake: 48 years; gradual onset; 10 weeks; pain 6/10; worse with: long drives")
    child.expect("Red-flag screen")
    child.expect(PROMPT)
    child.sendline("quit")
    finish(child)
    data = json.loads((tmp_path / "s.json").read_text())
    assert data["history"] == {"age": 48, "onset": "gradual", "duration_weeks": 10, "pain_intensity": 6,
                               "aggravating": "long drives"}


def test_help_documents_piped_answers_and_exit_codes():
    import subprocess

    out = subprocess.run([COMMAND, "interview", "--help"], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "COLUMNS": "100"}).stdout
    for words in ("Piped answers", "Exit codes", "2 bad input", "130 interrupted", "--force", "none"):
        assert words in out, words
