import os
import shutil
import tempfile
from pathlib import Path

import myotrace.expert._compat  # noqa: F401  (before experta)
import pytest

# The knowledge snapshot cache of this test run (also for the myotrace processes tests start):
# never the user's own cache folder.
if "MYOTRACE_CACHE_DIR" not in os.environ:
    _CACHE = tempfile.TemporaryDirectory(prefix="myotrace-test-cache-")  # removed when pytest exits
    os.environ["MYOTRACE_CACHE_DIR"] = _CACHE.name

# The terminal size comes from each test: a COLUMNS or LINES inherited from the shell, or set
# by pytest-xdist in its workers (80x24), would override the size of a test's pseudo-terminal.
for _name in ("COLUMNS", "LINES"):
    os.environ.pop(_name, None)

from myotrace.expert.engine import get_engine  # noqa: E402

import profiles  # noqa: E402  (tests/profiles.py: the hypothesis profiles, ci unless MYOTRACE_HYPOTHESIS says)

profiles.load()

pytest_plugins = ["pytester"]

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
DRIVER_NAMES = ("chromedriver", "chromium-driver")
INSTALL_HINT = "Debian: apt-get install chromium chromium-driver; .ci/run does it"


def in_ci() -> bool:
    """CI=true (or 1/yes): every test must run; a skip is a failure."""
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def _which(names) -> str | None:
    return next((found for found in map(shutil.which, names) if found), None)


def _require(found: str | None, what: str) -> str:
    if found is None:
        message = f"{what} is not installed ({INSTALL_HINT})"
        if in_ci():
            pytest.fail(f"{message}; under CI=true the browser tests must run, not skip", pytrace=False)
        pytest.skip(message)
    return found


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """The Chromium executable for browser tests: skips locally, fails under CI when missing."""
    return _require(_which(CHROMIUM_NAMES), "Chromium")


@pytest.fixture(scope="session")
def chromedriver_path() -> str:
    """The Chromium WebDriver (Selenium, or Playwright's executable_path), same rule as chromium_path."""
    return _require(_which(DRIVER_NAMES), "chromedriver")


BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--hide-scrollbars"]


@pytest.fixture(scope="session")
def browser(chromium_path):
    """One headless Chromium, driven by Playwright, for every browser test of the run (a launch
    costs a second or more; each test opens its own context or page in it)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        message = "playwright is not installed (pip install -e '.[test]')"
        if in_ci():
            pytest.fail(f"{message}; under CI=true the browser tests must run, not skip", pytrace=False)
        pytest.skip(message)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path, args=BROWSER_ARGS)
        yield launched
        launched.close()


# The test files that take longest, longest first (summed test times of a full run, Dec 2026).
# pytest-xdist (--dist loadfile --no-loadscope-reorder) hands each free worker the next whole
# file in collection order; its default order, by number of tests, left the files of one slow
# test (the wheel, the simulated interviews) for the end, where one worker ran them while the
# other had finished. Longest first, the short files fill the end and the workers finish
# together. A file not listed runs after these, in its usual order; a stale list only costs time.
LONGEST_FIRST = [
    "test_properties.py", "test_safety_properties.py", "test_packaging.py", "test_interview_properties.py",
    "test_web_browser.py", "test_teach_views.py", "test_consult_room_browser.py", "test_web_api.py",
    "test_interview_pty.py", "test_hostile_fuzz.py", "test_teach_browser.py", "test_interview.py",
    "test_cli_polish.py", "test_hostile_sessions.py", "test_interview_cli.py", "test_html_browser.py",
    "test_web_hardening.py", "test_hostile_output.py", "test_explain.py", "test_reasoning.py",
]


def pytest_collection_modifyitems(items):
    """Whole files, longest first (LONGEST_FIRST); the order of tests within a file is kept."""
    rank = {name: number for number, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI=true a skipped test fails: the run must end with no test skipped."""
    outcome = yield
    report = outcome.get_result()
    if in_ci() and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true (every test must run in CI): {reason}"


@pytest.fixture(scope="session")
def engine():
    return get_engine()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`myotrace serve` on a new database, one per browser test module (port and token read from
    its output)."""
    from webserver import Server
    running = Server(tmp_path_factory.mktemp("serve") / "consultations.db").start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    """Where browser tests leave their screenshots and PDFs: $MYOTRACE_SHOTS, or a temporary folder."""
    folder = Path(os.environ.get("MYOTRACE_SHOTS") or tmp_path_factory.mktemp("shots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder
