"""What a rule target receives: the event, `Input`, `InputPath` or an `InputTransformer`.

Semantics follow the EventBridge user guide, "Amazon EventBridge input transformation"
(eb-transform-target-input), and delivery-path.md §1.2 and §1.5:
- no input setting: the event itself, minified;
- `Input`: that text, unchanged; `InputPath`: the selected JSON value, minified;
- `InputTransformer`: `InputPathsMap` binds variables to JSON paths (dot notation, dashes,
  underscores, array indices, `*`); a path absent from the event creates no variable. In
  `InputTemplate`, `<name>` is replaced by the value: inside a JSON string a string goes in as
  its raw text (values are *not* escaped, guide "Common issues"); outside a string, in a JSON
  template, a string goes in quoted (guide example "Simple JSON"); objects, arrays, numbers and
  booleans go in as JSON.  JSON output is minified.
Predefined variables: `aws.events.rule-arn`, `aws.events.rule-name`,
`aws.events.event.ingestion-time` (ISO 8601), `aws.events.event` (the event without `detail`)
and `aws.events.event.json` (the whole event).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from simulator.local import eventbridge_errors as errs

PREDEFINED = (
    "aws.events.rule-arn",
    "aws.events.rule-name",
    "aws.events.event.ingestion-time",
    "aws.events.event",
    "aws.events.event.json",
)
_PLACEHOLDER = re.compile(r"<([^<>\s]+)>")
_KEY = re.compile(r"[A-Za-z0-9_\-]+")
_SEGMENT = re.compile(r"(?P<name>[^.\[\]]*)(?P<indices>(\[\d+\])*)")
_MISSING = object()


class TransformError(Exception):
    """A target's input could not be built; EventBridge counts a failed invocation."""


def check_transformer(target_id: str, transformer: object) -> None:
    if not isinstance(transformer, Mapping) or not isinstance(
        transformer.get("InputTemplate"), str
    ):
        raise errs.missing("targets.member.inputTransformer.inputTemplate")
    paths = transformer.get("InputPathsMap") or {}
    if not isinstance(paths, Mapping):
        raise errs.serialization("InputPathsMap must be a map")
    if len(paths) > 100:
        raise errs.validation("InputPathsMap has more than 100 entries.")
    for key, path in paths.items():
        if not isinstance(path, str) or len(path) > 256:
            raise errs.serialization(
                f"InputPathsMap value for {key} must be a string of 256 or fewer"
            )
        if not _KEY.fullmatch(key) or key.upper().startswith("AWS."):
            raise errs.validation(f"InputTransformer for target {target_id} has invalid key {key}.")
    for name in _PLACEHOLDER.findall(transformer["InputTemplate"]):
        if name not in paths and name not in PREDEFINED:
            # LocalStack pins this message against AWS (events/target.py, validate_input_transformer).
            raise errs.validation(
                f"InputTemplate for target {target_id} contains invalid placeholder {name}."
            )


def target_input(
    target: Mapping[str, Any],
    event: Mapping[str, Any],
    event_text: str,
    *,
    rule_name: str,
    rule_arn: str,
    ingestion_time: datetime,
) -> str:
    """The text EventBridge sends to `target` for `event` (the SNS Message, the SQS body)."""
    if target.get("Input") is not None:
        return str(target["Input"])
    if target.get("InputPath") is not None:
        value = select(event, str(target["InputPath"]))
        if value is _MISSING:
            raise TransformError(f"InputPath {target['InputPath']} selects nothing")
        return minified(value)
    transformer = target.get("InputTransformer")
    if transformer is None:
        return event_text
    variables = {
        name: value
        for name, path in (transformer.get("InputPathsMap") or {}).items()
        if (value := select(event, path)) is not _MISSING
    }
    variables.update(predefined(event, rule_name, rule_arn, ingestion_time))
    return render(transformer["InputTemplate"], variables)


def predefined(
    event: Mapping[str, Any], rule_name: str, rule_arn: str, ingestion_time: datetime
) -> dict[str, Any]:
    return {
        "aws.events.rule-arn": rule_arn,
        "aws.events.rule-name": rule_name,
        "aws.events.event.ingestion-time": ingestion_time.astimezone(timezone.utc).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        ),
        "aws.events.event": {k: v for k, v in event.items() if k != "detail"},
        "aws.events.event.json": dict(event),
    }


def select(document: Any, path: str) -> Any:
    """Evaluate EventBridge's JSON path subset; `_MISSING` when it selects nothing."""
    if path.strip() == "$":
        return document
    if not path.startswith("$."):
        return _MISSING
    found = [document]
    wildcard = False
    for segment in path[2:].split("."):
        match = _SEGMENT.fullmatch(segment)
        if match is None:
            return _MISSING
        wildcard = wildcard or match["name"] == "*"
        found = [v for item in found for v in _step(item, match["name"], match["indices"])]
        if not found:
            return _MISSING
    return found if wildcard else found[0]


def _step(value: Any, name: str, indices: str) -> list[Any]:
    if name == "*":
        values = (
            list(value.values())
            if isinstance(value, Mapping)
            else (value if isinstance(value, list) else [])
        )
    elif isinstance(value, Mapping) and name in value:
        values = [value[name]]
    else:
        return []
    for index in (int(i) for i in re.findall(r"\[(\d+)\]", indices)):
        values = [v[index] for v in values if isinstance(v, list) and index < len(v)]
    return values


def render(template: str, variables: Mapping[str, Any]) -> str:
    """Fill `template`'s placeholders as EventBridge does; JSON results come out minified."""
    is_json = template.lstrip()[:1] in ("{", "[")
    pieces: list[str] = []
    in_string, escaped, position = False, False, 0
    while position < len(template):
        char = template[position]
        placeholder = _PLACEHOLDER.match(template, position) if char == "<" else None
        if placeholder is not None and placeholder[1] in variables:
            pieces.append(_fill(variables[placeholder[1]], in_string, is_json))
            position = placeholder.end()
            continue
        if placeholder is not None and placeholder[1] not in variables:
            # A variable whose path is absent "isn't created and won't appear in the output"
            # (guide, Common issues). In a JSON value position nothing would break the JSON;
            # `null` is trailsim's choice there [unconfirmed].
            pieces.append("" if in_string or not is_json else "null")
            position = placeholder.end()
            continue
        pieces.append(char)
        if in_string and char == "\\" and not escaped:
            escaped = True
        else:
            if char == '"' and not escaped:
                in_string = not in_string
            escaped = False
        position += 1
    output = "".join(pieces)
    return _minify(output) if is_json else output


def _fill(value: Any, in_string: bool, is_json: bool) -> str:
    if isinstance(value, str):
        return value if in_string or not is_json else f'"{value}"'
    return minified(value)


def minified(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _minify(text: str) -> str:
    """Minify JSON output; text that is not JSON (an unescaped `"` in a value) goes as is."""
    try:
        return minified(json.loads(text))
    except ValueError:
        return text
