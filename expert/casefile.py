"""Case files: read safely (size, encoding, YAML with the safe loader, then pydantic), and written
back from a case (an interview's answers) in the form they are read."""
import json
import os
from pathlib import Path

import yaml
from pydantic import ValidationError

from myotrace.expert.errors import InputError, allowed_list, did_you_mean
from myotrace.expert.files import read_limited
from myotrace.expert.present.safe import clean
from myotrace.facts.case import HISTORY_HINTS, Case, Expectation, History
from myotrace.facts.vocabulary import CONDITIONS, FINDINGS, MUSCLES, REGIONS, SCREENS, SIDES, TRIAGE_LEVELS

MAX_BYTES = 1024 * 1024
CASE_SUFFIXES = (".yaml", ".yml", ".json")

# What each place in a case file may hold, for error messages.
_VOCABULARY = {
    "pain": ("pain region", REGIONS),
    "tender_points": ("muscle", MUSCLES),
    "non_tender": ("muscle", MUSCLES),
    "findings": ("finding", FINDINGS),
    "side": ("side", SIDES),
    "triage": ("triage level", TRIAGE_LEVELS),
    "primary_muscle": ("muscle", MUSCLES),
    "chain": ("muscle", MUSCLES),
    "conditions": ("condition", CONDITIONS),
    "screened": ("screen", tuple(SCREENS)),
}
_KEYS = {"case": tuple(Case.model_fields), "expect": tuple(Expectation.model_fields),
         "history": tuple(History.model_fields)}


def read_text(path: Path) -> str:
    """The file's text, or an InputError saying why it cannot be a case file."""
    data = read_limited(path, MAX_BYTES, "case file")
    if b"\0" in data:
        raise InputError(f"{path}: is a binary file, not a YAML or JSON case file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path}: is not UTF-8 text; save the case file as UTF-8") from None
    if not text.strip():
        raise InputError(f"{path}: is empty; a case needs at least a pain map or findings")
    return text


def value_problem(error: ValueError) -> str:
    """A ValueError raised while parsing (not a syntax error), in words."""
    message = str(error)
    if "digits" in message:  # CPython refuses int(str) of more than sys.get_int_max_str_digits() digits
        return "a number has more than 4300 digits; give short values"
    return message.splitlines()[0][:200] if message else type(error).__name__


class _Refused(yaml.YAMLError):
    """Plain YAML that a case file must not use; ``problem_mark`` says where."""

    def __init__(self, problem: str, mark):
        super().__init__(problem)
        self.problem, self.problem_mark = problem, mark


class _CaseLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """The safe loader, minus two traps: a repeated key silently overwrites the
    first (a red flag could vanish), and aliases can expand a small file into
    billions of items."""

    def construct_object(self, node, deep=False):
        if node in self.constructed_objects or node in self.recursive_objects:
            raise _Refused("anchors and aliases (&name, *name) are not allowed in case files",
                           node.start_mark)
        return super().construct_object(node, deep=deep)

    def construct_mapping(self, node, deep=False):
        """SafeConstructor's mapping, refusing a key that appears twice."""
        self.flatten_mapping(node)
        mapping = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                repeated = key in mapping
            except TypeError:
                raise _Refused("a key must be a plain word, not a list or mapping", key_node.start_mark) from None
            if repeated:
                raise _Refused(f"key '{key}' appears twice", key_node.start_mark)
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


def _no_repeated_keys(pairs):
    data = {}
    for key, value in pairs:
        if key in data:
            raise InputError(f"key '{key}' appears twice")
        data[key] = value
    return data


def decode_json(text: str, not_json: str, damaged: str, **options) -> object:
    """JSON text as plain data, every failure one InputError line.

    ``not_json`` heads a syntax error (its line number and message follow it), ``damaged``
    heads valid JSON a myotrace file must not hold: a key given twice, nesting too deep for
    the parser, a number too long to read. ``options`` go to ``json.loads``.
    """
    try:
        return json.loads(text, object_pairs_hook=_no_repeated_keys, **options)
    except json.JSONDecodeError as error:
        raise InputError(f"{not_json}line {error.lineno}: {error.msg}") from None
    except InputError as error:
        raise InputError(f"{damaged}: {error}") from None
    except RecursionError:
        raise InputError(f"{damaged}: nested too deeply") from None
    except ValueError as error:
        raise InputError(f"{damaged}: {value_problem(error)}") from None


def parse(text: str, path: Path) -> object:
    if path.suffix == ".json":
        return decode_json(text, f"{path}: not valid JSON, ", f"{path}: not valid as a case file")
    try:
        return yaml.load(text, Loader=_CaseLoader)
    except yaml.constructor.ConstructorError as error:
        if "tag" not in str(error.problem):
            raise InputError(f"{path}: not valid as a case file: {error.problem}") from None
        raise InputError(
            f"{path}: YAML tag not allowed ({error.problem}); case files hold plain data only"
        ) from None
    except _Refused as error:
        raise InputError(f"{path}: line {error.problem_mark.line + 1}: {error.problem}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        context = getattr(error, "context", None)
        if context and context.startswith("expected"):
            problem = f"{context}, {problem}"  # "expected a single document in the stream, but found another"
        lines = text.splitlines()
        if mark and mark.line < len(lines) and "\t" in lines[mark.line]:
            problem += " (indent with spaces: YAML does not allow tabs)"
        raise InputError(f"{path}: not valid YAML{where}: {problem}") from None
    except RecursionError:
        raise InputError(f"{path}: not valid YAML: nested too deeply") from None
    except (ValueError, OverflowError) as error:  # a huge integer, a timestamp such as 2024-13-45
        raise InputError(f"{path}: not valid as a case file: {value_problem(error)}") from None


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def describe(error: ValidationError) -> str:
    """One line for the first problem pydantic found."""
    first = error.errors()[0]
    loc = [part for part in first["loc"]]
    kind = first["type"]
    value = first.get("input")
    if kind == "extra_forbidden":
        section = loc[0] if loc[0] in ("expect", "history") else "case"
        key = loc[-1]
        where = "" if section == "case" else f" in {section}"
        return (f"unknown key '{_clip(str(key))}'{where} (allowed: {allowed_list(_KEYS[section])})"
                f"{did_you_mean(key, _KEYS[section])}")
    if len(loc) > 1 and loc[0] == "history" and loc[1] in HISTORY_HINTS:
        return f"history.{loc[1]}: {_clip(repr(value))} is not valid; give {HISTORY_HINTS[loc[1]]}"
    field = next((str(p) for p in reversed(loc) if isinstance(p, str) and p in _VOCABULARY), None)
    if kind in ("literal_error", "enum") and field:
        what, allowed = _VOCABULARY[field]
        if "[key]" in loc:
            value = loc[loc.index("[key]") - 1]
        return (f"unknown {what} '{_clip(str(value))}' in {field} (allowed: {allowed_list(allowed)})"
                f"{did_you_mean(value, allowed)}")
    place = ".".join(str(p) for p in loc if p != "[key]") or "case"
    message = first["msg"].removeprefix("Value error, ")
    if kind in ("list_type", "dict_type", "model_type", "string_type", "bool_type"):
        return f"{place}: {message}, got {type(value).__name__} {_clip(repr(value))}"
    return f"{place}: {_clip(message, 200)}"


def validate(data: object, source: str) -> Case:
    if not isinstance(data, dict):
        raise InputError(
            f"{source}: a case file must be a mapping with keys such as pain, findings"
            f" (got {type(data).__name__})"
        )
    try:
        case = Case.model_validate(data)
    except ValidationError as error:
        raise InputError(f"{source}: {describe(error)}") from None
    except RecursionError:
        raise InputError(f"{source}: not valid as a case file: nested too deeply") from None
    return case.model_copy(update={"case": clean(case.case), "notes": clean(case.notes)})


def load_case(path: Path | str) -> Case:
    path = Path(path)
    case = validate(parse(read_text(path), path), str(path))
    if case.case is None:
        case = case.model_copy(update={"case": clean(path.stem)})
    return case


def case_paths(paths, skipped: list[str] | None = None) -> list[Path]:
    """Case files named directly, or found in folders (sorted, recursive). In a folder, a name with a
    case suffix that is not a regular file (a FIFO, a device, a folder) is left out, and said so in
    ``skipped`` when a list is given."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            for candidate in sorted(p for p in path.rglob("*") if p.suffix in CASE_SUFFIXES):
                if candidate.is_file():
                    found.append(candidate)
                elif skipped is not None:
                    skipped.append(f"{candidate}: not a regular file ({_kind(candidate)}); left out")
        else:
            found.append(path)
    return found


def _kind(path: Path) -> str:
    from myotrace.expert.files import _kind as kind_of_mode
    try:
        return kind_of_mode(os.stat(path).st_mode)
    except OSError as error:  # a symlink to nothing
        return (error.strerror or "cannot be read").lower()


def case_yaml(case: Case, unpalpable=(), note: str | None = None) -> str:
    """A case file that ``diagnose``, ``explain`` and ``evaluate`` accept."""

    def dump(key, value, flow):
        if flow:  # a short list on one line: pain: [buttock, lateral_thigh]
            return f"{key}: " + yaml.safe_dump(value, default_flow_style=True, width=1000)
        return yaml.safe_dump({key: value}, sort_keys=False, allow_unicode=True,
                              default_flow_style=False, width=100)

    out = []
    if case.case:
        out.append(dump("case", case.case, False))
    if case.side:
        out.append(dump("side", case.side, False))
    out.append(dump("pain", list(case.pain), True))
    out.append(dump("findings", dict(case.findings), False) if case.findings else "findings: {}\n")
    out.append(dump("tender_points", list(case.tender_points), True))
    out.append(dump("non_tender", list(case.non_tender), True))
    if case.history and not case.history.is_empty():
        out.append(dump("history", case.history.model_dump(exclude_none=True), False))
    notes = [text for text in (case.notes, note) if text]
    if unpalpable:
        notes.append("palpation not possible or not conclusive: " + ", ".join(unpalpable))
    if notes:
        out.append(dump("notes", "; ".join(notes), False))
    return "".join(out)
