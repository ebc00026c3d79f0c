"""Hostile text in every output, and outputs that fail (issue 10 "Output"; issue 9, escaping).

What the user typed (case id, notes, paths) is printed as typed and never obeyed:
no rich markup, no HTML or markdown structure, no terminal control sequence. A
full device or a closed pipe gives one line and a non-zero exit, and an output
path is checked before any work and never replaces anything but a regular file.
"""
import io
import json
import os
import stat
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
import yaml
from markdown_it import MarkdownIt
from rich.console import Console
from typer.testing import CliRunner

from casedata import CLASSIC
from clirun import run
from myotrace.cli import app
from myotrace.expert.errors import InputError
from myotrace.expert.files import write_atomic
from myotrace.expert.present.render import render_markdown, render_text
from myotrace.expert.present.safe import markdown, visible
from myotrace.expert.report import build_report

MYOTRACE = Path(sys.executable).parent / "myotrace"
ROOT = Path(__file__).resolve().parent.parent
CLASSIC_FILE = ROOT / "cases" / "gmin-lateral-classic.yaml"
runner = CliRunner()

CONTROLS = "\x1b[31m\x1b]0;owned\x07\x00\x08\x9b2J"
MARKDOWN_ATTACKS = [
    "x\n# injected heading",
    "<script>alert(1)</script>",
    "[click me](javascript:alert(1))",
    "<javascript:alert(1)>",
    "`rm -rf /`",
    "*em* _em_ **strong**",
    "| a | b |",
    "![img](http://example.org/x.png)",
    "# heading at the start",
    "line\r\n## second\u2028third",
    "trailing backslash \\",
    "&lt;already escaped&gt;",
]


def write_case(tmp_path: Path, case_id: str, notes: str | None = None, name: str = "c") -> Path:
    path = tmp_path / f"{name}.json"  # JSON: any string, controls included, survives the file format
    path.write_text(json.dumps(dict(CLASSIC, case=case_id, notes=notes)), encoding="utf-8")
    return path


def raw_controls(text: str, allowed: str = "\n") -> set[str]:
    return {c for c in text if unicodedata.category(c) in ("Cc", "Cs") and c not in allowed}


@pytest.fixture(scope="module")
def classic_report(engine):
    from myotrace.expert.casefile import load_case
    case = load_case(CLASSIC_FILE)
    return build_report(engine.consult(case), case)


# ---- rich markup ------------------------------------------------------------------------
@pytest.mark.parametrize("case_id", ["[/b]", "[left] side", "[bold red]loud", "a\\[b]", "[link=http://x]y"])
def test_text_report_prints_brackets_as_typed(tmp_path, case_id):
    result = runner.invoke(app, ["diagnose", str(write_case(tmp_path, case_id))])
    assert result.exit_code == 0, result.output
    assert f"case: {case_id}" in result.output


def test_interview_result_screen_prints_brackets_as_typed(tmp_path):
    from test_interview_cli import script_for
    result = runner.invoke(app, ["interview", "--session", str(tmp_path / "s.json"), "--case", "[/b][left]"],
                           input="".join(f"{line}\n" for line in script_for(CLASSIC_FILE)) + "quit\n")
    assert result.exit_code == 0, result.output
    assert "case: [/b][left]" in result.output


# ---- markdown -----------------------------------------------------------------------------
def markdown_tree(text: str):
    tokens = MarkdownIt("commonmark").parse(text)
    headings = [(t.tag, tokens[i + 1].content) for i, t in enumerate(tokens) if t.type == "heading_open"]
    html = MarkdownIt("commonmark").render(text)
    return headings, html, tokens


def heading_text(tokens) -> str:
    """The text a reader sees in the first h1 (entities and escapes resolved)."""
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h1":
            return "".join(child.content for child in tokens[i + 1].children
                           if child.type in ("text", "softbreak"))
    raise AssertionError("no h1")


@pytest.mark.parametrize("case_id", MARKDOWN_ATTACKS)
def test_markdown_report_shows_a_hostile_case_id_as_text(classic_report, case_id):
    text = render_markdown(classic_report.model_copy(update={"case": case_id}))
    headings, html, tokens = markdown_tree(text)
    assert [tag for tag, _ in headings].count("h1") == 1, headings
    assert heading_text(tokens) == f"myotrace report: {visible(case_id)}"
    for tag in ("<script", "<a ", "<img", "<code", "<em>", "<table", "javascript:alert(1)\""):
        assert tag not in html, (tag, html[:300])
    own_bold = 1 + bool(classic_report.screen_first_line())  # the triage line, and the unscreened red flags (§4)
    assert html.count("<strong>") == own_bold, "only the report's own headline lines are bold"


def test_markdown_leaves_ordinary_ids_readable_as_plain_text():
    """A hyphen or an equals sign inside a case id is no syntax: the raw note shows it as typed."""
    assert markdown("p-021 (left)") == "p-021 \\(left\\)"
    assert markdown("ratio a=b") == "ratio a=b"


@pytest.mark.parametrize("text", ["- item", "+ item", "  - item", "===", "---", "1. item", "2) item"])
def test_markdown_text_that_opens_a_line_makes_no_list_rule_or_underline(text):
    rendered = MarkdownIt("commonmark").render(f"heading\n{markdown(text)}\n")
    assert rendered.startswith("<p>heading\n") and rendered.count("<p>") == 1, rendered
    for tag in ("<ul", "<ol", "<hr", "<h1", "<h2"):
        assert tag not in rendered, (text, rendered)


def test_markdown_report_has_no_raw_control_character(classic_report):
    text = render_markdown(classic_report.model_copy(update={"case": CONTROLS}))
    assert not raw_controls(text)
    assert "\\x1b" in text


def test_interview_report_command_escapes_the_case_id(tmp_path):
    from test_interview_cli import script_for
    report = tmp_path / "r.md"
    result = runner.invoke(app, ["interview", "--session", str(tmp_path / "s.json"), "--case",
                                 "<script>x</script>\n# owned"],
                           input="".join(f"{line}\n" for line in script_for(CLASSIC_FILE) + [f"report {report}", "quit"]))
    assert result.exit_code == 0, result.output
    headings, html, _ = markdown_tree(report.read_text())
    assert "<script" not in html and [tag for tag, _ in headings].count("h1") == 1


# ---- control characters: terminal, explain, HTML, error messages --------------------------------
def test_text_report_shows_control_characters_visibly(tmp_path):
    result = runner.invoke(app, ["diagnose", str(write_case(tmp_path, "id" + CONTROLS, notes=CONTROLS))])
    assert result.exit_code == 0, result.output
    assert not raw_controls(result.output)
    assert "id\\x1b[31m" in result.output


def test_render_text_to_a_terminal_carries_no_control_from_the_case(classic_report):
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, color_system="truecolor", width=100)
    render_text(classic_report.model_copy(update={"case": CONTROLS}), console)
    out = buffer.getvalue()
    assert "\x07" not in out and "\x00" not in out and "\x9b" not in out and "]0;owned" not in out.replace(
        "\\x1b]0;owned", ""), "a control sequence from the case id reached the terminal"


def test_explain_shows_control_characters_visibly(tmp_path):
    result = runner.invoke(app, ["explain", str(write_case(tmp_path, "id" + CONTROLS))])
    assert result.exit_code == 0, result.output
    assert not raw_controls(result.output)
    assert "id\\x1b[31m" in result.output


def test_html_shows_control_characters_visibly(tmp_path):
    result = runner.invoke(app, ["diagnose", "--format", "html",
                                 str(write_case(tmp_path, "id" + CONTROLS, notes="a\nb" + CONTROLS))])
    assert result.exit_code == 0, result.output
    assert not raw_controls(result.stdout)
    assert "id\\x1b[31m" in result.stdout and "a\nb\\x1b" in result.stdout


def test_an_error_message_is_one_line_without_control_characters(tmp_path):
    path = tmp_path / "a\x1b]0;owned\x07\nb.yaml"
    path.write_text("pain: [buttok]\n")
    result = run("diagnose", path)  # in process; test_bad_input runs the console script's error path
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert not raw_controls(result.stderr)


# ---- lone surrogates, through a real stdout -------------------------------------------------------
@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "html"])
def test_a_lone_surrogate_never_breaks_an_output(tmp_path, fmt):
    path = tmp_path / "s.json"
    path.write_text('{"case": "a\\ud800b", "notes": "\\udfff", "pain": ["buttock"]}')
    result = subprocess.run([str(MYOTRACE), "diagnose", str(path), "--format", fmt], capture_output=True,
                            timeout=60, env=dict(os.environ, PYTHONIOENCODING="utf-8"))
    assert result.returncode == 0, result.stderr.decode()
    assert "a\ufffdb" in result.stdout.decode("utf-8")


def test_a_lone_surrogate_typed_as_the_case_id_never_breaks_the_interview(tmp_path):
    result = subprocess.run([os.fsencode(MYOTRACE), b"interview", b"--session", os.fsencode(tmp_path / "s.json"),
                             b"--case", b"caf\xe9"], input=b"result\nquit\n", capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    assert b"Traceback" not in result.stderr


# ---- failing outputs: full device, closed pipe ------------------------------------------------------
def many_cases(tmp_path, count=3) -> list[str]:
    return [str(write_case(tmp_path, f"c{i}", name=f"c{i}")) for i in range(count)]


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "html"])
def test_a_closed_pipe_is_one_line_and_non_zero(tmp_path, fmt):
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first byte: `| head -c0`
    try:
        result = subprocess.run([str(MYOTRACE), "diagnose", *many_cases(tmp_path), "--format", fmt, "--trace"],
                                stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(write_end)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr, result.stderr
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("error: "), result.stderr


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "html"])
def test_a_full_device_is_one_line_and_non_zero(tmp_path, fmt):
    with open("/dev/full", "w") as full:
        result = subprocess.run([str(MYOTRACE), "diagnose", *many_cases(tmp_path), "--format", fmt],
                                stdout=full, stderr=subprocess.PIPE, text=True, timeout=60)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr, result.stderr
    assert result.stderr.splitlines() == [result.stderr.strip()] and "No space left" in result.stderr


def test_debug_shows_the_traceback_of_an_output_failure(tmp_path):
    with open("/dev/full", "w") as full:
        result = subprocess.run([str(MYOTRACE), "--debug", "diagnose", *many_cases(tmp_path), "--format", "json"],
                                stdout=full, stderr=subprocess.PIPE, text=True, timeout=60)
    assert result.returncode != 0 and "Traceback" in result.stderr


# ---- output paths: checked first, never replacing what is not a regular file ---------------------------
def special_targets(tmp_path) -> dict[str, Path]:
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    link = tmp_path / "null.yaml"
    link.symlink_to("/dev/null")
    targets = {"fifo": fifo, "directory": folder, "symlink to /dev/null": link,
               "missing folder": tmp_path / "nowhere" / "x.yaml"}
    if os.geteuid() == 0:  # root may make a device: the case where a rename replaced /dev/full
        device = tmp_path / "full.yaml"
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 7))
        targets["device"] = device
    return targets


def kind(path: Path) -> str:
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return "absent"
    return stat.filemode(mode)[0]


def test_every_special_export_target_is_refused_before_the_first_question(tmp_path):
    for name, target in special_targets(tmp_path).items():
        before = kind(target)
        result = runner.invoke(app, ["interview", "--session", str(tmp_path / f"s-{len(name)}.json"),
                                     "--export", str(target)], input="none\n")
        assert result.exit_code == 2, (name, result.output)
        assert "Red-flag screen" not in result.output, f"{name}: asked a question before refusing"
        assert kind(target) == before, f"{name}: the path was replaced"
        assert not (tmp_path / f"s-{len(name)}.json").exists()


def test_report_command_refuses_a_special_file_and_keeps_it(tmp_path):
    """Piped, a report that cannot be written ends the run with exit 2 and the reason on stderr
    (a script must see the failure); the special file is left as it was, even with --force."""
    from test_interview_cli import script_for
    for number, (name, target) in enumerate(special_targets(tmp_path).items()):
        typed = script_for(CLASSIC_FILE) + [f"report {target} --force", "quit"]
        result = runner.invoke(app, ["interview", "--session", str(tmp_path / f"s{number}.json")],
                               input="".join(f"{line}\n" for line in typed))
        assert result.exit_code == 2, (name, result.output)
        assert "cannot write" in result.stderr, (name, result.stderr)
        assert kind(target) == {"missing folder": "absent", "directory": "d", "fifo": "p",
                                "symlink to /dev/null": "l", "device": "c"}[name], name


def test_writing_through_a_symlink_to_a_regular_file_updates_the_target(tmp_path):
    target = tmp_path / "real.md"
    target.write_text("old")
    link = tmp_path / "link.md"
    link.symlink_to(target)
    assert write_atomic(link, "new") == target
    assert link.is_symlink() and target.read_text() == "new"


def test_write_atomic_replaces_a_regular_file_and_refuses_the_rest(tmp_path):
    regular = tmp_path / "r.txt"
    regular.write_text("old")
    write_atomic(regular, "new")
    assert regular.read_text() == "new"
    for name, target in special_targets(tmp_path).items():
        before = kind(target)
        with pytest.raises(InputError):
            write_atomic(target, "x")
        assert kind(target) == before, name
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == []


# ---- a multi-case HTML report is streamed ----------------------------------------------------------
def test_html_report_writes_each_case_before_the_next_is_consulted(tmp_path, monkeypatch):
    from myotrace.expert import engine as engine_module
    consulted = []
    real = engine_module.get_engine()
    original = type(real).consult

    def counting(self, case):
        consulted.append(case.case)
        return original(self, case)

    monkeypatch.setattr(type(real), "consult", counting)
    seen_at_write = []

    class Recorder(io.StringIO):
        def write(self, text):
            if '<section class="case"' in text:
                seen_at_write.append(len(consulted))
            return super().write(text)

    recorder = Recorder()
    monkeypatch.setattr(sys, "stdout", recorder)
    from myotrace.cli import diagnose
    from myotrace.cli import Format
    paths = [Path(p) for p in many_cases(tmp_path, 4)]
    diagnose(paths, format=Format.html, trace=False)
    assert seen_at_write == [1, 2, 3, 4], "the sections were held until every case was consulted"
    page = recorder.getvalue()
    assert page.count("<!DOCTYPE html>") == 1 and page.count('<section class="case"') == 4
    assert page.rstrip().endswith("</html>")


def test_streamed_html_is_the_same_page_as_before(tmp_path, engine):
    from myotrace.expert.casefile import load_case
    from myotrace.expert.present.html import page, render_html
    paths = many_cases(tmp_path, 2)
    pages = []
    for path in paths:
        case = load_case(path)
        report = build_report(engine.consult(case), case)
        pages.append(page(report, engine, case))
    result = runner.invoke(app, ["diagnose", "--format", "html", *paths])
    assert result.stdout == render_html(pages)


def test_interview_screens_show_control_characters_visibly(tmp_path):
    session = tmp_path / "s\x1b]0;owned\x07.json"
    typed = ["none", "result", "quit"]
    result = runner.invoke(app, ["interview", "--session", str(session), "--case", "id" + CONTROLS],
                           input="".join(f"{line}\n" for line in typed))
    assert result.exit_code == 0, result.output
    assert not raw_controls(result.output), sorted(raw_controls(result.output))
    assert "s\\x1b]0;owned\\x07.json" in result.output and "id\\x1b[31m" in result.output
    # a control sequence typed as an answer: piped, a bad answer ends the interview (exit 2), shown visibly
    bad = runner.invoke(app, ["interview", "--resume", str(session)], input="\x1b[2J\n")
    assert bad.exit_code == 2, bad.output
    assert not raw_controls(bad.output) and "\\x1b[2" in bad.output.lower(), bad.output


@pytest.mark.parametrize("args", [["evaluate", str(CLASSIC_FILE)], ["rules"], ["explain", str(CLASSIC_FILE)],
                                  ["evaluate", str(CLASSIC_FILE), "--format", "json"]])
def test_every_command_meets_a_full_device_with_one_line(args):
    with open("/dev/full", "w") as full:
        result = subprocess.run([str(MYOTRACE), *args], stdout=full, stderr=subprocess.PIPE, text=True, timeout=60)
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [result.stderr.strip()] and "No space left" in result.stderr
