"""Under CI=true a skipped test is a failure (tests/conftest.py), so CI cannot pass without the browser."""
from pathlib import Path

import pytest

CONFTEST = Path(__file__).with_name("conftest.py").read_text(encoding="utf-8")
TESTS = '''
import pytest

def test_skips():
    pytest.skip("no browser here")

def test_needs_chromium(chromium_path):
    assert chromium_path

def test_runs():
    pass

@pytest.mark.xfail(reason="known", strict=True)
def test_expected_failure():
    assert False
'''


@pytest.fixture
def suite(pytester, monkeypatch):
    pytester.makeconftest(CONFTEST.replace('pytest_plugins = ["pytester"]\n', ""))
    pytester.makepyfile(test_sample=TESTS)
    monkeypatch.setenv("PATH", str(pytester.path))  # no chromium on this PATH
    return pytester


def test_under_ci_a_skip_fails(suite, monkeypatch):
    monkeypatch.setenv("CI", "true")
    result = suite.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1, errors=1, xfailed=1)
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*Chromium is not installed*under CI=true*"])


def test_outside_ci_a_missing_browser_skips(suite, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    result = suite.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, skipped=2, xfailed=1)
