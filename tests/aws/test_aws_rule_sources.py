"""Patterns from JSON files, CloudFormation/SAM templates (YAML and JSON) and their errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulator.aws.check import seed_rule_path
from simulator.aws.rule_sources import load_file, load_pattern, load_rule, parse_yaml
from simulator.errors import InputError

SEED = json.loads(seed_rule_path().read_text(encoding="utf-8"))
TEMPLATE = Path(seed_rule_path()).with_name("seed-rule.template.yaml")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_seed_pattern_file_loads_with_its_text() -> None:
    source = load_rule(seed_rule_path())
    assert (source.name, source.pattern) == ("seed-rule", SEED)
    assert source.text is not None and json.loads(source.text) == SEED
    assert source.location.endswith("seed-rule.json:1")


def test_shipped_template_names_the_rule_and_its_line() -> None:
    name, pattern = load_pattern(f"{TEMPLATE}#AccessKeyCreatedRule")
    assert (name, pattern) == ("AccessKeyCreatedRule", SEED)
    source = load_rule(TEMPLATE)  # the only rule: no ID needed
    line = TEMPLATE.read_text(encoding="utf-8").splitlines()[
        int(source.location.split(":")[-1]) - 1
    ]
    assert line.strip() == "EventPattern:"


def test_yaml_intrinsic_tags_load_as_cloudformation_long_form() -> None:
    text = """
    a: !Ref Topic
    b: !Sub "${AWS::StackName}-x"
    c: !GetAtt Rule.Arn
    d: !Join ["-", [!Ref "AWS::Region", x]]
    e: !If [IsProd, !Ref A, !Ref "AWS::NoValue"]
    f: !Select [0, !GetAZs ""]
    g: !Base64 {"Fn::Sub": "x"}
    h: 2010-09-09
    """
    document, _ = parse_yaml(text.replace("\n    ", "\n"), "t.yaml")
    assert document == {
        "a": {"Ref": "Topic"},
        "b": {"Fn::Sub": "${AWS::StackName}-x"},
        "c": {"Fn::GetAtt": ["Rule", "Arn"]},
        "d": {"Fn::Join": ["-", [{"Ref": "AWS::Region"}, "x"]]},
        "e": {"Fn::If": ["IsProd", {"Ref": "A"}, {"Ref": "AWS::NoValue"}]},
        "f": {"Fn::Select": [0, {"Fn::GetAZs": ""}]},
        "g": {"Fn::Base64": {"Fn::Sub": "x"}},
        "h": "2010-09-09",
    }


def test_json_template_with_string_event_pattern(tmp_path: Path) -> None:
    template = {
        "Resources": {
            "Topic": {"Type": "AWS::SNS::Topic"},
            "KeyRule": {
                "Type": "AWS::Events::Rule",
                "Properties": {
                    "EventPattern": json.dumps(SEED),
                    "Targets": [{"Id": "t", "Arn": {"Ref": "Topic"}}],
                },
            },
        }
    }
    path = write(tmp_path, "stack.json", json.dumps(template, indent=2))
    source = load_rule(f"{path}#KeyRule")
    assert (source.name, source.pattern, source.text) == ("KeyRule", SEED, json.dumps(SEED))
    assert source.location == f"{path}:9"  # the "EventPattern" line


def test_sam_function_event_by_dotted_or_generated_id(tmp_path: Path) -> None:
    text = f"""
Transform: AWS::Serverless-2016-10-31
Resources:
  Notifier:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Events:
        KeyCreated:
          Type: EventBridgeRule
          Properties:
            Pattern: {json.dumps(SEED)}
"""
    path = write(tmp_path, "sam.yaml", text)
    assert load_pattern(f"{path}#Notifier.KeyCreated") == ("Notifier.KeyCreated", SEED)
    assert load_pattern(f"{path}#NotifierKeyCreated")[1] == SEED
    assert load_pattern(path)[1] == SEED


def test_intrinsic_inside_the_pattern_is_named_with_its_line(tmp_path: Path) -> None:
    text = """Resources:
  R:
    Type: AWS::Events::Rule
    Properties:
      EventPattern:
        source: [aws.iam]
        account:
          - !Ref AWS::AccountId
"""
    path = write(tmp_path, "t.yaml", text)
    with pytest.raises(InputError) as info:
        load_rule(path)
    assert info.value.location == f"{path}:8"
    assert info.value.path == "Resources.R.Properties.EventPattern.account[0]"
    assert "uses Ref" in info.value.problem


@pytest.mark.parametrize(
    ("spec", "text", "where", "words"),
    [
        ("t.yaml#Nope", "Resources:\n  A: {Type: AWS::Events::Rule}\n", 1, "no resource 'Nope'"),
        ("t.yaml", "Resources:\n  T: {Type: AWS::SNS::Topic}\n", 1, "no AWS::Events::Rule"),
        (
            "t.yaml",
            "Resources:\n  A: {Type: AWS::Events::Rule}\n  B: {Type: AWS::Events::Rule}\n",
            1,
            "2 AWS::Events::Rule resources found (A, B)",
        ),
        ("t.yaml#A", "Resources:\n  A:\n    Type: AWS::Events::Rule\n", 2, "no EventPattern"),
        ("t.yaml", "Resources:\n  A: [unclosed\n", 3, "not valid YAML"),
        ("t.json", '{"source": ["aws.iam"],\n  "detail": }', 2, "not valid JSON"),
        ("t.json", '["not", "an", "object"]', 1, "expected a JSON object"),
        (
            "t.yaml#A",
            "Resources:\n  A:\n    Type: AWS::Events::Rule\n    Properties:\n"
            "      EventPattern: '{\"source\": [aws.iam]}'\n",
            5,
            "not valid JSON",
        ),
    ],
    ids=[
        "unknown-id",
        "no-rule",
        "two-rules",
        "schedule-rule",
        "bad-yaml",
        "bad-json",
        "json-array",
        "bad-json-string",
    ],
)
def test_bad_sources_name_file_line_and_expectation(
    tmp_path: Path, spec: str, text: str, where: int, words: str
) -> None:
    file, _, resource = spec.partition("#")
    path = write(tmp_path, file, text)
    with pytest.raises(InputError) as info:
        load_rule(f"{path}#{resource}" if resource else path)
    message = str(info.value)
    assert message.startswith(f"{path}:{where}"), message
    assert words in message
    assert "\n" not in message


def test_wrong_resource_type_lists_the_rules(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        load_rule(f"{TEMPLATE}#AlertTopic")
    assert "AlertTopic is AWS::SNS::Topic" in str(info.value)
    assert "AccessKeyCreatedRule" in str(info.value)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_file(tmp_path / "absent.json")
    with pytest.raises(InputError, match="is a directory"):
        load_file(tmp_path)


def test_pattern_files_may_use_any_field_name(tmp_path: Path) -> None:
    # Outside a template, {"Ref": [...]} is a pattern on an event field named "Ref".
    path = write(tmp_path, "p.json", '{"detail": {"Ref": ["x"]}}')
    assert load_pattern(path) == ("p", {"detail": {"Ref": ["x"]}})


def test_yaml_pattern_file_and_its_non_string_keys(tmp_path: Path) -> None:
    assert load_pattern(write(tmp_path, "p.yaml", "source: [aws.iam]\n")) == (
        "p",
        {"source": ["aws.iam"]},
    )
    with pytest.raises(InputError) as info:
        load_rule(write(tmp_path, "q.yaml", "detail:\n  on: [x]\n"))  # YAML 1.1: on is true
    assert info.value.location == f"{tmp_path / 'q.yaml'}:1"
    assert "key True is not a string" in info.value.problem


def test_live_rule_spec_with_bus(local_cloud: object) -> None:
    from typing import Any

    cloud: Any = local_cloud
    events = cloud.client("events")
    events.create_event_bus(Name="alerts")
    events.put_rule(Name="r", EventBusName="alerts", EventPattern=json.dumps(SEED))
    session, url = cloud.session(), cloud.endpoint_url
    source = load_rule("rule:alerts/r", session=session, endpoint_url=url)
    assert (source.name, source.pattern, source.origin) == ("r", SEED, "rule:alerts/r")
    assert load_pattern("rule:alerts/r", session=session, endpoint_url=url) == ("r", SEED)


def test_json_text_in_a_template_file_reads_as_json(tmp_path: Path) -> None:
    rule = {"Type": "AWS::Events::Rule", "Properties": {"EventPattern": SEED}}
    text = json.dumps({"Resources": {"R": rule}}, indent="\t")  # tabs: not valid YAML indentation
    source = load_rule(write(tmp_path, "stack.template", text))
    assert (source.name, source.pattern, source.location) == (
        "R",
        SEED,
        f"{tmp_path}/stack.template:6",
    )
