"""web/ holds routes, templates and request handling only: the clinical and teaching reasoning lives in
the interview state machine and the teaching modules, which the terminal runs too.

No module of expert/web/ (nor a template) names a rule id, and none reaches the engine except the
service module SERVICE: the consultation service (expert/web/consult.py), which holds the engine lock
and drives the interview state machine.
"""
import ast
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

pytest.importorskip("starlette")
import myotrace.expert.web as web  # noqa: E402

SERVICE = "myotrace.expert.web.consult"
RULE_ID = re.compile(r"\b[A-Z]{3}-\d{3}\b")
ENGINE_NAMES = {"get_engine", "MyoEngine", "rule_catalogue", "engine"}  # the engine and what it holds
ENGINE_CALLS = {"consult", "pending", "facts_of", "get_rules", "declare"}  # methods only an engine has
ENGINE_MODULES = ("myotrace.expert.engine", "myotrace.rules")


def problems(source: str) -> list[str]:
    """Rule-id literals and engine use in one module's source, each as 'line N: what'."""
    found = []
    for node in ast.walk(ast.parse(source)):
        line = getattr(node, "lineno", "?")
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and RULE_ID.search(node.value):
            found.append(f"line {line}: rule id {RULE_ID.search(node.value).group()}")
        elif isinstance(node, ast.Name) and node.id in ENGINE_NAMES:
            found.append(f"line {line}: {node.id}")
        elif isinstance(node, ast.Attribute) and node.attr in ENGINE_NAMES:
            found.append(f"line {line}: .{node.attr}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ENGINE_CALLS:
            found.append(f"line {line}: .{node.func.attr}()")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(ENGINE_MODULES):
            found.append(f"line {line}: imports {node.module}")
        elif isinstance(node, ast.ImportFrom) and any(alias.name in ENGINE_NAMES for alias in node.names):
            found.append(f"line {line}: imports {', '.join(a.name for a in node.names if a.name in ENGINE_NAMES)}")
        elif isinstance(node, ast.Import) and any(a.name.startswith(ENGINE_MODULES) for a in node.names):
            found.append(f"line {line}: imports {', '.join(a.name for a in node.names)}")
    return found


def web_modules() -> list[str]:
    return sorted(info.name for info in pkgutil.walk_packages(web.__path__, web.__name__ + "."))


def test_the_detector_catches_what_it_must():
    assert problems('HINT = "see SAF-006"')
    assert problems("from myotrace.expert.engine import get_engine\nget_engine().consult(case)")
    assert problems("def f(interview):\n    return interview.engine.kb")
    assert problems("def f(e, c):\n    e.consult(c)\n    return e.pending()")
    assert problems("from myotrace.rules.meta import STAGES")
    assert not problems("def f(interview):\n    return interview.kb, interview.report.triage")


def test_the_web_package_is_all_here():
    names = web_modules()
    assert SERVICE in names and {"myotrace.expert.web.teach", "myotrace.expert.web.pages"} <= set(names)


@pytest.mark.parametrize("name", web_modules())
def test_no_rule_ids_and_no_engine_outside_the_service(name):
    module = importlib.import_module(name)
    found = problems(Path(module.__file__).read_text(encoding="utf-8"))
    if name == SERVICE:
        found = [f for f in found if "rule id" in f]
    assert not found, f"{name}: " + "; ".join(found)


def test_no_template_names_a_rule_id():
    templates = Path(web.__file__).parent / "templates"
    named = {path.name: RULE_ID.findall(path.read_text(encoding="utf-8")) for path in templates.glob("*.html")}
    assert named and not any(named.values()), {k: v for k, v in named.items() if v}
