"""The built wheel, installed as a user would (issue 9).

One wheel, one top-level package (``myotrace``) plus its dist-info, the case library and the
knowledge base inside; installed into a fresh venv (no system site-packages) beside PyPI's
``rules`` package, every newcomer command works. Marked ``packaging``; it runs in CI like
every other test (about 30-60 s: it reuses pip's cache).
"""
import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

import myotrace

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.packaging


def run(command, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False, **kwargs)
    assert result.returncode == 0, f"{command}: exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # Build from a copy: setuptools writes build/ into the source folder, and a stale build/
    # could ship files that no longer exist.
    source = tmp_path_factory.mktemp("source") / "myotrace"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis"))
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "--disable-pip-version-check",
         "-w", str(out), str(source)])
    [built] = out.glob("myotrace-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> dict:
    """A fresh venv (without system site-packages) holding the wheel and PyPI's `rules`."""
    home = tmp_path_factory.mktemp("venv")
    # No pip inside (ensurepip is the slow part); this venv's pip installs into it (--python),
    # from PyPI through pip's cache.
    venv.EnvBuilder(with_pip=False, system_site_packages=False).create(home)
    python = home / "bin" / "python"
    run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--disable-pip-version-check",
         str(wheel), "rules"])
    work = tmp_path_factory.mktemp("cwd")  # not the repository: nothing importable by accident
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(MYOTRACE_CACHE_DIR=str(tmp_path_factory.mktemp("cache")), COLUMNS="80")
    return {"python": python, "script": home / "bin" / "myotrace", "cwd": work, "env": env, "home": home}


def in_venv(installed, *command: str) -> subprocess.CompletedProcess:
    return run(list(command), cwd=installed["cwd"], env=installed["env"])


def test_wheel_holds_one_package_with_its_data(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names}
    assert top == {"myotrace", f"myotrace-{myotrace.__version__}.dist-info"}, top
    assert "myotrace/cli.py" in names and "myotrace/__init__.py" in names
    library = {Path(name).name for name in names if name.startswith("myotrace/cases/")}
    assert library == {path.name for path in (ROOT / "cases").glob("*.yaml")}
    knowledge = {Path(name).name for name in names if name.startswith("myotrace/facts/knowledge/")}
    assert knowledge == {path.name for path in (ROOT / "facts" / "knowledge").glob("*.yaml")}
    assert not any(name.startswith(("myotrace/tests/", "myotrace/bench/")) for name in names)
    assert any(name.endswith("licenses/LICENSE") for name in names)


def test_installed_beside_pypi_rules_both_import(installed):
    result = in_venv(installed, str(installed["python"]), "-c",
                     "import sys, myotrace, rules; "
                     "assert not sys.flags.no_site; "
                     "print(myotrace.__file__); print(rules.__file__); print(rules.predicate)")
    mine, theirs, predicate = result.stdout.splitlines()
    site = str(installed["home"])
    assert mine.startswith(site) and theirs.startswith(site), result.stdout
    assert Path(theirs).parent.name == "rules" and "function" in predicate
    # myotrace's own rules live at myotrace.rules, not at the top level
    in_venv(installed, str(installed["python"]), "-c",
            "import myotrace.rules, rules; assert myotrace.rules is not rules; "
            "assert hasattr(myotrace.rules, 'MIXINS') and not hasattr(rules, 'MIXINS')")


def test_the_venv_does_not_see_system_packages(installed):
    config = (installed["home"] / "pyvenv.cfg").read_text(encoding="utf-8")
    assert "include-system-site-packages = false" in config


def test_newcomer_commands_work_from_the_wheel(installed):
    script = str(installed["script"])
    bare = in_venv(installed, script)
    assert bare.stdout.startswith("Usage: myotrace")
    assert in_venv(installed, script, "--version").stdout == f"myotrace {myotrace.__version__}\n"
    check = in_venv(installed, script, "kb", "check")
    assert "0 problem(s)" in check.stdout and "development check" in check.stdout
    library = len(list((ROOT / "cases").glob("*.yaml")))
    assert f"{library} passed, 0 failed" in in_venv(installed, script, "evaluate").stdout
    listing = in_venv(installed, script, "cases").stdout
    assert "gmin-lateral-classic" in listing and f"{library} cases" in listing
    assert "SAF-001" in in_venv(installed, script, "rules", "show", "SAF-001").stdout
    shown = in_venv(installed, script, "cases", "show", "gmin-lateral-classic").stdout
    assert shown.startswith("case: gmin-lateral-classic")
    practice = run([script, "practice", "--count", "1", "--seed", "3"], input="q\n",
                   cwd=installed["cwd"], env=installed["env"])
    assert "Case 1" in practice.stdout and "no case files" not in practice.stderr
