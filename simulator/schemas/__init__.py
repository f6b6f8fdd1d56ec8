"""JSON Schemas for CloudTrail records, EventBridge envelopes and S3 log files, and a validator.

The schemas are package data (``record.schema.json``, ``envelope.schema.json``,
``log_file.schema.json``).  :func:`validate_event` returns every problem with its JSON path
(``$.detail.userIdentity.accessKeyId``); it never raises on bad input.  Schemas are compiled once.
"""

from __future__ import annotations

import functools
import gzip
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from simulator.errors import EventValidationError

KINDS = ("record", "envelope", "log_file")


@dataclass(frozen=True, slots=True)
class ValidationProblem:
    """One way a document breaks its schema: where (a JSON path) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def load_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of ``kind`` ("record", "envelope" or "log_file") as a dict."""
    if kind not in KINDS:
        raise EventValidationError("schema kind", [f"{kind!r} is not one of {', '.join(KINDS)}"])
    text = resources.files(__name__).joinpath(f"{kind}.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@functools.cache
def _validator(kind: str) -> Any:
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    registry: Registry[Any] = Registry().with_resources(
        (f"urn:trailsim:schema:{name}", Resource.from_contents(load_schema(name))) for name in KINDS
    )
    return Draft202012Validator(load_schema(kind), registry=registry)


def infer_kind(document: Any) -> str:
    """ "log_file" for ``{"Records": [...]}``, "envelope" when there is a ``detail``, else "record"."""
    if isinstance(document, Mapping):
        if "Records" in document:
            return "log_file"
        if "detail" in document or "detail-type" in document:
            return "envelope"
    return "record"


def _parse(document: Any) -> tuple[Any, list[ValidationProblem]]:
    if isinstance(document, bytes | bytearray):
        try:
            raw = gzip.decompress(document) if document[:2] == b"\x1f\x8b" else bytes(document)
            return json.loads(raw), []
        except (OSError, EOFError, ValueError) as err:
            return None, [ValidationProblem("$", f"not JSON (or gzip of JSON): {err}")]
    if isinstance(document, str):
        try:
            return json.loads(document), []
        except ValueError as err:
            return None, [ValidationProblem("$", f"not JSON: {err}")]
    return document, []


def _message(error: Any) -> tuple[str, str]:
    # oneOf/anyOf failures: report the most relevant branch, which names the real field.
    while error.context:
        deepest = max(error.context, key=lambda sub: len(sub.absolute_path))
        if len(deepest.absolute_path) <= len(error.absolute_path):
            break
        error = deepest
    message = str(error.message)
    return str(error.json_path), message if len(message) <= 300 else message[:297] + "..."


def validate_event(document: Any, kind: str | None = None) -> list[ValidationProblem]:
    """Every schema problem of ``document`` (a dict, JSON text, or log-file bytes).

    ``kind`` is "record", "envelope" or "log_file"; None infers it from the document's shape.
    """
    parsed, problems = _parse(document)
    if problems:
        return problems
    kind = kind or infer_kind(parsed)
    if kind not in KINDS:
        return [ValidationProblem("$", f"kind {kind!r} is not one of {', '.join(KINDS)}")]
    found = {_message(error) for error in _validator(kind).iter_errors(parsed)}
    return [ValidationProblem(path, message) for path, message in sorted(found)]


def check_event(document: Any, kind: str | None = None) -> None:
    """Raise EventValidationError listing the problems when ``document`` does not validate."""
    problems = validate_event(document, kind)
    if problems:
        raise EventValidationError(kind or infer_kind(document), [str(p) for p in problems])


__all__ = [
    "KINDS",
    "ValidationProblem",
    "check_event",
    "infer_kind",
    "load_schema",
    "validate_event",
]
