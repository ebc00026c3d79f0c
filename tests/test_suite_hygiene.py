"""The suite checks itself: every test can fail, and no expected failure hides a pass.

Read from the source (``ast``), for every ``tests/test_*.py`` file, present and future.

**A test must assert.** A test function (``test_*`` at module level, or in a ``Test*`` class)
passes the check when one of these holds:

- its body holds an ``assert`` statement, or calls ``pytest.raises``, ``pytest.warns`` or
  ``pytest.fail`` (nested functions and lambdas in the body count: a thread target or a
  callback that asserts is how some tests check);
- it calls a method named ``assert_...`` (pytester's ``assert_outcomes``, a mock's
  ``assert_called_once_with``);
- it calls, by name, a helper that passes this same check: a function of its own module or
  of another module in ``tests/`` (``from casedata import x``, ``import webserver``), followed
  through helpers that call helpers;
- it asks for a fixture (a parameter named like a ``@pytest.fixture`` of its module or of
  ``conftest.py``) whose body asserts, e.g. a page fixture that fails on any script error.

Waiting for something (``page.wait_for_selector``) is not an assertion: a test that only
waits has to say what it expects.

**No expected failure is silent.** ``xfail_strict = true`` is set in pyproject.toml, and no
test may write ``strict=False`` on an xfail nor call ``pytest.xfail()`` (which can never turn
into a failure when the behaviour comes back): an unexpected pass fails the run.
"""
from __future__ import annotations

import ast
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
RAISING = {"raises", "warns", "fail", "deprecated_call"}



@dataclass
class Module:
    name: str
    tree: ast.Module
    functions: dict[str, ast.FunctionDef] = field(default_factory=dict)
    fixtures: dict[str, ast.FunctionDef] = field(default_factory=dict)
    imported: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # local -> (module, name)


def _is_pytest_attr(node: ast.AST, names: set[str]) -> bool:
    """``pytest.<name>`` (a name of ``names``), or ``pytest.mark.<name>``."""
    return isinstance(node, ast.Attribute) and node.attr in names and isinstance(node.value, (ast.Name, ast.Attribute))


def _is_fixture(function: ast.FunctionDef) -> bool:
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Attribute) and target.attr == "fixture":
            return True
    return False


def parse(name: str, source: str, local: set[str]) -> Module:
    """The module's functions, fixtures, and the names it imports from ``local`` modules (tests/)."""
    tree = ast.parse(source)
    module = Module(name, tree)
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            module.functions[node.name] = node
            if _is_fixture(node):
                module.fixtures[node.name] = node
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    module.functions.setdefault(f"{node.name}.{item.name}", item)
                    if _is_fixture(item):
                        module.fixtures[item.name] = item
        elif isinstance(node, ast.ImportFrom) and node.module in local and not node.level:
            for alias in node.names:
                module.imported[alias.asname or alias.name] = (node.module, alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in local:
                    module.imported[alias.asname or alias.name] = (alias.name, None)
    return module


class Checker:
    """Which functions of the given modules assert (directly or through helpers and fixtures)."""

    def __init__(self, modules: dict[str, Module]):
        self.modules = modules
        self.memo: dict[tuple[str, str], bool] = {}

    def _callee(self, module: Module, call: ast.Call) -> tuple[str, str] | None:
        func = call.func
        if isinstance(func, ast.Name):
            if func.id in module.functions:
                return module.name, func.id
            if func.id in module.imported:
                source, name = module.imported[func.id]
                return (source, name) if name else None
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            source = module.imported.get(func.value.id)
            if source and source[1] is None:
                return source[0], func.attr
        return None

    def asserts(self, module_name: str, function_name: str) -> bool:
        key = (module_name, function_name)
        if key in self.memo:
            return self.memo[key]
        self.memo[key] = False  # a cycle of helpers proves nothing
        module = self.modules.get(module_name)
        function = module.functions.get(function_name) if module else None
        found = function is not None and self._body_asserts(module, function)
        self.memo[key] = found
        return found

    def _body_asserts(self, module: Module, function: ast.FunctionDef) -> bool:
        for node in ast.walk(function):
            if isinstance(node, ast.Assert):
                return True
            if isinstance(node, ast.Call):
                if _is_pytest_attr(node.func, RAISING) and getattr(node.func.value, "id", None) == "pytest":
                    return True
                if isinstance(node.func, ast.Attribute) and node.func.attr.startswith("assert_"):
                    return True
                callee = self._callee(module, node)
                if callee and callee != (module.name, function.name) and self.asserts(*callee):
                    return True
        return False

    def fixture_asserts(self, module: Module, name: str) -> bool:
        """The fixture a parameter names: the module's own, one it imports, or conftest's."""
        if name in module.imported and module.imported[name][1]:
            source, original = module.imported[name]
            owner = self.modules.get(source)
            if owner and original in owner.fixtures:
                return self._body_asserts(owner, owner.fixtures[original])
        for owner in (module, self.modules.get("conftest")):
            if owner and name in owner.fixtures:
                return self._body_asserts(owner, owner.fixtures[name])
        return False

    def test_asserts(self, module: Module, name: str) -> bool:
        function = module.functions[name]
        if self.asserts(module.name, name):
            return True
        arguments = [a.arg for a in function.args.args + function.args.kwonlyargs]
        return any(self.fixture_asserts(module, argument) for argument in arguments)


def collected(module: Module) -> list[str]:
    names = []
    for node in module.tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
            names.append(node.name)
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            names += [f"{node.name}.{item.name}" for item in node.body
                      if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name.startswith("test")]
    return names


def without_assertion(modules: dict[str, Module]) -> list[str]:
    checker = Checker(modules)
    return [f"{module.name}.py::{name}" for module in modules.values() if module.name.startswith("test_")
            for name in collected(module) if not checker.test_asserts(module, name)]


def _keyword(call: ast.Call, name: str):
    return next((k.value for k in call.keywords if k.arg == name), None)


def non_strict_xfails(module: Module) -> list[tuple[str, int, str]]:
    """(test or '<module>', line, what) for each xfail that could pass silently."""
    found = []

    def scan(node: ast.AST, owner: str) -> None:
        for inner in ast.walk(node):  # a function's walk includes its decorators
            if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute) and inner.func.attr == "xfail":
                if isinstance(inner.func.value, ast.Name) and inner.func.value.id == "pytest":
                    found.append((owner, inner.lineno, "pytest.xfail() inside a test cannot turn into a failure"))
                strict = _keyword(inner, "strict")
                if strict is not None and not (isinstance(strict, ast.Constant) and strict.value is True):
                    found.append((owner, inner.lineno, "xfail(strict=...) that is not True"))

    for node in module.tree.body:
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                scan(item, f"{node.name}.{item.name}" if isinstance(item, ast.FunctionDef) else node.name)
        else:
            scan(node, node.name if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else "<module>")
    return found


def load_suite() -> dict[str, Module]:
    paths = sorted(TESTS.glob("*.py"))
    local = {path.stem for path in paths}
    return {path.stem: parse(path.stem, path.read_text(encoding="utf-8"), local) for path in paths}


SUITE = load_suite()


# ---- the suite ------------------------------------------------------------------------------
def test_every_test_in_the_suite_asserts():
    missing = without_assertion(SUITE)
    assert not missing, "tests that cannot fail (no assert, no pytest.raises, no asserting helper): " + \
        ", ".join(missing)


def test_the_suite_has_no_silent_xfail():
    found = [(f"{name}.py", owner, line, what) for name, module in SUITE.items()
             for owner, line, what in non_strict_xfails(module)]
    assert not found, f"an xfail that may pass unnoticed: {found}"


def test_xfail_is_strict_by_default():
    options = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]
    assert options.get("xfail_strict") is True


def test_hypothesis_runs_the_profile_asked_for():
    """The ci profile (150 derandomized examples) unless MYOTRACE_HYPOTHESIS=dev outside CI."""
    import os

    from hypothesis import settings

    import profiles
    current = settings()
    if os.environ.get("MYOTRACE_HYPOTHESIS", "ci") == "ci":
        assert (current.max_examples, current.derandomize, current.database) == (150, True, None)
    else:
        assert current.max_examples == profiles.EXAMPLES["dev"] and not current.derandomize
    assert profiles.at_most(40) == min(40, current.max_examples)


# ---- the check itself can fail --------------------------------------------------------------
HELPERS = '''
import pytest

def check(x):
    assert x

def indirect(x):
    check(x)

def quiet(x):
    return x
'''

SAMPLE = '''
import pytest
from helpers_sample import indirect, quiet
import helpers_sample

@pytest.fixture
def verified():
    yield 1
    assert True

@pytest.fixture
def plain():
    return 1

def test_assert():
    assert 1

def test_raises():
    with pytest.raises(ValueError):
        int("x")

def test_through_a_helper_of_a_helper():
    indirect(1)

def test_through_a_module_attribute():
    helpers_sample.check(1)

def test_through_a_nested_callback():
    def callback(value):
        assert value
    callback(1)

def test_through_a_fixture(verified):
    print(verified)

def test_nothing():
    quiet(1)

def test_only_a_plain_fixture(plain):
    print(plain)

def test_fail_by_hand():
    pytest.fail("no")

def test_an_assert_method(pytester):
    pytester.runpytest().assert_outcomes(passed=1)

def test_only_waits(page):
    page.wait_for_selector("#done")

class TestGroup:
    def test_method_without(self):
        pass

@pytest.mark.xfail(strict=False, reason="x")
def test_silent_xfail():
    assert False

@pytest.mark.xfail(strict=True, reason="x")
def test_strict_xfail():
    assert False

@pytest.mark.parametrize("x", [pytest.param(1, marks=pytest.mark.xfail(strict=False))])
def test_silent_param(x):
    assert x

def test_imperative():
    pytest.xfail("later")
'''


def sample_modules() -> dict[str, Module]:
    local = {"helpers_sample", "test_sample"}
    return {"helpers_sample": parse("helpers_sample", HELPERS, local), "test_sample": parse("test_sample", SAMPLE, local)}


def test_the_assertion_check_finds_tests_that_cannot_fail():
    missing = without_assertion(sample_modules())
    assert missing == ["test_sample.py::test_nothing", "test_sample.py::test_only_a_plain_fixture",
                       "test_sample.py::test_only_waits", "test_sample.py::TestGroup.test_method_without", "test_sample.py::test_imperative"]


def test_the_xfail_check_finds_every_silent_form():
    found = non_strict_xfails(sample_modules()["test_sample"])
    assert sorted((owner, what.split(" ")[0]) for owner, _, what in found) == [
        ("test_imperative", "pytest.xfail()"), ("test_silent_param", "xfail(strict=...)"),
        ("test_silent_xfail", "xfail(strict=...)")]
