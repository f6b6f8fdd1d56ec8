"""Where an event pattern comes from: a JSON file, a CloudFormation/SAM template, or a live rule.

Spec forms accepted by `load_rule` / `load_pattern`:

- ``pattern.json`` — a file holding the pattern object;
- ``template.yaml#MyRule`` — the ``AWS::Events::Rule`` with logical ID ``MyRule`` in a
  CloudFormation or SAM template (YAML or JSON); without ``#ID`` the template must hold exactly
  one rule.  A SAM function's ``EventBridgeRule``/``CloudWatchEvent`` event is named
  ``Function.Event`` (or ``FunctionEvent``, the logical ID SAM generates for the rule);
- ``rule:NAME`` or ``rule:BUS/NAME`` — a deployed rule, read with ``events.DescribeRule``.

Errors are InputError naming the file and line and what was expected.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from simulator.aws.clients import AwsTarget, aws_error_from, make_client
from simulator.errors import ConfigError, InputError

RULE_TYPE = "AWS::Events::Rule"
_SAM_FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Serverless::StateMachine")
_SAM_EVENT_TYPES = ("EventBridgeRule", "CloudWatchEvent")
_YAML_SUFFIXES = (".yaml", ".yml", ".template")
LIVE_PREFIX = "rule:"

Key = str | int


@dataclass(frozen=True)
class RuleSource:
    """A loaded pattern and where it came from.

    `location` is ``file:line`` of the pattern (or the rule's name for a live rule); `text` is
    the pattern's JSON text as written, when it was text (a pattern file, a JSON-string
    EventPattern, a live rule), so compile errors can point into it; `text_is_file` says the
    text is the whole file at `origin`, so its lines are the file's lines.
    """

    name: str
    pattern: dict[str, Any]
    origin: str
    location: str
    text: str | None = None
    text_is_file: bool = False


def load_pattern(
    spec: str | Path, *, session: Any = None, endpoint_url: str | None = None
) -> tuple[str, dict[str, Any]]:
    """(name, pattern) from a spec (see the module docstring); used by `trailsim replay`."""
    source = load_rule(spec, session=session, endpoint_url=endpoint_url)
    return source.name, source.pattern


def load_rule(
    spec: str | Path, *, session: Any = None, endpoint_url: str | None = None
) -> RuleSource:
    """Load the pattern `spec` names, as a RuleSource."""
    text = str(spec)
    if text.startswith(LIVE_PREFIX):
        bus, _, name = text[len(LIVE_PREFIX) :].rpartition("/")
        return load_live_rule(
            name, event_bus=bus or None, session=session, endpoint_url=endpoint_url
        )
    path, resource = _split_spec(text)
    return load_file(path, resource=resource)


def _split_spec(spec: str) -> tuple[Path, str | None]:
    if "#" not in spec or Path(spec).exists():
        return Path(spec), None
    path, _, resource = spec.rpartition("#")
    return Path(path), resource or None


def load_file(path: str | Path, *, resource: str | None = None) -> RuleSource:
    """A pattern file, or the rule `resource` in a template (YAML or JSON)."""
    path = Path(path)
    text = _read_text(path)
    lines: _Lines
    if _reads_as_yaml(path, text):
        document, root = parse_yaml(text, str(path))
        lines = _YamlLines(root)
    else:
        document = _parse_json(text, str(path))
        lines = _JsonLines(text)
    if resource is not None or _is_template(document):
        return _rule_from_template(document, path, resource, lines)
    if not isinstance(document, dict):
        raise InputError(f"{path}:1", "expected a JSON object: an event pattern or a template")
    _check_plain_json(document, str(path), (), lines, intrinsics=False)
    is_json = lines.is_json
    text_or_none = text if is_json else None
    return RuleSource(path.stem, document, str(path), f"{path}:1", text_or_none, is_json)


def _reads_as_yaml(path: Path, text: str) -> bool:
    """YAML by suffix, except JSON text in a .yaml/.template file (CloudFormation allows both
    under any name), which JSON's parser reads with exact positions."""
    if path.suffix.lower() not in _YAML_SUFFIXES:
        return False
    if not text.lstrip().startswith("{"):
        return True
    try:
        json.loads(text)
    except json.JSONDecodeError:
        return True  # a YAML flow mapping, or broken JSON: YAML's parser will say where
    return False


def load_live_rule(
    name: str,
    *,
    event_bus: str | None = None,
    session: Any = None,
    endpoint_url: str | None = None,
) -> RuleSource:
    """The pattern of the deployed rule `name` (events.DescribeRule)."""
    from botocore.exceptions import BotoCoreError, ClientError

    if not name:
        raise ConfigError("--rule", name, "a rule name")
    client = make_client(session or AwsTarget().session(), "events", endpoint_url=endpoint_url)
    bus = event_bus or "default"
    try:
        answer = client.describe_rule(Name=name, EventBusName=bus)
    except client.exceptions.ResourceNotFoundException as err:
        raise ConfigError("--rule", name, f"a rule on event bus {bus!r}") from err
    except (ClientError, BotoCoreError) as err:
        raise aws_error_from("DescribeRule", err) from err
    origin = f"{LIVE_PREFIX}{bus}/{name}"
    text = answer.get("EventPattern")
    if not text:
        raise InputError(origin, "the rule has no EventPattern (a schedule rule?)")
    pattern = _parse_json_string(text, origin, "EventPattern")
    if not isinstance(pattern, dict):
        raise InputError(origin, "EventPattern is not a JSON object")
    return RuleSource(name, pattern, origin, origin, text)


# --- templates -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Candidate:
    logical_id: str
    keys: tuple[Key, ...]  # from the document root to the pattern's key
    value: Any


def _is_template(document: Any) -> bool:
    return isinstance(document, dict) and isinstance(document.get("Resources"), dict)


def _rule_from_template(
    document: Any, path: Path, resource: str | None, lines: _Lines
) -> RuleSource:
    if not _is_template(document):
        raise InputError(f"{path}:1", "expected a CloudFormation template with a Resources map")
    resources: dict[str, Any] = document["Resources"]
    candidates = {c.logical_id: c for c in _candidates(resources)}
    chosen = _choose(candidates, resources, path, resource, lines)
    where = f"{path}:{lines.line_of(chosen.keys)}"
    pattern, text = _pattern_value(chosen, where)
    if text is None:  # a JSON-string pattern holds no intrinsics and only string keys
        _check_plain_json(pattern, str(path), chosen.keys, lines, intrinsics=True)
    return RuleSource(chosen.logical_id, pattern, f"{path}#{chosen.logical_id}", where, text)


def _candidates(resources: Mapping[str, Any]) -> Iterator[_Candidate]:
    for logical_id, body in resources.items():
        if not isinstance(body, dict):
            continue
        properties = body.get("Properties")
        properties = properties if isinstance(properties, dict) else {}
        if body.get("Type") == RULE_TYPE:
            keys: tuple[Key, ...] = ("Resources", logical_id, "Properties", "EventPattern")
            yield _Candidate(str(logical_id), keys, properties.get("EventPattern"))
        elif body.get("Type") in _SAM_FUNCTION_TYPES:
            yield from _sam_candidates(str(logical_id), properties)


def _sam_candidates(function_id: str, properties: Mapping[str, Any]) -> Iterator[_Candidate]:
    events = properties.get("Events")
    if not isinstance(events, dict):
        return
    for event_id, event in events.items():
        if isinstance(event, dict) and event.get("Type") in _SAM_EVENT_TYPES:
            props = event.get("Properties")
            props = props if isinstance(props, dict) else {}
            keys = ("Resources", function_id, "Properties", "Events", event_id, "Properties")
            yield _Candidate(f"{function_id}.{event_id}", (*keys, "Pattern"), props.get("Pattern"))


def _choose(
    candidates: Mapping[str, _Candidate],
    resources: Mapping[str, Any],
    path: Path,
    resource: str | None,
    lines: _Lines,
) -> _Candidate:
    found = ", ".join(candidates) or "none"
    if resource is None:
        if len(candidates) == 1:
            return next(iter(candidates.values()))
        where = f"{path}:{lines.line_of(('Resources',))}"
        problem = f"{len(candidates)} {RULE_TYPE} resources found ({found}); name one as {path}#ID"
        raise InputError(where, problem if candidates else f"no {RULE_TYPE} resource found")
    sam_ids = {c.replace(".", ""): c for c in candidates if "." in c}  # SAM's generated rule IDs
    chosen = candidates.get(resource) or candidates.get(sam_ids.get(resource, ""))
    if chosen is not None:
        return chosen
    body = resources.get(resource)
    if isinstance(body, dict):
        where = f"{path}:{lines.line_of(('Resources', resource))}"
        problem = f"{resource} is {body.get('Type')!s}, not {RULE_TYPE}; rules found: {found}"
        raise InputError(where, problem)
    where = f"{path}:{lines.line_of(('Resources',))}"
    raise InputError(where, f"no resource {resource!r}; {RULE_TYPE} resources found: {found}")


def _pattern_value(chosen: _Candidate, where: str) -> tuple[dict[str, Any], str | None]:
    value, dotted = chosen.value, _dotted(chosen.keys)
    if value is None:
        what = "no EventPattern (a schedule rule?)"
        raise InputError(where, f"{chosen.logical_id} has {what}", dotted)
    text = None
    if isinstance(value, str):  # CloudFormation accepts the pattern as a JSON string too
        text = value
        value = _parse_json_string(value, where, dotted)
    if not isinstance(value, dict):
        raise InputError(where, "the event pattern must be a JSON object", dotted)
    return value, text


_INTRINSIC = re.compile(r"^(Ref|Condition|Fn::\w+)$")


def _check_plain_json(
    value: Any, file: str, base: tuple[Key, ...], lines: _Lines, *, intrinsics: bool
) -> None:
    """Reject what EventBridge would never see: non-string keys, and (in a template, where a
    one-key ``{"Ref": ...}`` or ``{"Fn::...": ...}`` is always a function) intrinsics."""
    for keys, node in _walk(value, base):
        if not isinstance(node, dict):
            continue
        where = f"{file}:{lines.line_of(keys)}"
        key = next(iter(node), None)
        if intrinsics and len(node) == 1 and isinstance(key, str) and _INTRINSIC.match(key):
            problem = (
                f"uses {key}, which trailsim cannot resolve; give the deployed pattern "
                "as a JSON file (--pattern) or read the live rule (--rule)"
            )
            raise InputError(where, problem, _dotted(keys))
        for key in node:
            if not isinstance(key, str):
                problem = f"key {key!r} is not a string (quote it in YAML)"
                raise InputError(where, problem, _dotted(keys))


def _walk(value: Any, keys: tuple[Key, ...]) -> Iterator[tuple[tuple[Key, ...], Any]]:
    yield keys, value
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _walk(child, (*keys, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _walk(child, (*keys, index))


def _dotted(keys: Sequence[Key]) -> str:
    out = ""
    for key in keys:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return out


# --- reading files ---------------------------------------------------------------------------


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as err:
        raise InputError(str(path), "no such file") from err
    except IsADirectoryError as err:
        raise InputError(str(path), "is a directory, expected a JSON or YAML file") from err
    except UnicodeDecodeError as err:
        raise InputError(str(path), f"not UTF-8 text ({err.reason})") from err
    except OSError as err:
        raise InputError(str(path), err.strerror or "cannot be read") from err


def _parse_json(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(f"{where}:{err.lineno}:{err.colno}", f"not valid JSON: {err.msg}") from err


def _parse_json_string(text: str, where: str, path: str) -> Any:
    """JSON held in a string (an EventPattern given as text); positions are within the string."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        at = f"line {err.lineno}, column {err.colno} of the string"
        raise InputError(
            where, f"the pattern text is not valid JSON: {err.msg} ({at})", path
        ) from err


class _TemplateLoader(yaml.SafeLoader):
    """YAML 1.1 SafeLoader that reads CloudFormation's short-form intrinsic tags (!Ref, !Sub...)."""


def _construct_intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if suffix in ("Ref", "Condition"):
        return {suffix: value}
    if suffix == "GetAtt" and isinstance(value, str):  # !GetAtt Res.Attr is ["Res", "Attr"]
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


def _construct_plain_string(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    # CloudFormation passes dates through as text; a pattern value must stay a string.
    return loader.construct_scalar(node)  # type: ignore[arg-type]


_TemplateLoader.add_multi_constructor("!", _construct_intrinsic)
_TemplateLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_plain_string)


def parse_yaml(text: str, where: str) -> tuple[Any, yaml.Node | None]:
    """A YAML document with CloudFormation tags, and its node tree (for line numbers).

    Errors name `where:line:column`.
    """
    loader = _TemplateLoader(text)
    try:
        root = loader.get_single_node()
        return (loader.construct_document(root) if root is not None else None), root
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        at = f"{where}:{mark.line + 1}:{mark.column + 1}" if mark else where
        raise InputError(at, f"not valid YAML: {err.problem or err.context}") from err
    except yaml.YAMLError as err:
        raise InputError(where, f"not valid YAML: {err}") from err
    finally:
        loader.dispose()


# --- line numbers ----------------------------------------------------------------------------


class _Lines:
    """Maps a key path to the line it starts on (1 when unknown)."""

    is_json = False

    def line_of(self, keys: Sequence[Key]) -> int:
        raise NotImplementedError


class _YamlLines(_Lines):
    def __init__(self, root: yaml.Node | None) -> None:
        self._root = root

    def line_of(self, keys: Sequence[Key]) -> int:
        node, line = self._root, 1
        for key in keys:
            found = _yaml_child(node, key)
            if found is None:
                break
            line, node = found[0].start_mark.line + 1, found[1]
        return line


def _yaml_child(node: yaml.Node | None, key: Key) -> tuple[yaml.Node, yaml.Node] | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if getattr(key_node, "value", None) == str(key):
                return key_node, value_node
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
        item: yaml.Node = node.value[key]
        return item, item
    return None


class _JsonLines(_Lines):
    """Finds `"key":` occurrences in order; JSON offers no positions, and keys are unique enough."""

    is_json = True

    def __init__(self, text: str) -> None:
        self._text = text

    def line_of(self, keys: Sequence[Key]) -> int:
        position = 0
        for key in keys:
            if isinstance(key, int):
                continue
            match = re.compile(rf"{re.escape(json.dumps(key))}\s*:").search(self._text, position)
            if match is None:
                break
            position = match.start()
        return self._text.count("\n", 0, position) + 1
