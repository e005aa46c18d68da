"""Framework files: reading YAML or JSON safely, validating, and writing them back out.

Validation has two steps, both before anything is written: the JSON Schema
(data/frameworks/framework.schema.json) for shape and types, then the domain's cross-field
checks. Every failure is a FrameworkFileError whose message starts with the bad field's path.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from portfolio.domain.errors import FrameworkFileError
from portfolio.domain.programs.documents import check_framework, normalise_document

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

SCHEMA_PATH = Path(__file__).resolve().parents[3] / "data" / "frameworks" / "framework.schema.json"
MAX_FILE_BYTES = 5 * 1024 * 1024
FORMATS = ("yaml", "json")
TYPE_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "object": "a mapping of fields",
    "array": "a list",
}


@functools.cache
def _validator() -> Draft202012Validator:
    # Imported at first use: jsonschema takes about 0.3 s to import, in every process that makes
    # the app, and only framework imports and edits validate.
    from jsonschema import Draft202012Validator

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def validate_document(document: Any) -> dict[str, Any]:
    """Check a framework document (schema, then domain); returns its normalised form."""
    if not isinstance(document, Mapping):
        raise FrameworkFileError(_not_a_mapping(document))
    try:
        check_plain_data(document)
        errors = sorted(_validator().iter_errors(document), key=_document_order)
    except RecursionError as exc:
        raise FrameworkFileError("The document is nested too deeply.") from exc
    if errors:
        raise _schema_error(errors[0])
    check_framework(document)
    return normalise_document(document)


def check_plain_data(value: Any, path: str = "") -> None:
    """Refuse what JSON cannot store (YAML dates, non-text keys, NaN), naming where it is."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise FrameworkFileError("field names must be text", path or "(top level)")
            check_plain_data(item, _join(path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            check_plain_data(item, f"{path}[{i}]")
    elif isinstance(value, float) and not math.isfinite(value):
        raise FrameworkFileError("must be a finite number", path)
    elif value is not None and not isinstance(value, str | int | float | bool):
        raise FrameworkFileError("must be text, a number, true or false, a list or a mapping", path)


def _document_order(error: ValidationError) -> tuple[tuple[int, int, str], ...]:
    # Lists by index, mappings by key: the first bad field is reported, and always the same one.
    return tuple((0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in error.absolute_path)


def _schema_error(error: ValidationError) -> FrameworkFileError:
    path = _path(error.absolute_path)
    kind = error.validator
    value: Any = error.validator_value
    instance: Any = error.instance
    if kind == "required":
        missing = [key for key in value if key not in instance]
        return FrameworkFileError("is required", _join(path, missing[0]))
    if kind == "additionalProperties":
        schema: Any = error.schema
        allowed = schema.get("properties", {})
        extra = [key for key in instance if key not in allowed]
        return FrameworkFileError("is not a known field", _join(path, str(extra[0])))
    if kind == "type":
        return FrameworkFileError(f"must be {TYPE_WORDS.get(str(value), value)}", path)
    if kind == "enum":
        return FrameworkFileError(f"must be one of: {', '.join(map(str, value))}", path)
    if kind == "minLength":
        return FrameworkFileError("must not be empty", path)
    if kind == "maxLength":
        return FrameworkFileError(f"must be at most {value} characters", path)
    if kind == "pattern":
        if path == "slug":
            return FrameworkFileError("may hold only lower-case letters, digits and hyphens", path)
        return FrameworkFileError(
            "must start with a letter or digit and hold only letters, digits, -, _ and .", path
        )
    if kind == "minItems":
        return FrameworkFileError(f"must have at least {value} item(s)", path)
    if kind == "minimum":
        return FrameworkFileError(f"must be at least {value}", path)
    return FrameworkFileError(error.message, path)


def _path(parts: Any) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _not_a_mapping(document: Any) -> str:
    found = "a list" if isinstance(document, list) else "empty" if document is None else "text"
    return f"The file must hold a mapping of fields (slug, version, name, ...); it holds {found}."


def read_framework_file(path: str | Path) -> Any:
    """The parsed content of a framework file, after checking its size; not yet validated."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise FrameworkFileError(f"Cannot read {path}: {exc.strerror}") from exc
    if size > MAX_FILE_BYTES:
        raise FrameworkFileError(
            f"The file is {size / 1024 / 1024:.1f} MB; framework files may be at most 5 MB."
        )
    fmt = "json" if path.suffix.lower() == ".json" else "yaml"
    return parse_framework_bytes(path.read_bytes(), fmt)


def parse_framework_bytes(data: bytes, fmt: str = "yaml") -> Any:
    """Parse YAML (safe loader only) or JSON; FrameworkFileError on size, encoding or syntax."""
    if len(data) > MAX_FILE_BYTES:
        raise FrameworkFileError("Framework files may be at most 5 MB.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FrameworkFileError(f"The file is not UTF-8 text (byte {exc.start}).") from exc
    if fmt == "json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise FrameworkFileError(
                f"The file is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
            ) from exc
        except RecursionError as exc:
            raise FrameworkFileError("The file is nested too deeply.") from exc
    return parse_yaml(text, "The file")


def parse_yaml(text: str, what: str) -> Any:
    """yaml.safe_load, with errors made readable; refuses anchors and aliases."""
    try:
        document = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise FrameworkFileError(f"{what} is not valid YAML: {exc.problem}{where}.") from exc
    except yaml.YAMLError as exc:
        raise FrameworkFileError(f"{what} is not valid YAML: {exc}.") from exc
    except RecursionError as exc:
        raise FrameworkFileError(f"{what} is nested too deeply.") from exc
    _refuse_shared_nodes(document, what)
    return document


def _refuse_shared_nodes(document: Any, what: str) -> None:
    # Aliases make one object appear many times; a few of them can make validation walk
    # billions of nodes. Framework files have no need for them.
    seen: set[int] = set()
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict | list):
            if id(node) in seen:
                raise FrameworkFileError(f"{what} uses YAML anchors or aliases; write it out.")
            seen.add(id(node))
            stack.extend(node.values() if isinstance(node, dict) else node)


def parse_rules_text(text: str) -> Any:
    """The rules document typed into the editor (YAML); validated later by the rules parser."""
    return parse_yaml(text, "The rules text")


def dump_document(document: Mapping[str, Any], fmt: str = "yaml") -> str:
    """A framework document as YAML or JSON text, in the file format."""
    if fmt == "json":
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if fmt != "yaml":
        raise FrameworkFileError(f"must be one of: {', '.join(FORMATS)}", "format")
    return dump_yaml(document)


def dump_yaml(value: Any) -> str:
    return yaml.safe_dump(value, sort_keys=False, allow_unicode=True, width=100)
