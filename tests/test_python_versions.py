"""experta 1.9.4 with its frozendict 1.2 pin, through expert/_compat.py, on every Python the
package claims (3.11, 3.12, 3.13: its classifiers), each found on PATH or in pyenv.

A claimed version with no interpreter on the machine is a skip that names it, never a silent
gap: under CI=true a skip fails the run, so CI has to provide all three.

experta, frozendict and schema are pure Python, so each interpreter imports the copies this
venv holds (from a folder that holds only them and the myotrace package): the check is the
interpreter against the shim, not pip.
"""
import glob
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import experta
import frozendict
import schema

ROOT = Path(__file__).resolve().parent.parent
VERSIONS = ("3.11", "3.12", "3.13")


def reports_version(candidate: str, version: str) -> bool:
    """The interpreter runs and is ``version`` (a pyenv shim may exist but not run)."""
    try:
        result = subprocess.run([candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                                capture_output=True, text=True, timeout=30, check=False)
    except OSError:
        return False
    return result.returncode == 0 and result.stdout.strip() == version


def interpreters() -> dict[str, str]:
    found = {f"{sys.version_info.major}.{sys.version_info.minor}": sys.executable}
    for version in VERSIONS:  # the running interpreter counts for its own version
        candidates = sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{version}*/bin/python{version}")))
        candidates += [shutil.which(f"python{version}"), f"/usr/bin/python{version}"]
        for candidate in filter(None, candidates):
            if version not in found and os.access(candidate, os.X_OK) and reports_version(candidate, version):
                found[version] = candidate
    return found


FOUND = interpreters()

# A tiny engine: a rule that matches a fact and declares another (frozendict holds the fact values).
SCRIPT = """
import sys
import myotrace.expert._compat
import collections, collections.abc
from experta import Fact, KnowledgeEngine, Rule
assert collections.Mapping is collections.abc.Mapping

class Pain(Fact):
    pass

class Referred(Fact):
    pass

class Engine(KnowledgeEngine):
    @Rule(Pain(region="lateral_calf"))
    def refer(self):
        self.declare(Referred(muscle="gluteus_minimus"))

engine = Engine()
engine.reset()
engine.declare(Pain(region="lateral_calf"))
engine.run()
assert any(isinstance(f, Referred) for f in engine.facts.values())
print("%d.%d ok" % sys.version_info[:2])
"""


@pytest.fixture(scope="module")
def pure_site(tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("site")
    for module in (experta, frozendict):
        shutil.copytree(Path(module.__file__).parent, site / Path(module.__file__).parent.name,
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(schema.__file__, site)
    (site / "myotrace").mkdir()
    (site / "myotrace" / "__init__.py").write_text("", encoding="utf-8")
    shutil.copytree(ROOT / "expert", site / "myotrace" / "expert",
                    ignore=lambda folder, names: [n for n in names if n not in ("__init__.py", "_compat.py")])
    return site


def test_the_versions_checked_are_the_ones_the_package_claims():
    claimed = re.findall(r"Programming Language :: Python :: (3\.\d+)", (ROOT / "pyproject.toml").read_text())
    assert tuple(claimed) == VERSIONS


@pytest.mark.parametrize("version", VERSIONS)
def test_experta_imports_and_runs_through_the_shim(version, pure_site):
    if version not in FOUND:
        pytest.skip(f"no Python {version} on PATH or in pyenv (install it to check the claim)")
    result = subprocess.run([FOUND[version], "-I", "-c", f"import sys; sys.path.insert(0, {str(pure_site)!r})\n"
                             + SCRIPT], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{version} ok"
