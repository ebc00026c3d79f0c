"""The intake (the case file's ``history``: age, onset, duration, pain 0-10): validated strictly, accepted by case files, exported, shown in reports."""
import json
import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from myotrace.expert.casefile import load_case
from myotrace.expert.engine import get_engine
from myotrace.expert.errors import InputError
from myotrace.expert.interview.store import case_yaml
from myotrace.expert.present.render import render_markdown
from myotrace.expert.report import build_report
from myotrace.facts.case import Case, History

INTAKE = {"age": 48, "onset": "gradual", "duration_weeks": 10, "pain_intensity": 6, "aggravating": "long drives"}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "h.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_history_summary_reads_as_one_line():
    assert History(**INTAKE).summary() == "48 years; gradual onset; 10 weeks; pain 6/10; worse with: long drives"
    assert History(duration_weeks=1).summary() == "1 week"
    assert History().summary() == "not recorded" and History().is_empty()


@pytest.mark.parametrize("field, value", [
    ("age", "48"), ("age", True), ("age", -1), ("age", 121), ("pain_intensity", 11), ("pain_intensity", 6.5),
    ("duration_weeks", -2), ("onset", "slowly"), ("aggravating", "x" * 301), ("name", "Jane"),
])
def test_history_ranges_are_strict(field, value):
    with pytest.raises(ValidationError):
        History(**{field: value})


@pytest.mark.parametrize("body, words", [
    ("history: {agee: 48}", ["unknown key 'agee' in history", "did you mean 'age'"]),
    ("history: {age: 200}", ["history.age", "200", "0 to 120"]),
    ("history: {onset: slowly}", ["history.onset", "sudden or gradual"]),
    ("history: {pain_intensity: 12}", ["history.pain_intensity", "0 (no pain) to 10"]),
])
def test_bad_history_in_a_case_file_is_one_clear_line(tmp_path, body, words):
    with pytest.raises(InputError) as error:
        load_case(write(tmp_path, f"pain: [buttock]\n{body}\n"))
    message = str(error.value)
    assert "\n" not in message
    for word in words:
        assert word in message, message


def test_history_goes_through_case_file_report_and_export(tmp_path):
    text = "pain: [buttock]\nnotes: seen at home\nhistory:\n" + "".join(f"  {k}: {v}\n" for k, v in INTAKE.items())
    case = load_case(write(tmp_path, text))
    assert case.history == History(**INTAKE)
    report = build_report(get_engine().consult(case), case)
    unescaped = re.sub(r"\\(.)", r"\1", render_markdown(report))  # markdown escapes user text's punctuation
    assert "History: 48 years; gradual onset; 10 weeks; pain 6/10" in unescaped
    assert "history" not in json.loads(report.to_json()), "the JSON keys stay the contract's"
    exported = tmp_path / "again.yaml"
    exported.write_text(case_yaml(case, (), "exported by a test"))
    again = load_case(exported)
    assert again.history == case.history
    assert "seen at home" in again.notes and "exported by a test" in again.notes


def test_a_case_without_history_is_unchanged():
    case = Case(pain=["buttock"])
    assert case.history is None
    assert "history" not in case_yaml(case)
