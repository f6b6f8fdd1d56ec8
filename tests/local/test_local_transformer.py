"""InputTransformer, Input and InputPath against the EventBridge user guide's examples.

Event, map and templates: "Amazon EventBridge input transformation", Input transform examples
(awsdocs/amazon-eventbridge-user-guide, eb-transform-target-input.md); see delivery-path.md §1.5.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from simulator.local.transformer import TransformError, render, select, target_input

DOCS_EVENT = {
    "version": "0",
    "id": "7bf73129-1428-4cd3-a780-95db273d1602",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "123456789012",
    "time": "2015-11-11T21:29:54Z",
    "region": "us-east-1",
    "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],
    "detail": {"instance-id": "i-0123456789", "state": "RUNNING"},
}
DOCS_MAP = {"timestamp": "$.time", "instance": "$.detail.instance-id", "state": "$.detail.state"}
RULE_ARN = "arn:aws:events:us-east-2:123456789012:rule/example"
INGESTED = datetime(2015, 11, 11, 21, 29, 55, tzinfo=timezone.utc)


def transform(template: str, paths: dict[str, str] | None = None, event=DOCS_EVENT) -> str:
    target = {
        "Id": "t",
        "Arn": "arn:aws:sqs:us-east-1:123456789012:q",
        "InputTransformer": {
            "InputPathsMap": DOCS_MAP if paths is None else paths,
            "InputTemplate": template,
        },
    }
    text = json.dumps(event, separators=(",", ":"))
    return target_input(
        target, event, text, rule_name="example", rule_arn=RULE_ARN, ingestion_time=INGESTED
    )


DOCS_CASES = {
    "simple_string": (
        '"instance <instance> is in <state>"',
        '"instance i-0123456789 is in RUNNING"',
    ),
    "string_with_escaped_quotes": (
        '"instance \\"<instance>\\" is in <state>"',
        '"instance \\"i-0123456789\\" is in RUNNING"',
    ),
    "simple_json": (
        '{\n  "instance" : <instance>,\n  "state": <state>\n}',
        '{"instance":"i-0123456789","state":"RUNNING"}',
    ),
    "json_with_strings_and_variables": (
        '{\n "instance" : <instance>,\n "state": "<state>",\n'
        ' "instanceStatus": "instance \\"<instance>\\" is in <state>"\n}',
        '{"instance":"i-0123456789","state":"RUNNING",'
        '"instanceStatus":"instance \\"i-0123456789\\" is in RUNNING"}',
    ),
    "json_mix_of_variables_and_static": (
        '{\n  "instance" : <instance>,\n  "state": [ 9, <state>, true ],\n  "Transformed" : "Yes"\n}',
        '{"instance":"i-0123456789","state":[9,"RUNNING",true],"Transformed":"Yes"}',
    ),
    "reserved_variables_in_a_string": ('"<aws.events.rule-name> triggered"', '"example triggered"'),
}


@pytest.mark.parametrize(("template", "expected"), DOCS_CASES.values(), ids=DOCS_CASES.keys())
def test_user_guide_examples(template, expected):
    assert transform(template) == expected


def test_reserved_variables_in_json():
    template = (
        '{"instance" : <instance>, "state": <state>, "ruleArn" : <aws.events.rule-arn>,'
        ' "ruleName" : <aws.events.rule-name>, "originalEvent" : <aws.events.event>}'
    )
    output = json.loads(transform(template))
    assert output["ruleArn"] == RULE_ARN and output["ruleName"] == "example"
    # Current guide: <aws.events.event> is the original event without `detail`.
    assert output["originalEvent"] == {k: v for k, v in DOCS_EVENT.items() if k != "detail"}


def test_event_json_and_ingestion_time():
    output = json.loads(
        transform('{"e": <aws.events.event.json>, "at": "<aws.events.event.ingestion-time>"}')
    )
    assert output == {"e": DOCS_EVENT, "at": "2015-11-11T21:29:55Z"}


def test_plain_text_template_substitutes_raw_text():
    paths = {"instance": "$.detail.instance-id", "status": "$.detail.state"}
    assert transform("<instance> is in state <status>", paths) == "i-0123456789 is in state RUNNING"


def test_missing_path_creates_no_variable():
    # Guide, Common issues: "that variable isn't created and won't appear in the output";
    # in a string it leaves nothing (LocalStack's AWS snapshot "custom-variables-not-match-all").
    paths = {"gone": "$.detail.nope", "state": "$.detail.state"}
    assert transform('"state <state>, gone <gone>"', paths) == '"state RUNNING, gone "'


def test_values_are_not_escaped():
    event = dict(DOCS_EVENT, detail={"state": 'say "hi"'})
    assert transform('"<state>"', {"state": "$.detail.state"}, event) == '"say "hi""'


def test_objects_numbers_and_booleans_are_inserted_as_json():
    event = dict(DOCS_EVENT, detail={"n": 5, "ok": False, "obj": {"a": [1, {"b": None}]}})
    paths = {"n": "$.detail.n", "ok": "$.detail.ok", "obj": "$.detail.obj"}
    output = transform('{"n": <n>, "ok": <ok>, "obj": <obj>, "s": "n=<n>"}', paths, event)
    assert output == '{"n":5,"ok":false,"obj":{"a":[1,{"b":null}]},"s":"n=5"}'


def test_empty_and_falsy_values_are_substituted():
    # moto leaves non-truthy values as literal placeholders (delivery-path §5.9); AWS does not.
    event = dict(DOCS_EVENT, detail={"e": "", "z": 0})
    assert transform('"[<e>][<z>]"', {"e": "$.detail.e", "z": "$.detail.z"}, event) == '"[][0]"'


def test_json_paths():
    doc = {"a": {"b-c": [10, {"d": 2}]}, "l": [{"x": 1}, {"x": 2}]}
    assert select(doc, "$.a.b-c[0]") == 10
    assert select(doc, "$.a.b-c[1].d") == 2
    assert select(doc, "$.l.*.x") == [1, 2]
    assert select(doc, "$") == doc
    assert select(doc, "$.a.zz") is not None and select(doc, "$.a.zz") is select(doc, "$.q")


def test_input_and_input_path():
    base = {"Id": "t", "Arn": "arn:aws:sqs:us-east-1:123456789012:q"}
    text = json.dumps(DOCS_EVENT, separators=(",", ":"))
    kwargs = {"rule_name": "r", "rule_arn": RULE_ARN, "ingestion_time": INGESTED}
    assert target_input(dict(base, Input='{"k": 1}'), DOCS_EVENT, text, **kwargs) == '{"k": 1}'
    assert target_input(dict(base, InputPath="$.detail"), DOCS_EVENT, text, **kwargs) == (
        '{"instance-id":"i-0123456789","state":"RUNNING"}'
    )
    # A string value keeps its JSON quotes (LocalStack's AWS snapshot, input_path_max_level_depth).
    assert (
        target_input(dict(base, InputPath="$.detail.state"), DOCS_EVENT, text, **kwargs)
        == '"RUNNING"'
    )
    assert target_input(base, DOCS_EVENT, text, **kwargs) == text
    with pytest.raises(TransformError):
        target_input(dict(base, InputPath="$.detail.nope"), DOCS_EVENT, text, **kwargs)


def test_render_ignores_angle_brackets_that_are_not_placeholders():
    assert render('"a < b > c"', {}) == '"a < b > c"'
