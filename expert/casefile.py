"""Read case files safely: size, encoding, YAML (safe loader), then pydantic."""
import json
from pathlib import Path

import yaml
from pydantic import ValidationError

from expert.errors import InputError, allowed_list, did_you_mean
from facts.case import Case, Expectation
from facts.vocabulary import CONDITIONS, FINDINGS, MUSCLES, REGIONS, SIDES, TRIAGE_LEVELS

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
}
_KEYS = {"case": tuple(Case.model_fields), "expect": tuple(Expectation.model_fields)}


def read_text(path: Path) -> str:
    """The file's text, or an InputError saying why it cannot be a case file."""
    if not path.exists():
        raise InputError(f"{path}: no such file; check the path")
    if path.is_dir():
        raise InputError(f"{path}: is a directory; give a case file (evaluate takes folders)")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise InputError(f"{path}: {size} bytes is over the 1 MiB limit for a case file; is this the right file?")
    data = path.read_bytes()
    if b"\0" in data:
        raise InputError(f"{path}: is a binary file, not a YAML or JSON case file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path}: is not UTF-8 text; save the case file as UTF-8") from None
    if not text.strip():
        raise InputError(f"{path}: is empty; a case needs at least a pain map or findings")
    return text


def parse(text: str, path: Path) -> object:
    if path.suffix == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise InputError(f"{path}: not valid JSON (line {error.lineno}): {error.msg}") from None
    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.constructor.ConstructorError as error:
        raise InputError(
            f"{path}: YAML tag not allowed ({error.problem}); case files hold plain data only"
        ) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise InputError(f"{path}: not valid YAML{where}: {problem}") from None


def describe(error: ValidationError) -> str:
    """One line for the first problem pydantic found."""
    first = error.errors()[0]
    loc = [part for part in first["loc"]]
    kind = first["type"]
    value = first.get("input")
    if kind == "extra_forbidden":
        section = "expect" if loc[0] == "expect" else "case"
        key = loc[-1]
        return (f"unknown key '{key}' (allowed: {allowed_list(_KEYS[section])})"
                f"{did_you_mean(key, _KEYS[section])}")
    field = next((str(p) for p in reversed(loc) if isinstance(p, str) and p in _VOCABULARY), None)
    if kind in ("literal_error", "enum") and field:
        what, allowed = _VOCABULARY[field]
        if "[key]" in loc:
            value = loc[loc.index("[key]") - 1]
        return (f"unknown {what} '{value}' in {field} (allowed: {allowed_list(allowed)})"
                f"{did_you_mean(value, allowed)}")
    place = ".".join(str(p) for p in loc if p != "[key]") or "case"
    message = first["msg"].removeprefix("Value error, ")
    if kind in ("list_type", "dict_type", "model_type", "string_type", "bool_type"):
        return f"{place}: {message}, got {type(value).__name__} {value!r}"
    return f"{place}: {message}"


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
    return case


def load_case(path: Path | str) -> Case:
    path = Path(path)
    case = validate(parse(read_text(path), path), str(path))
    if case.case is None:
        case = case.model_copy(update={"case": path.stem})
    return case


def case_paths(paths) -> list[Path]:
    """Case files named directly, or found in folders (sorted, recursive)."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix in CASE_SUFFIXES and p.is_file()))
        else:
            found.append(path)
    return found
